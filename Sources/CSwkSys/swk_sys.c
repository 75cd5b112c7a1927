#define _GNU_SOURCE
#include "swk_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int swk_unshare(int flags) { return unshare(flags); }
int swk_setns(int fd, int nstype) { return setns(fd, nstype); }
int swk_pivot_root(const char *new_root, const char *put_old) {
    return (int)syscall(SYS_pivot_root, new_root, put_old);
}
int swk_pipe2(int fds[2], int flags) { return pipe2(fds, flags); }
int swk_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
int swk_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
int swk_set_name(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
int swk_inotify_init1(int flags) { return inotify_init1(flags); }
int swk_pidfd_open(int pid) {
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}
int swk_inotify_add_watch(int fd, const char *path, uint32_t mask) {
    return inotify_add_watch(fd, path, mask);
}
int swk_open(const char *path, int flags, int mode) { return open(path, flags, mode); }
int swk_fcntl_setfd(int fd, int flags) { return fcntl(fd, F_SETFD, flags); }
int swk_fcntl_getfl(int fd) { return fcntl(fd, F_GETFL); }
int swk_fcntl_setfl(int fd, int flags) { return fcntl(fd, F_SETFL, flags); }
int swk_ioctl_int(int fd, unsigned long request, int *arg) { return ioctl(fd, request, arg); }
pid_t swk_gettid(void) { return (pid_t)syscall(SYS_gettid); }

void swk_close_fds_except(int keep_a, int keep_b) {
    int lo = keep_a < keep_b ? keep_a : keep_b, hi = keep_a < keep_b ? keep_b : keep_a;
    unsigned int from = 3;
    for (int i = 0; i < 2; i++) {
        int keep = i == 0 ? lo : hi;
        if (keep < (int)from) continue;
        if ((unsigned int)keep > from) syscall(SYS_close_range, from, (unsigned int)keep - 1, 0);
        from = (unsigned int)keep + 1;
    }
    syscall(SYS_close_range, from, ~0U, 0);
}

static int pin_one(pid_t pid, const char *kind, const char *target) {
    char src[64];
    if (target == NULL) return 0;
    snprintf(src, sizeof src, "/proc/%d/ns/%s", (int)pid, kind);
    int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
    if (fd < 0) return -1;
    close(fd);
    return mount(src, target, NULL, MS_BIND, NULL);
}

int swk_pin_namespaces(int flags, const char *net_path, const char *ipc_path, const char *uts_path,
                       const char *hostname) {
    int ready[2], done[2];
    if (pipe2(ready, O_CLOEXEC) < 0) return -1;
    if (pipe2(done, O_CLOEXEC) < 0) { close(ready[0]); close(ready[1]); return -1; }
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(ready[0]); close(ready[1]); close(done[0]); close(done[1]); errno = e; return -1; }
    if (pid == 0) {
        // Child: only syscalls from here. Report the errno of a failed step, then wait to be pinned.
        int err = 0;
        swk_close_fds_except(ready[1], done[0]);
        if (unshare(flags) < 0) err = errno;
        else if (hostname != NULL && (flags & CLONE_NEWUTS) && sethostname(hostname, strlen(hostname)) < 0) err = errno;
        if (write(ready[1], &err, sizeof err) != sizeof err) _exit(1);
        char c;
        (void)read(done[0], &c, 1);
        _exit(0);
    }
    close(ready[1]);
    close(done[0]);
    int err = 0;
    ssize_t n = read(ready[0], &err, sizeof err);
    close(ready[0]);
    if (n != sizeof err) err = ECHILD;
    if (err == 0 && pin_one(pid, "net", net_path) < 0) err = errno;
    if (err == 0 && pin_one(pid, "ipc", ipc_path) < 0) err = errno;
    if (err == 0 && pin_one(pid, "uts", uts_path) < 0) err = errno;
    // Release the child with a byte, not by EOF: a concurrent fork elsewhere may hold a copy of done[1].
    char go = 1;
    (void)!write(done[1], &go, 1);
    close(done[1]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (err != 0) { errno = err; return -1; }
    return 0;
}
