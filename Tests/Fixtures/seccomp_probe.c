// Run inside a container (and once on the host, as the baseline) by
// RuntimeDefaultSeccompProbeTests: tries calls the RuntimeDefault profile must deny and calls
// every program needs, and prints one "<name> <result>" line each, where the result is 0 for
// success, the errno otherwise, or "sig<N>" when a child died of a signal. Built with `cc -static`.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, long rc) { printf("%s %d\n", name, rc < 0 ? errno : 0); }

// Runs `body` in a forked child, so a call that kills (SIGSYS, SIGSEGV) is reported, not fatal.
static void in_child(const char *name, int (*body)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) _exit(body());
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) { report(name, -1); return; }
    if (WIFSIGNALED(status)) printf("%s sig%d\n", name, WTERMSIG(status));
    else printf("%s %d\n", name, WEXITSTATUS(status));
}

static int succeed(void) { return 0; }

// getpid through the i386 entry point from this 64-bit program: 0 when it returns our pid.
static int ia32_getpid(void) {
#if defined(__x86_64__)
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
    if (r == getpid()) return 0;
    return r < 0 && r > -4096 ? (int)-r : 255;
#else
    return 254;
#endif
}

// clone(2) with CLONE_NEWUSER, the flags a RuntimeDefault filter reads from the first argument.
static int clone_newuser(void) {
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    if (pid < 0) return errno;
    waitpid((pid_t)pid, NULL, 0);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "ia32") == 0) { in_child("ia32_getpid", ia32_getpid); return 0; }
    // Denied by the profile.
    unsigned char uring_params[120] = {0};
    long ring = syscall(425 /* io_uring_setup */, 1, uring_params);
    report("io_uring_setup", ring);
    report("socket_vsock", socket(40 /* AF_VSOCK */, SOCK_STREAM, 0));
    void *page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    report("mseal", syscall(462 /* mseal, Linux 6.10: newer than the list */, page, 4096, 0));
    in_child("clone_newuser", clone_newuser);
    report("unshare_newuser", unshare(CLONE_NEWUSER));  // last of the namespace calls: it succeeds unfiltered
    report("clone3", syscall(435 /* clone3 */, NULL, 0));
    report("personality_read_implies_exec", syscall(SYS_personality, 0x0400000));
    // Allowed.
    report("personality_query", syscall(SYS_personality, 0xffffffff));
    report("personality_linux", syscall(SYS_personality, 0));
    report("socket_unix", socket(AF_UNIX, SOCK_STREAM, 0));
    report("openat", openat(AT_FDCWD, "/", O_RDONLY | O_DIRECTORY));
    struct statx stx;
    report("statx", statx(AT_FDCWD, "/", 0, STATX_BASIC_STATS, &stx));
    report("epoll_create1", epoll_create1(EPOLL_CLOEXEC));
    report("getpid", getpid());
    in_child("fork", succeed);
    in_child("ia32_getpid", ia32_getpid);
    return 0;
}
