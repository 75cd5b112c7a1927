#define _GNU_SOURCE
#include "swk_shim.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

int swk_sigchld_fd(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int swk_sigchld_drain(int fd) {
    struct signalfd_siginfo info;
    for (;;) {
        ssize_t n = read(fd, &info, sizeof info);
        if (n == (ssize_t)sizeof info) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return 0;
        return n < 0 ? -1 : 0;
    }
}

static int signal_pipe[2] = {-1, -1};
static int caught[16], caught_count;
static struct sigaction previous[16];

static void write_signal(int sig) {
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    (void)!write(signal_pipe[1], &b, 1);
    errno = saved;
}

int swk_signal_pipe(const int *signals, int count) {
    if (count > 16 || signal_pipe[0] >= 0) { errno = EINVAL; return -1; }
    if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0) return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = write_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (caught_count = 0; caught_count < count; caught_count++) {
        caught[caught_count] = signals[caught_count];
        sigaction(signals[caught_count], &sa, &previous[caught_count]);
    }
    return signal_pipe[0];
}

int swk_signal_pipe_next(void) {
    unsigned char b;
    return read(signal_pipe[0], &b, 1) == 1 ? b : 0;
}

void swk_signal_pipe_end(void) {
    for (int i = 0; i < caught_count; i++) sigaction(caught[i], &previous[i], NULL);
    caught_count = 0;
    close(signal_pipe[0]);
    close(signal_pipe[1]);
    signal_pipe[0] = signal_pipe[1] = -1;
}

void swk_close_from(int lowfd) {
#ifdef SYS_close_range
    if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = lowfd; fd < max; fd++) close(fd);
}

int swk_random_bytes(void *buf, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = getrandom((char *)buf + off, len - off, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        off += (size_t)n;
    }
    return 0;
}
