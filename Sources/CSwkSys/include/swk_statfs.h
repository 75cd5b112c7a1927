#ifndef SWK_STATFS_H
#define SWK_STATFS_H

/// The filesystem magic (statfs f_type) of the filesystem holding `path`, or -1 with errno set.
/// Glibc's Swift module does not export statfs(2).
long swk_statfs_type(const char *path);

#endif
