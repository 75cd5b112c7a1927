// Path resolution inside a directory tree that someone else may be changing (a container's
// rootfs, a pod volume): openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), or an O_PATH walk one
// component at a time where the kernel lacks openat2. Allocation-free, so the container init's
// clone child may use it between clone and execve.
#pragma once

enum {
    SWK_IN_ROOT_BENEATH = 1,  // refuse (EXDEV) what would leave the root, instead of clamping at it
    SWK_IN_ROOT_MKDIR = 2,    // create missing components as directories (0755 before umask)
    SWK_IN_ROOT_MKFILE = 4,   // as MKDIR, the last component an empty file (0644 before umask)
    SWK_IN_ROOT_WALK = 8,     // the O_PATH walk even where openat2 exists (to test it)
};

/// Opens `path` below the directory descriptor `root` with O_PATH|O_CLOEXEC, treating `root` as
/// "/": symlinks (absolute or not) and ".." stay inside it, /proc magic links are refused.
/// Missing components are created through their parent's descriptor with MKDIR/MKFILE.
/// Returns the descriptor, or -1 with errno.
int swk_open_in_root(int root, const char *path, int flags);

/// "/proc/self/fd/N" in `buf` (at least 32 bytes): mount(2) and chdir(2) reach what `fd` names
/// without resolving any path again.
void swk_fd_path(char *buf, int fd);

/// renameat2(RENAME_EXCHANGE): swaps two paths atomically (tests race mount setup with it).
int swk_rename_exchange(const char *a, const char *b);
