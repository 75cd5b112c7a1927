// The container init of swkube-runc. Everything from clone() to execve() is in this file and uses
// only syscalls on memory the Swift parent prepared: no malloc, no stdio, no locks.
#define _GNU_SOURCE
#include "swk_container.h"
#include "swk_inroot.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define STACK_SIZE (256 * 1024)

static void copy_str(char *dst, size_t cap, const char *src) {
    size_t i = 0;
    if (src != NULL) for (; src[i] != 0 && i + 1 < cap; i++) dst[i] = src[i];
    dst[i] = 0;
}

static void send_msg(int fd, int type, int err, const char *step, const char *object) {
    struct swk_sync_msg msg;
    memset(&msg, 0, sizeof msg);
    msg.type = type;
    msg.err = err;
    copy_str(msg.step, sizeof msg.step, step);
    copy_str(msg.object, sizeof msg.object, object);
    ssize_t n;
    do { n = write(fd, &msg, sizeof msg); } while (n < 0 && errno == EINTR);
}

// Reports the failed step with the current errno and ends the child.
static void __attribute__((noreturn)) fail(const struct swk_container_spec *s, const char *step, const char *object) {
    send_msg(s->sync_fd, SWK_MSG_ERROR, errno, step, object);
    _exit(1);
}

static int parent_dir(char *out, size_t cap, const char *path) {
    copy_str(out, cap, path);
    char *slash = strrchr(out, '/');
    if (slash == NULL) return -1;
    if (slash == out) slash[1] = 0; else *slash = 0;
    return 0;
}

static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

// Resolves a container path below `root` (swk_inroot.h), or fails the child naming `step`.
static int open_in_root(const struct swk_container_spec *s, int root, const char *path, int flags, const char *step) {
    int fd = swk_open_in_root(root, path, flags);
    if (fd < 0) fail(s, step, path);
    return fd;
}

// Mounts by the descriptor the destination resolved to inside the root, never by its path again:
// a symlink swapped into the path after the lookup cannot move the mount out of the rootfs
// (CVE-2021-30465). A mount covers the looked-up directory, so the remount and propagation
// steps resolve the destination again to reach the new mount.
static void do_mount(const struct swk_container_spec *s, int root, const struct swk_mount *m) {
    int fd = open_in_root(s, root, m->target, m->is_file ? SWK_IN_ROOT_MKFILE : SWK_IN_ROOT_MKDIR, "resolve mount destination");
    char at[32];
    swk_fd_path(at, fd);
    if (mount(m->source, at, m->fstype, m->flags, m->data) < 0) fail(s, "mount", m->target);
    close(fd);
    if (m->remount == 0 && m->propagation == 0) return;
    fd = open_in_root(s, root, m->target, 0, "resolve mount destination");
    swk_fd_path(at, fd);
    if (m->remount != 0 && mount(NULL, at, NULL, m->remount, NULL) < 0) fail(s, "remount", m->target);
    if (m->propagation != 0 && mount(NULL, at, NULL, m->propagation, NULL) < 0)
        fail(s, "set propagation", m->target);
    close(fd);
}

// The directory that will hold `path`, resolved (and created) inside the root.
static int open_parent(const struct swk_container_spec *s, int root, const char *path) {
    char dir[4096];
    if (parent_dir(dir, sizeof dir, path) < 0) { errno = EINVAL; fail(s, "resolve parent of", path); }
    return open_in_root(s, root, dir, SWK_IN_ROOT_MKDIR, "mkdir");
}

static void make_devices_and_links(const struct swk_container_spec *s, int root) {
    for (int i = 0; i < s->ndevices; i++) {
        const struct swk_device *d = &s->devices[i];
        int dir = open_parent(s, root, d->path);
        const char *name = base_name(d->path);
        if (mknodat(dir, name, d->mode, makedev(d->major, d->minor)) < 0) {
            if (errno != EEXIST) fail(s, "mknod", d->path);
        } else if (fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0) {
            fail(s, "chown", d->path);
        }
        close(dir);
    }
    for (int i = 0; i < s->nsymlinks; i++) {
        int dir = open_parent(s, root, s->symlinks[i].path);
        if (symlinkat(s->symlinks[i].target, dir, base_name(s->symlinks[i].path)) < 0 && errno != EEXIST)
            fail(s, "symlink", s->symlinks[i].path);
        close(dir);
    }
}

// maskedPaths and readonlyPaths, resolved inside the new root (after pivot_root, "/"), mounted
// through the container's /proc/self/fd (the exec FIFO needs that /proc too).
static void mask_and_protect(const struct swk_container_spec *s) {
    if (s->nmasked + s->nreadonly == 0) return;
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) fail(s, "open", "/");
    char at[32];
    for (int i = 0; i < s->nmasked; i++) {
        const char *p = s->masked[i];
        int fd = swk_open_in_root(root, p, 0);
        if (fd < 0 && errno == ENOENT) continue;
        if (fd < 0) fail(s, "resolve masked path", p);
        struct stat st;
        if (fstat(fd, &st) < 0) fail(s, "stat masked path", p);
        swk_fd_path(at, fd);
        if (S_ISDIR(st.st_mode)) {
            if (mount("tmpfs", at, "tmpfs", MS_RDONLY, NULL) < 0) fail(s, "mask", p);
        } else if (mount("/dev/null", at, NULL, MS_BIND, NULL) < 0) {
            fail(s, "mask", p);
        }
        close(fd);
    }
    for (int i = 0; i < s->nreadonly; i++) {
        const char *p = s->readonly[i];
        int fd = swk_open_in_root(root, p, 0);
        if (fd < 0 && errno == ENOENT) continue;
        if (fd < 0) fail(s, "resolve readonly path", p);
        swk_fd_path(at, fd);
        if (mount(at, at, NULL, MS_BIND | MS_REC, NULL) < 0) fail(s, "bind readonly path", p);
        close(fd);
        // The bind covers the looked-up directory: resolve again to reach it.
        fd = open_in_root(s, root, p, 0, "resolve readonly path");
        swk_fd_path(at, fd);
        if (mount(NULL, at, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC, NULL) < 0)
            fail(s, "remount readonly", p);
        close(fd);
    }
    close(root);
}

static int read_full(int fd, void *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

// Runs one hook with the state on its stdin; returns 0, an errno, or -(exit status).
static int run_hook(const struct swk_hook *h, const char *state, size_t len) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return errno;
    pid_t pid = fork();
    if (pid < 0) { int e = errno; close(p[0]); close(p[1]); return e; }
    if (pid == 0) {
        if (dup2(p[0], 0) < 0) _exit(126);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(h->path, (char *const *)h->argv, (char *const *)h->envp);
        _exit(127);
    }
    close(p[0]);
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(p[1], state + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // the hook need not read its stdin
        off += (size_t)n;
    }
    close(p[1]);
    int status = 0;
    for (long waited_ms = 0;; waited_ms++) {
        pid_t r = waitpid(pid, &status, h->timeout > 0 ? WNOHANG : 0);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) return errno;
        if (h->timeout > 0 && waited_ms >= (long)h->timeout * 1000) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
            return ETIMEDOUT;
        }
        if (r == 0) { struct timespec ts = { 0, 1000000 }; nanosleep(&ts, NULL); }
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status) == 0 ? 0 : -WEXITSTATUS(status);
    return -(128 + WTERMSIG(status));
}

static void run_hooks(const struct swk_container_spec *s, const struct swk_hook *hooks, int n,
                      const char *step, const char *state, size_t len) {
    for (int i = 0; i < n; i++) {
        int rc = run_hook(&hooks[i], state, len);
        if (rc == 0) continue;
        send_msg(s->sync_fd, SWK_MSG_ERROR, rc, step, hooks[i].path);
        _exit(1);
    }
}

// As runc's changeOnExec: "exec PROFILE" into the task's AppArmor exec attribute, so the kernel
// confines the process from its execve on (the container's /proc is mounted by now).
static void apply_apparmor(const struct swk_container_spec *s) {
    int fd = open("/proc/self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) fd = open("/proc/self/attr/exec", O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail(s, "open", "/proc/self/attr/apparmor/exec");
    char buf[4096] = "exec ";
    size_t len = 5, n = strlen(s->apparmor_profile);
    if (len + n >= sizeof buf) fail(s, "apparmor profile too long", s->apparmor_profile);
    memcpy(buf + len, s->apparmor_profile, n);
    len += n;
    if (write(fd, buf, len) != (ssize_t)len) fail(s, "apply apparmor profile", s->apparmor_profile);
    close(fd);
}

static void setup_rootfs(const struct swk_container_spec *s, const char *state, size_t state_len) {
    unsigned long prop = s->root_propagation != 0 ? s->root_propagation : (MS_SLAVE | MS_REC);
    // Without a mount namespace of its own "/" is the host's: its propagation stays as it is.
    if (!s->chroot_only && mount(NULL, "/", NULL, prop, NULL) < 0) fail(s, "set propagation", "/");
    if (mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) fail(s, "bind rootfs", s->rootfs);
    // pivot_root refuses a shared new root; a private rootfs mount keeps host mounts out of it.
    if (mount(NULL, s->rootfs, NULL, MS_PRIVATE, NULL) < 0) fail(s, "make rootfs private", s->rootfs);
    if ((prop & MS_SHARED) && !s->chroot_only) {
        // It also refuses a new root whose parent mount is shared, which "/" now is: a second
        // bind on top gets the private one above as its parent (it goes with the old root).
        if (mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) fail(s, "bind rootfs", s->rootfs);
        if (mount(NULL, s->rootfs, NULL, MS_PRIVATE, NULL) < 0) fail(s, "make rootfs private", s->rootfs);
    }
    // Opened after the bind: lookups from it walk the rootfs mount and what is mounted on it.
    int root = open(s->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) fail(s, "open", s->rootfs);
    for (int i = 0; i < s->nmounts; i++) do_mount(s, root, &s->mounts[i]);
    make_devices_and_links(s, root);
    close(root);
    run_hooks(s, s->create_hooks, s->ncreate_hooks, "hooks.createContainer", state, state_len);
    int oldroot = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (oldroot < 0) fail(s, "open", "/");
    if (chdir(s->rootfs) < 0) fail(s, "chdir", s->rootfs);
    if (s->chroot_only) {
        // pivot_root would move the root of every process sharing the namespace (runc chroots too).
        if (chroot(".") < 0) fail(s, "chroot", s->rootfs);
    } else {
        if (syscall(SYS_pivot_root, ".", ".") < 0) fail(s, "pivot_root", s->rootfs);
        // The old root is stacked on the new one; detach it without letting the unmount reach the
        // host. From inside the old root, so that "." names it and not the new root (whose mounts
        // keep the propagation they were given).
        if (fchdir(oldroot) < 0) fail(s, "fchdir", "old root");
        if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) fail(s, "make old root slave", "/");
        if (umount2(".", MNT_DETACH) < 0) fail(s, "unmount old root", "/");
    }
    close(oldroot);
    if (chdir("/") < 0) fail(s, "chdir", "/");
    if (s->rootfs_propagation != 0 && mount(NULL, "/", NULL, s->rootfs_propagation, NULL) < 0)
        fail(s, "set rootfs propagation", "/");
    // Sysctls before masked and read-only paths, as runc: /proc/sys is one of the latter.
    for (int i = 0; i < s->nsysctl; i++) {
        int fd = open(s->sysctl_keys[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) fail(s, "open sysctl", s->sysctl_keys[i]);
        size_t len = strlen(s->sysctl_values[i]);
        if (write(fd, s->sysctl_values[i], len) != (ssize_t)len) fail(s, "write sysctl", s->sysctl_keys[i]);
        close(fd);
    }
    mask_and_protect(s);
    if (s->root_readonly && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
        fail(s, "remount readonly", "/");
}

// A pty allocated inside the container; its master goes to the console socket (as runc does).
static void setup_console(const struct swk_container_spec *s) {
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) fail(s, "open", "/dev/ptmx");
    int unlock = 0, n = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0) fail(s, "unlock pty", "/dev/ptmx");
    if (ioctl(master, TIOCGPTN, &n) < 0) fail(s, "get pty number", "/dev/ptmx");
    char path[32] = "/dev/pts/";
    char digits[12];
    int nd = 0;
    do { digits[nd++] = (char)('0' + n % 10); n /= 10; } while (n > 0);
    size_t len = strlen(path);
    while (nd > 0) path[len++] = digits[--nd];
    path[len] = 0;
    int slave = open(path, O_RDWR | O_NOCTTY);
    if (slave < 0) fail(s, "open", path);
    if (s->console_rows != 0 || s->console_cols != 0) {
        struct winsize ws = { .ws_row = s->console_rows, .ws_col = s->console_cols };
        if (ioctl(slave, TIOCSWINSZ, &ws) < 0) fail(s, "set console size", path);
    }
    if (swk_send_fd(s->console_fd, master) < 0) fail(s, "send console fd", "console socket");
    close(master);
    close(s->console_fd);
    if (ioctl(slave, TIOCSCTTY, 0) < 0) fail(s, "set controlling terminal", path);
    for (int fd = 0; fd < 3; fd++) if (dup2(slave, fd) < 0) fail(s, "dup2", path);
    if (slave > 2) close(slave);
}

// Finds argv[0] on PATH (as execvp would) so a missing binary fails create, not start.
static const char *resolve_exe(const struct swk_container_spec *s, char *buf, size_t cap) {
    const char *name = s->argv[0];
    if (strchr(name, '/') != NULL || s->path_env == NULL) {
        if (access(name, X_OK) < 0) fail(s, "lookup process.args[0]", name);
        return name;
    }
    const char *p = s->path_env;
    int last = ENOENT;
    while (1) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        if (dlen + strlen(name) + 2 < cap) {
            size_t n = 0;
            for (size_t i = 0; i < dlen; i++) buf[n++] = p[i];
            if (n == 0) buf[n++] = '.';
            buf[n++] = '/';
            copy_str(buf + n, cap - n, name);
            struct stat st;
            if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return buf;
            if (errno == EACCES) last = EACCES;
        }
        if (end == NULL) break;
        p = end + 1;
    }
    errno = last;
    fail(s, "lookup process.args[0]", name);
}

static void set_user_and_caps(const struct swk_container_spec *s) {
    if (s->set_caps) {
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail(s, "prctl", "PR_SET_KEEPCAPS");
        for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
            if ((s->cap_bounding >> cap) & 1) continue;
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) fail(s, "drop bounding capability", "");
        }
    }
    if (setgroups((size_t)s->ngroups, s->groups) < 0 && !(errno == EPERM && s->ngroups == 0))
        fail(s, "setgroups", "process.user.additionalGids");
    if (setresgid(s->gid, s->gid, s->gid) < 0) fail(s, "setgid", "process.user.gid");
    if (setresuid(s->uid, s->uid, s->uid) < 0) fail(s, "setuid", "process.user.uid");
    if (!s->set_caps) return;
    struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    for (int i = 0; i < 2; i++) {
        data[i].effective = (uint32_t)(s->cap_effective >> (32 * i));
        data[i].permitted = (uint32_t)(s->cap_permitted >> (32 * i));
        data[i].inheritable = (uint32_t)(s->cap_inheritable >> (32 * i));
    }
    if (syscall(SYS_capset, &hdr, data) < 0) fail(s, "capset", "process.capabilities");
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        if (!((s->cap_ambient >> cap) & 1)) continue;
        // The kernel refuses ambient capabilities missing from the inheritable set; runc ignores
        // that too (its default spec asks for ambient without inheritable).
        (void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
    }
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) fail(s, "prctl", "PR_SET_KEEPCAPS");
}

// A cwd reached through a descriptor leaked from the runtime (/proc/self/fd/N) lies outside the
// root; getcwd then fails or answers "(unreachable)…" (CVE-2024-21626; runc checks the same).
static void verify_cwd(const struct swk_container_spec *s) {
    char buf[4096];
    if (getcwd(buf, sizeof buf) != NULL && buf[0] == '/') return;
    if (errno == ERANGE) fail(s, "getcwd", s->cwd);
    char what[sizeof ((struct swk_sync_msg *)0)->object];
    size_t n = 0;
    for (const char *p = s->cwd; *p != 0 && n + 24 < sizeof what; p++) what[n++] = *p;
    copy_str(what + n, sizeof what - n, " is outside the root");
    errno = EPERM;
    fail(s, "cwd", what);
}

// A session keyring of the container's own, named "_ses.<id>" so exec processes join the same
// one (runc's): keys the runtime's session holds stay out of reach. Searchable by the owner, or
// by others when a user namespace maps the owner away, as runc sets it.
static void join_session_keyring(const struct swk_container_spec *s) {
    long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, s->session_keyring);
    if (id < 0) {
        if (errno == ENOSYS) return;  // a kernel without keys: nothing to keep apart
        fail(s, "join session keyring", s->session_keyring);
    }
    char desc[512];
    long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc - 1);
    if (n < 0) fail(s, "describe session keyring", s->session_keyring);
    desc[n < (long)sizeof desc ? n : (long)sizeof desc - 1] = 0;
    // "type;uid;gid;perm;description": the perm field in hex.
    const char *p = desc;
    for (int field = 0; field < 3 && p != NULL; field++) { p = strchr(p, ';'); if (p != NULL) p++; }
    if (p == NULL) { errno = EINVAL; fail(s, "parse session keyring", desc); }
    uint32_t perm = 0;
    for (; *p != ';' && *p != 0; p++) {
        int digit = *p >= 'a' ? *p - 'a' + 10 : *p >= 'A' ? *p - 'A' + 10 : *p - '0';
        perm = perm * 16 + (uint32_t)digit;
    }
    int userns = (s->clone_flags & CLONE_NEWUSER) != 0;
    for (int i = 0; i < s->njoins; i++) userns |= s->joins[i].type == CLONE_NEWUSER;
    const uint32_t usr_search = 0x080000, oth_search = 0x08;
    perm = (perm & ~(usr_search | oth_search)) | (userns ? oth_search : usr_search);
    if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm) < 0) fail(s, "set session keyring permissions", s->session_keyring);
}

static int load_seccomp(const struct swk_container_spec *s) {
    if (s->seccomp_len == 0) return 0;
    struct sock_fprog prog = { .len = s->seccomp_len, .filter = (struct sock_filter *)s->seccomp_filter };
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, s->seccomp_flags, &prog);
}

static int child_main(void *arg) {
    const struct swk_container_spec *s = arg;
    char go;
    ssize_t n;
    do { n = read(s->sync_fd, &go, 1); } while (n < 0 && errno == EINTR);
    if (n != 1) _exit(1);  // the runtime died or gave up before placing us in the cgroup
    char state[32768];
    uint32_t state_len = 0;
    if (s->ncreate_hooks + s->nstart_hooks > 0) {
        if (read_full(s->sync_fd, &state_len, sizeof state_len) < 0 || state_len > sizeof state ||
            read_full(s->sync_fd, state, state_len) < 0) _exit(1);
    }
    // A session of our own, without a controlling terminal: a container process can then not
    // type into the caller's terminal with TIOCSTI (runc's nsexec does the same for init and exec).
    if (setsid() < 0) fail(s, "setsid", "");
    for (int i = 0; i < s->njoins; i++) {
        if (setns(s->joins[i].fd, s->joins[i].type) < 0) fail(s, "setns", s->joins[i].path);
        close(s->joins[i].fd);
    }
    if (s->clone_flags & CLONE_NEWUSER) {
        // Our ids are the runtime's, unmapped in the new namespace: become its root (now mapped).
        if (setresgid(0, 0, 0) < 0) fail(s, "setgid", "user namespace root");
        if (setresuid(0, 0, 0) < 0) fail(s, "setuid", "user namespace root");
    }
    if (s->session_keyring != NULL) join_session_keyring(s);
    if (s->unshare_cgroup && unshare(CLONE_NEWCGROUP) < 0) fail(s, "unshare", "cgroup namespace");
    umask(0);
    if (s->setup_rootfs) setup_rootfs(s, state, state_len);
    if (s->hostname != NULL && sethostname(s->hostname, strlen(s->hostname)) < 0) fail(s, "sethostname", s->hostname);
    if (s->domainname != NULL && setdomainname(s->domainname, strlen(s->domainname)) < 0)
        fail(s, "setdomainname", s->domainname);
    for (int i = 0; i < s->nrlimits; i++) {
        struct rlimit rl = { .rlim_cur = s->rlimits[i].soft, .rlim_max = s->rlimits[i].hard };
        if (setrlimit(s->rlimits[i].resource, &rl) < 0) fail(s, "setrlimit", s->rlimits[i].name);
    }
    if (s->console_fd >= 0) setup_console(s);
    if (s->personality >= 0 && personality((unsigned long)s->personality) < 0) fail(s, "personality", "linux.personality");
    int cwd_done = chdir(s->cwd) == 0;
    if (!cwd_done && errno != EACCES) fail(s, "chdir", s->cwd);
    if (s->apparmor_profile != NULL) apply_apparmor(s);
    // Without no_new_privs only CAP_SYS_ADMIN may load a filter: load it while we still have it
    // (runc does the same); the profile then also covers the remaining setup calls.
    if (!s->no_new_privs && load_seccomp(s) < 0) fail(s, "seccomp", "linux.seccomp");
    set_user_and_caps(s);
    if (!cwd_done && chdir(s->cwd) < 0) fail(s, "chdir", s->cwd);
    verify_cwd(s);
    umask(s->umask >= 0 ? (mode_t)s->umask : 022);
    char exe[4096];
    const char *path = resolve_exe(s, exe, sizeof exe);
    if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(s, "prctl", "PR_SET_NO_NEW_PRIVS");
    if (s->fifo_fd >= 0) {
        send_msg(s->sync_fd, SWK_MSG_READY, 0, "", "");
        close(s->sync_fd);
        char fifo[32];
        swk_fd_path(fifo, s->fifo_fd);
        // Blocks until `start` opens the FIFO for reading.
        int fd = open(fifo, O_WRONLY | O_CLOEXEC);
        if (fd < 0) _exit(1);
        if (write(fd, "0", 1) != 1) _exit(1);
        close(fd);
        close(s->fifo_fd);
        if (s->nstart_hooks > 0) {
            // No one listens on the sync socket any more: a failing hook can only say so on stderr.
            for (int i = 0; i < s->nstart_hooks; i++) {
                if (run_hook(&s->start_hooks[i], state, state_len) != 0) {
                    const char msg[] = "swkube-runc: a startContainer hook failed\n";
                    (void)!write(2, msg, sizeof msg - 1);
                    _exit(1);
                }
            }
        }
    }
    // Before the filter is loaded: a profile may well deny close_range.
    syscall(SYS_close_range, 3 + s->preserve_fds, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
    if (s->no_new_privs && load_seccomp(s) < 0) {
        if (s->fifo_fd < 0) fail(s, "seccomp", "linux.seccomp");
        const char msg[] = "swkube-runc: load seccomp filter failed\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(1);
    }
    // The runtime blocks the signals it relays; the process starts with none blocked. A signal
    // sent meanwhile is delivered here (runc's init does the same).
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(path, (char *const *)s->argv, (char *const *)s->envp);
    if (s->fifo_fd < 0) fail(s, "exec", path);
    const char msg[] = "swkube-runc: exec failed\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(127);
}

pid_t swk_container_clone(const struct swk_container_spec *spec) {
    char *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) return -1;
    // The child gets a copy of the address space, so the parent may unmap its view right away.
    pid_t pid = clone(child_main, stack + STACK_SIZE, spec->clone_flags | SIGCHLD, (void *)spec);
    int e = errno;
    munmap(stack, STACK_SIZE);
    errno = e;
    return pid;
}

int swk_memfd_create(const char *name) { return memfd_create(name, MFD_CLOEXEC); }

int swk_send_fd(int sock, int fd) {
    char payload[] = "/dev/ptmx";
    struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload - 1 };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    memset(&u, 0, sizeof u);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &msg, 0) < 0 ? -1 : 0;
}

int swk_recv_fd(int sock) {
    char payload[256];
    struct iovec iov = { .iov_base = payload, .iov_len = sizeof payload };
    union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0) return -1;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c == NULL || c->cmsg_type != SCM_RIGHTS) { errno = EBADMSG; return -1; }
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

int swk_socketpair_cloexec(int fds[2]) { return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds); }

int swk_connect_unix(const char *path) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof addr.sun_path) { errno = ENAMETOOLONG; return -1; }
    copy_str(addr.sun_path, sizeof addr.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { int e = errno; close(fd); errno = e; return -1; }
    return fd;
}
