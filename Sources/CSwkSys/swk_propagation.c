// See swk_propagation.h.
#define _GNU_SOURCE
#include "swk_propagation.h"
#include <errno.h>
#include <string.h>
#include <sys/mount.h>

int swk_make_holding_mount_private(const char *path) {
    char dir[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof dir || path[0] != '/') {
        errno = EINVAL;
        return -1;
    }
    memcpy(dir, path, len + 1);
    // A propagation change works only on the root of a mount (EINVAL elsewhere): walk up to it.
    for (;;) {
        if (mount(NULL, dir, NULL, MS_PRIVATE, NULL) == 0) return 0;
        if (errno != EINVAL || strcmp(dir, "/") == 0) return -1;
        char *slash = strrchr(dir, '/');
        if (slash == dir) dir[1] = '\0';
        else *slash = '\0';
    }
}
