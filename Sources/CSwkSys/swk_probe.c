#define _GNU_SOURCE
#include "swk_probe.h"
#include "swk_sys.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Child side: returns bytes read into response, or -errno. */
static long probe_child(const char *netns_path, const char *ip, int port, int timeout_ms,
                        const char *request, size_t request_len, char *response, size_t cap) {
    long deadline = now_ms() + timeout_ms;
    if (netns_path != NULL && netns_path[0] != '\0') {
        int ns = open(netns_path, O_RDONLY | O_CLOEXEC);
        if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) return -errno;
        close(ns);
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, ip, &addr.sin_addr) != 1) return -EINVAL;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) return -errno;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    if (poll(&p, 1, (int)(deadline - now_ms())) <= 0) return -ETIMEDOUT;
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return -err;
    size_t sent = 0;
    while (sent < request_len) {
        ssize_t n = write(fd, request + sent, request_len - sent);
        if (n < 0 && errno == EAGAIN) {
            p.events = POLLOUT;
            if (poll(&p, 1, (int)(deadline - now_ms())) <= 0) return -ETIMEDOUT;
            continue;
        }
        if (n < 0) return -errno;
        sent += (size_t)n;
    }
    size_t got = 0;
    while (request_len > 0 && got < cap) {
        p.events = POLLIN;
        long left = deadline - now_ms();
        if (left <= 0 || poll(&p, 1, (int)left) <= 0) return got > 0 ? (long)got : -ETIMEDOUT;
        ssize_t n = read(fd, response + got, cap - got);
        if (n < 0 && errno == EAGAIN) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    return (long)got;
}

long swk_probe_tcp(const char *netns_path, const char *ip, int port, int timeout_ms,
                   const char *request, size_t request_len, char *response, size_t response_cap) {
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(pipefd[0]); close(pipefd[1]); errno = e; return -1; }
    if (pid == 0) {
        swk_close_fds_except(pipefd[1], -1);
        long result = probe_child(netns_path, ip, port, timeout_ms, request, request_len, response, response_cap);
        ssize_t w = write(pipefd[1], &result, sizeof result);
        if (w == sizeof result && result > 0) (void)!write(pipefd[1], response, (size_t)result);
        _exit(0);
    }
    close(pipefd[1]);
    long result = -EIO;
    ssize_t n = read(pipefd[0], &result, sizeof result);
    if (n != sizeof result) result = -EIO;
    size_t got = 0;
    while (result > 0 && got < (size_t)result) {
        ssize_t r = read(pipefd[0], response + got, (size_t)result - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(pipefd[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (result < 0) { errno = (int)-result; return -1; }
    return (long)got;
}
