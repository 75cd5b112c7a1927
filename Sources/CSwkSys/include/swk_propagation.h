#ifndef SWK_PROPAGATION_H
#define SWK_PROPAGATION_H

/// Makes the mount holding `path` (the innermost mount whose root is `path` or one of its
/// ancestors) private, not recursively, as runc's rootfsParentMountPrivate does when the
/// container's root is rshared: pivot_root refuses a new root whose parent mount is shared, and
/// the rootfs bind must not propagate back to the host. Uses only syscalls and the stack, so the
/// container's init may call it between clone and exec. Returns 0, or -1 with errno set.
int swk_make_holding_mount_private(const char *path);

#endif
