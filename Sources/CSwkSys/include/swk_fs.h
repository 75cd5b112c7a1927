// File-system calls for the image unpacker that Swift cannot import from Glibc: openat is
// variadic, and the xattr calls live in <sys/xattr.h>, outside the Glibc module.
#pragma once
#include <stddef.h>

int swk_openat(int dirfd, const char *path, int flags, int mode);
int swk_fsetxattr(int fd, const char *name, const void *value, size_t size, int flags);
/// Size of the xattr `name` of `fd` (with a NULL buffer), or its value copied into `value`.
long swk_fgetxattr(int fd, const char *name, void *value, size_t size);
long swk_lgetxattr(const char *path, const char *name, void *value, size_t size);
/// syncfs(2): flushes the file system holding `fd` (hidden behind _GNU_SOURCE).
int swk_syncfs(int fd);
