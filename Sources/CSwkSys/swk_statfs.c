#include "swk_statfs.h"

#include <sys/vfs.h>

long swk_statfs_type(const char *path) {
    struct statfs fs;
    if (statfs(path, &fs) < 0) return -1;
    return (long)fs.f_type;
}
