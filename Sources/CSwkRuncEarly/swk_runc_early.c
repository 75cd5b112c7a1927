// swkube-runc's first instructions, linked into that binary only. For `create`, `run` and `exec`
// it re-executes the binary from its read-only overlayfs view (swk_exeseal.h) before the Swift
// runtime starts, so only one image pays for Swift's start-up (~0.3 ms of the ~1 ms a seal costs).
// A fast path and nothing more: on any doubt it returns, and `ExeSeal.ensure` (Swift) seals
// instead, with the memfd fallback and the errors; it also checks the image either way.
#define _GNU_SOURCE
#include "swk_runc_early.h"
#include "swk_exeseal.h"
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MARKER "_SWKUBE_RUNC_SEALED"  // ExeSeal.marker

// The global flags that take a value (SwkRuncMain.run): a wrong list only costs this fast path.
static const char *const valued[] = {"root", "log", "log-format", "criu", "rootless", NULL};

static int is_valued(const char *name, size_t len) {
    for (int k = 0; valued[k] != NULL; k++)
        if (strlen(valued[k]) == len && strncmp(name, valued[k], len) == 0) return 1;
    return 0;
}

// glibc passes constructors argc, argv and envp; priority 101 runs before the Swift runtime's.
__attribute__((constructor(101))) static void swk_runc_seal_early(int argc, char **argv, char **envp) {
    (void)envp;
    if (getenv(MARKER) != NULL) return;
    const char *root = "/run/swkube-runc", *command = NULL;
    for (int i = 1; i < argc && command == NULL; i++) {
        const char *a = argv[i];
        if (a[0] != '-') { command = a; break; }
        while (*a == '-') a++;
        const char *eq = strchr(a, '=');
        size_t len = eq != NULL ? (size_t)(eq - a) : strlen(a);
        if (!is_valued(a, len)) continue;
        const char *value = eq != NULL ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (value != NULL && len == 4 && strncmp(a, "root", 4) == 0) root = value;
    }
    if (command == NULL || (strcmp(command, "create") != 0 && strcmp(command, "run") != 0 && strcmp(command, "exec") != 0))
        return;
    if (root[0] != '/') return;
    (void)mkdir(root, 0700);  // the state root is the spare lower layer; `create` makes it anyway
    const char *step;
    int fd = swk_exe_overlay(root, &step);
    if (fd < 0) return;
    if (setenv(MARKER, "1", 1) == 0) {
        extern char **environ;
        swk_execveat_fd(fd, argv, environ);
        unsetenv(MARKER);
    }
    close(fd);
}
