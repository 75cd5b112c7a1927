// The runtime binary out of a container's reach (CVE-2019-5736): a sealed image of
// /proc/self/exe for swkube-runc to re-execute itself from (docs/executor.md, "The runtime binary").
#pragma once

/// An O_PATH descriptor of the running binary seen through a private, detached, read-only overlayfs
/// of its directory (runc 1.2's exeseal): writes through it fail with EROFS and it cannot be
/// unwrapped to the file below, yet nothing is copied. overlayfs needs a second lower layer to be
/// read-only without an upper one: `spare_dir`, any directory that is neither above nor below
/// the binary's. Checks that the file found has the running binary's size and mtime.
/// Returns -1 with errno and `*step` naming the failed step.
int swk_exe_overlay(const char *spare_dir, const char **step);

/// A copy of the running binary in a memfd sealed against writing, growing and shrinking
/// (F_SEAL_SEAL|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_WRITE). Returns -1 with errno and `*step` set.
int swk_exe_memfd(const char **step);

/// 1 when /proc/self/exe is a memfd with those seals or a file on a read-only overlayfs mount.
int swk_exe_is_sealed(void);

/// execveat(fd, "", argv, envp, AT_EMPTY_PATH); returns only on failure (-1, errno).
int swk_execveat_fd(int fd, char *const argv[], char *const envp[]);

/// prctl(PR_SET_DUMPABLE, on).
int swk_set_dumpable(int on);
