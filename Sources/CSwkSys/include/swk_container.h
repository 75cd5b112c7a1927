// The container init path of swkube-runc: a clone() child written in C so that no Swift code and
// no malloc runs between clone and execve (a forked child of a threaded process may only make
// async-signal-safe calls). Swift fills a
// swk_container_spec with every string, array and BPF program in the parent; the child only issues
// syscalls and reports a failed step over the sync socket as a swk_sync_msg.
#pragma once
#include <stdint.h>
#include <sys/types.h>

struct swk_mount {
    const char *source;      // NULL for pseudo filesystems without a source
    const char *target;      // container path, resolved below the rootfs by the child
    const char *fstype;      // NULL for binds
    const char *data;        // filesystem options string, or NULL
    unsigned long flags;     // MS_* for the first mount call
    unsigned long remount;   // non-zero: a bind remount with these MS_* flags follows
    unsigned long propagation; // MS_PRIVATE|MS_SLAVE|MS_SHARED|MS_UNBINDABLE (|MS_REC), or 0
    int is_file;             // bind of a regular file: create an empty file as the mount point
};

struct swk_device {
    const char *path;        // container path under /dev
    unsigned int mode;       // S_IFCHR/S_IFBLK/S_IFIFO | permissions
    unsigned int major, minor;
    unsigned int uid, gid;
};

struct swk_symlink {
    const char *target;      // what the link points to
    const char *path;        // container path
};

struct swk_rlimit {
    const char *name;        // RLIMIT_NOFILE, for the error message
    int resource;
    uint64_t soft, hard;
};

/// A namespace joined by an open descriptor (`linux.namespaces[].path`, or the container's for exec).
struct swk_join {
    int fd;
    int type;                // CLONE_NEW*
    const char *path;        // for the error message
};

/// A hook run by the container init itself (createContainer, startContainer), fed the state
/// JSON the runtime sends after the "go" byte.
struct swk_hook {
    const char *path;
    const char *const *argv;
    const char *const *envp;
    int timeout;             // seconds, 0 = none
};

enum {
    SWK_MSG_READY = 1,       // setup done, blocking on the exec FIFO (create only)
    SWK_MSG_ERROR = 2,       // a step failed; errno and object are set
};

struct swk_sync_msg {
    int type;
    int err;                 // errno, or -(exit status) of a failed hook
    char step[48];
    char object[464];
};

struct swk_container_spec {
    int clone_flags;          // CLONE_NEW* to create with clone (never CLONE_NEWCGROUP)
    int unshare_cgroup;       // create a cgroup namespace once placed in the cgroup
    const char *session_keyring; // "_ses.<id>": joined (created by the init), or NULL
    const struct swk_join *joins; int njoins;  // setns in the child, in array order

    int setup_rootfs;         // 0 for exec: no mounts, no pivot_root
    int chroot_only;          // no mount namespace: mount in the runtime's, chroot, "/" untouched
    const char *rootfs;
    unsigned long root_propagation;  // for "/" before the rootfs bind; 0 = MS_SLAVE|MS_REC
    unsigned long rootfs_propagation; // applied to the new "/" after pivot_root, or 0
    int root_readonly;
    const struct swk_mount *mounts; int nmounts;
    const struct swk_device *devices; int ndevices;
    const struct swk_symlink *symlinks; int nsymlinks;
    const char *const *masked; int nmasked;       // container paths
    const char *const *readonly; int nreadonly;   // container paths
    const char *const *sysctl_keys; const char *const *sysctl_values; int nsysctl; // /proc/sys paths
    const char *hostname;     // NULL = leave
    const char *domainname;

    const char *cwd;
    const char *const *argv;
    const char *const *envp;
    const char *path_env;     // PATH used to resolve argv[0] without a slash, or NULL
    uid_t uid; gid_t gid;
    const gid_t *groups; int ngroups;
    int umask;                // -1 = leave 022
    const struct swk_rlimit *rlimits; int nrlimits;
    int set_caps;
    uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
    int no_new_privs;
    const char *apparmor_profile;  // NULL = none; applied at execve (AppArmor's exec attr)
    const void *seccomp_filter; unsigned short seccomp_len; unsigned int seccomp_flags;
    int personality;          // -1 = leave
    const struct swk_hook *create_hooks; int ncreate_hooks;  // after mounts, before pivot_root
    const struct swk_hook *start_hooks; int nstart_hooks;    // after the FIFO, before execve

    int sync_fd;              // child end of the sync socketpair
    int fifo_fd;              // O_PATH descriptor of the exec FIFO, or -1 (exec now)
    int console_fd;           // connected console socket, or -1 (stdio passed through)
    unsigned short console_rows, console_cols;
    int preserve_fds;         // descriptors 3..3+n-1 stay open across execve
};

/// Clones the container init with `spec->clone_flags`. Returns the child's pid (in the caller's pid
/// namespace), or -1 with errno. The child waits for one byte on `spec->sync_fd` before setup,
/// followed, when it has hooks, by a uint32 length and the state JSON for them.
pid_t swk_container_clone(const struct swk_container_spec *spec);

/// memfd_create with MFD_CLOEXEC (hidden behind _GNU_SOURCE in Glibc's module).
int swk_memfd_create(const char *name);

/// Sends a descriptor over a unix socket with SCM_RIGHTS.
int swk_send_fd(int sock, int fd);
/// Receives a descriptor sent with SCM_RIGHTS, or -1.
int swk_recv_fd(int sock);
int swk_socketpair_cloexec(int fds[2]);
int swk_connect_unix(const char *path);
