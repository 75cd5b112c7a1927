// Thin C wrappers for Linux calls that Swift cannot import from Glibc (variadic, or hidden behind
// _GNU_SOURCE, or function-like macros). Each wrapper returns what the syscall returns and leaves
// errno set; the Swift side turns that into a typed error.
#pragma once
#include <stdint.h>
#include <sys/types.h>

// Namespace flags (linux/sched.h, stable ABI).
enum {
    SWK_CLONE_NEWNS = 0x00020000,
    SWK_CLONE_NEWCGROUP = 0x02000000,
    SWK_CLONE_NEWUTS = 0x04000000,
    SWK_CLONE_NEWIPC = 0x08000000,
    SWK_CLONE_NEWUSER = 0x10000000,
    SWK_CLONE_NEWPID = 0x20000000,
    SWK_CLONE_NEWNET = 0x40000000,
};

int swk_unshare(int flags);
int swk_setns(int fd, int nstype);
int swk_pivot_root(const char *new_root, const char *put_old);
int swk_pipe2(int fds[2], int flags);
int swk_set_child_subreaper(void);
int swk_set_pdeathsig(int sig);
int swk_set_name(const char *name);
int swk_inotify_init1(int flags);
/* pidfd_open(2) (Linux 5.3+): a descriptor that polls readable once the process exits; -1 with
 * errno ENOSYS on older kernels. */
int swk_pidfd_open(int pid);
int swk_inotify_add_watch(int fd, const char *path, uint32_t mask);
int swk_open(const char *path, int flags, int mode);
int swk_fcntl_setfd(int fd, int flags);
int swk_fcntl_getfl(int fd);
int swk_fcntl_setfl(int fd, int flags);
int swk_ioctl_int(int fd, unsigned long request, int *arg);
pid_t swk_gettid(void);

// inotify event masks (linux/inotify.h, stable ABI).
enum {
    SWK_IN_CLOSE_WRITE = 0x00000008,
    SWK_IN_MOVED_FROM = 0x00000040,
    SWK_IN_MOVED_TO = 0x00000080,
    SWK_IN_CREATE = 0x00000100,
    SWK_IN_DELETE = 0x00000200,
    SWK_IN_DELETE_SELF = 0x00000400,
    SWK_IN_MOVE_SELF = 0x00000800,
    SWK_IN_NONBLOCK = 00004000,
    SWK_IN_CLOEXEC = 02000000,
};

/// In a forked child: closes every descriptor from 3 up except `keep_a` and `keep_b` (-1 for none),
/// so the child holds no copy of another thread's pipe (whose reader would then never see EOF).
/// Only syscalls: safe between fork and exit.
void swk_close_fds_except(int keep_a, int keep_b);

/// Forks a child that creates the namespaces in `flags` and pins each of them by bind-mounting
/// /proc/<child>/ns/<kind> onto the files given (NULL skips a kind), then the child exits.
/// Pinned namespaces outlive every process, as `ip netns add` does; a pod sandbox is built on them.
/// The child runs only async-signal-safe syscalls, so this is safe from a multithreaded process.
/// Returns 0, or -1 with errno set (the failing step's errno, reported by the child).
int swk_pin_namespaces(int flags, const char *net_path, const char *ipc_path, const char *uts_path,
                       const char *hostname);
