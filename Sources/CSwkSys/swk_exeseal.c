// Sealed images of the runtime binary (see swk_exeseal.h). Plain syscalls: the new mount API and
// execveat through syscall(2), so the file builds against any glibc.
#define _GNU_SOURCE
#include "swk_exeseal.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

// linux/mount.h and linux/magic.h (stable ABI); glibc's sys/mount.h clashes with the former.
#define SWK_FSOPEN_CLOEXEC 0x00000001
#define SWK_FSCONFIG_SET_STRING 1
#define SWK_FSCONFIG_CMD_CREATE 6
#define SWK_FSMOUNT_CLOEXEC 0x00000001
#define SWK_MOUNT_ATTR_RDONLY 0x00000001
#define SWK_MOUNT_ATTR_NOSUID 0x00000002
#define SWK_MOUNT_ATTR_NODEV 0x00000004
#define SWK_OVERLAYFS_SUPER_MAGIC 0x794c7630
#define SWK_MFD_EXEC 0x0010U
#define SWK_BASE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int fail(const char **step, const char *what, int fd1, int fd2) {
    int e = errno;
    *step = what;
    if (fd1 >= 0) close(fd1);
    if (fd2 >= 0) close(fd2);
    errno = e;
    return -1;
}

// Appends `src` to `dst` (at *n) with overlayfs's lowerdir escapes for ':' and '\'.
static int append_escaped(char *dst, size_t cap, size_t *n, const char *src, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if (src[i] == ':' || src[i] == '\\') {
            if (*n + 1 >= cap) return -1;
            dst[(*n)++] = '\\';
        }
        if (*n + 1 >= cap) return -1;
        dst[(*n)++] = src[i];
    }
    dst[*n] = 0;
    return 0;
}

int swk_exe_overlay(const char *spare_dir, const char **step) {
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0) return fail(step, "readlink /proc/self/exe", -1, -1);
    exe[len] = 0;
    char *slash = strrchr(exe, '/');
    if (slash == NULL || slash[1] == 0) { errno = EINVAL; return fail(step, "split /proc/self/exe", -1, -1); }
    const char *name = slash + 1;
    // The binary's directory on top, so a file of the same name in the spare one cannot shadow it.
    char lower[2 * PATH_MAX + 2];
    size_t n = 0;
    size_t dirlen = slash == exe ? 1 : (size_t)(slash - exe);
    if (append_escaped(lower, sizeof lower, &n, exe, dirlen) < 0 || n + 1 >= sizeof lower) {
        errno = ENAMETOOLONG;
        return fail(step, "overlayfs lowerdir", -1, -1);
    }
    lower[n++] = ':';
    if (append_escaped(lower, sizeof lower, &n, spare_dir, strlen(spare_dir)) < 0) {
        errno = ENAMETOOLONG;
        return fail(step, "overlayfs lowerdir", -1, -1);
    }
    int ctx = (int)syscall(SYS_fsopen, "overlay", SWK_FSOPEN_CLOEXEC);
    if (ctx < 0) return fail(step, "fsopen overlay", -1, -1);
    if (syscall(SYS_fsconfig, ctx, SWK_FSCONFIG_SET_STRING, "lowerdir", lower, 0) < 0)
        return fail(step, "fsconfig lowerdir", ctx, -1);
    // xino only matters for inode numbers across filesystems, and logs to dmesg when it cannot work.
    (void)syscall(SYS_fsconfig, ctx, SWK_FSCONFIG_SET_STRING, "xino", "off", 0);
    if (syscall(SYS_fsconfig, ctx, SWK_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return fail(step, "fsconfig create", ctx, -1);
    int mnt = (int)syscall(SYS_fsmount, ctx, SWK_FSMOUNT_CLOEXEC,
                           SWK_MOUNT_ATTR_RDONLY | SWK_MOUNT_ATTR_NOSUID | SWK_MOUNT_ATTR_NODEV);
    if (mnt < 0) return fail(step, "fsmount", ctx, -1);
    close(ctx);
    // The detached mount lives on as long as a descriptor (or, after execveat, our image) uses it.
    int fd = openat(mnt, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return fail(step, "open binary in overlayfs", mnt, -1);
    close(mnt);
    struct stat seen, running;
    if (fstat(fd, &seen) < 0) return fail(step, "fstat binary in overlayfs", fd, -1);
    if (stat("/proc/self/exe", &running) < 0) return fail(step, "stat /proc/self/exe", fd, -1);
    if (!S_ISREG(seen.st_mode) || seen.st_size != running.st_size || seen.st_mtim.tv_sec != running.st_mtim.tv_sec ||
        seen.st_mtim.tv_nsec != running.st_mtim.tv_nsec) {
        errno = ESTALE;  // replaced since we started (an upgrade): copy what runs instead
        return fail(step, "compare binary in overlayfs with /proc/self/exe", fd, -1);
    }
    return fd;
}

int swk_exe_memfd(const char **step) {
    int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (src < 0) return fail(step, "open /proc/self/exe", -1, -1);
    struct stat st;
    if (fstat(src, &st) < 0) return fail(step, "fstat /proc/self/exe", src, -1);
    // MFD_EXEC (Linux 6.3) keeps the copy executable under vm.memfd_noexec=1; older kernels refuse the flag.
    int fd = memfd_create("swkube-runc", MFD_CLOEXEC | MFD_ALLOW_SEALING | SWK_MFD_EXEC);
    if (fd < 0 && errno == EINVAL) fd = memfd_create("swkube-runc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return fail(step, "memfd_create", src, -1);
    off_t off = 0;
    while (off < st.st_size) {
        ssize_t w = sendfile(fd, src, &off, (size_t)(st.st_size - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (w == 0) errno = EIO;
            return fail(step, "sendfile /proc/self/exe", src, fd);
        }
    }
    close(src);
    if (fcntl(fd, F_ADD_SEALS, SWK_BASE_SEALS) < 0) return fail(step, "fcntl F_ADD_SEALS", fd, -1);
    return fd;
}

int swk_exe_is_sealed(void) {
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int seals = fcntl(fd, F_GET_SEALS);
    int sealed = seals >= 0 && (seals & SWK_BASE_SEALS) == SWK_BASE_SEALS;
    struct statfs fs;
    if (!sealed && fstatfs(fd, &fs) == 0)
        sealed = fs.f_type == SWK_OVERLAYFS_SUPER_MAGIC && (fs.f_flags & ST_RDONLY) != 0;
    close(fd);
    return sealed;
}

int swk_execveat_fd(int fd, char *const argv[], char *const envp[]) {
    return (int)syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
}

int swk_set_dumpable(int on) { return prctl(PR_SET_DUMPABLE, on, 0, 0, 0); }
