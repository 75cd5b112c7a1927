#define _GNU_SOURCE
#include "swk_netns.h"
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int swk_netns_loopback_up(const char *netns_path) {
    int fd = open(netns_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(fd); errno = e; return -1; }
    if (pid == 0) {
        // Child: the exit status carries the errno of the failing step (0 on success).
        if (setns(fd, CLONE_NEWNET) < 0) _exit(errno);
        int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (s < 0) _exit(errno);
        struct ifreq req;
        memset(&req, 0, sizeof req);
        strcpy(req.ifr_name, "lo");
        if (ioctl(s, SIOCGIFFLAGS, &req) < 0) _exit(errno);
        req.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &req) < 0) _exit(errno);
        _exit(0);
    }
    close(fd);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (!WIFEXITED(status)) { errno = ECHILD; return -1; }
    if (WEXITSTATUS(status) != 0) { errno = WEXITSTATUS(status); return -1; }
    return 0;
}
