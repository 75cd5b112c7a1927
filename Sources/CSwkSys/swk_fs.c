#define _GNU_SOURCE
#include "swk_fs.h"

#include <unistd.h>
#include <fcntl.h>
#include <sys/xattr.h>

int swk_openat(int dirfd, const char *path, int flags, int mode) {
    return openat(dirfd, path, flags, (mode_t)mode);
}

int swk_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags) {
    return fsetxattr(fd, name, value, size, flags);
}

long swk_fgetxattr(int fd, const char *name, void *value, size_t size) {
    return (long)fgetxattr(fd, name, value, size);
}

long swk_lgetxattr(const char *path, const char *name, void *value, size_t size) {
    return (long)lgetxattr(path, name, value, size);
}

int swk_syncfs(int fd) {
    return syncfs(fd);
}
