#define _GNU_SOURCE
#include "swk_inroot.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

enum { PATH_CAP = 4096, NAME_CAP = 256, MAX_LINKS = 40 };

static int dup_fd(int fd) { return fcntl(fd, F_DUPFD_CLOEXEC, 0); }

static void close_keep_errno(int fd) {
    int e = errno;
    close(fd);
    errno = e;
}

// Re-opens `done` (components without symlinks, as the walk found them) from `root`; a component
// turned into a symlink since fails instead of being followed.
static int reopen_plain(int root, const char *done) {
    int cur = dup_fd(root);
    char name[NAME_CAP];
    for (const char *p = done; cur >= 0 && *p != 0;) {
        while (*p == '/') p++;
        size_t n = 0;
        while (p[n] != 0 && p[n] != '/') n++;
        if (n == 0) break;
        if (n >= sizeof name) { close(cur); errno = ENAMETOOLONG; return -1; }
        memcpy(name, p, n);
        name[n] = 0;
        p += n;
        int next = openat(cur, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        close_keep_errno(cur);
        cur = next;
    }
    return cur;
}

// The walk for kernels without openat2: each component opened O_PATH|O_NOFOLLOW from its parent,
// symlinks read and spliced into the rest of the path as text, so "/" and ".." mean `root` and a
// /proc magic link is only ever read, never followed.
static int walk(int root, const char *path, int beneath) {
    char rest[PATH_CAP], done[PATH_CAP], link[PATH_CAP], name[NAME_CAP];
    size_t len = strlen(path);
    if (len >= sizeof rest) { errno = ENAMETOOLONG; return -1; }
    memcpy(rest, path, len + 1);
    size_t pos = 0, dn = 0;
    done[0] = 0;
    int links = 0;
    int cur = dup_fd(root);
    if (cur < 0) return -1;
    while (1) {
        while (rest[pos] == '/') pos++;
        if (rest[pos] == 0) return cur;
        size_t n = 0;
        while (rest[pos + n] != 0 && rest[pos + n] != '/') n++;
        if (n >= sizeof name) { errno = ENAMETOOLONG; goto fail; }
        memcpy(name, rest + pos, n);
        name[n] = 0;
        pos += n;
        if (strcmp(name, ".") == 0) continue;
        if (strcmp(name, "..") == 0) {
            if (dn == 0) {
                if (beneath) { errno = EXDEV; goto fail; }
                continue;
            }
            while (dn > 0 && done[dn - 1] != '/') dn--;
            if (dn > 0) dn--;
            done[dn] = 0;
            int up = reopen_plain(root, done);
            if (up < 0) goto fail;
            close(cur);
            cur = up;
            continue;
        }
        int next = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) goto fail;
        struct stat st;
        if (fstat(next, &st) < 0) { close_keep_errno(next); goto fail; }
        if (!S_ISLNK(st.st_mode)) {
            if (dn + 1 + n >= sizeof done) { close(next); errno = ENAMETOOLONG; goto fail; }
            done[dn++] = '/';
            memcpy(done + dn, name, n + 1);
            dn += n;
            close(cur);
            cur = next;
            continue;
        }
        ssize_t ln = readlinkat(next, "", link, sizeof link);
        close_keep_errno(next);
        if (ln < 0) goto fail;
        size_t tail = strlen(rest + pos);
        if (++links > MAX_LINKS) { errno = ELOOP; goto fail; }
        if ((size_t)ln + 1 + tail >= sizeof rest) { errno = ENAMETOOLONG; goto fail; }
        memmove(rest + ln + 1, rest + pos, tail + 1);
        memcpy(rest, link, (size_t)ln);
        rest[ln] = '/';
        pos = 0;
        if (link[0] == '/') {
            if (beneath) { errno = EXDEV; goto fail; }
            int top = dup_fd(root);
            if (top < 0) goto fail;
            close(cur);
            cur = top;
            dn = 0;
            done[0] = 0;
        }
    }
fail:
    close_keep_errno(cur);
    return -1;
}

static int lookup(int root, const char *path, int flags) {
    if (!(flags & SWK_IN_ROOT_WALK)) {
        struct open_how how = {
            .flags = O_PATH | O_CLOEXEC,
            .resolve = ((flags & SWK_IN_ROOT_BENEATH) ? RESOLVE_BENEATH : RESOLVE_IN_ROOT) | RESOLVE_NO_MAGICLINKS,
        };
        // EAGAIN: a rename elsewhere raced the lookup; the kernel asks for a retry.
        for (int i = 0; i < 64; i++) {
            long fd = syscall(SYS_openat2, root, path, &how, sizeof how);
            if (fd >= 0) return (int)fd;
            if (errno != EAGAIN) break;
        }
        if (errno != ENOSYS) return -1;
    }
    // RESOLVE_BENEATH takes an absolute path as leaving the root: so does the walk.
    if ((flags & SWK_IN_ROOT_BENEATH) && path[0] == '/') { errno = EXDEV; return -1; }
    return walk(root, path, flags & SWK_IN_ROOT_BENEATH);
}

// Creates what is missing of `path` one component at a time, each through its parent's
// descriptor, resolving every prefix again inside the root: a symlink swapped in meanwhile is
// followed only as far as the root allows. Returns the descriptor, -1 with errno, or -2 when a
// component is a dangling symlink: `retry` then holds the path with that link substituted (the
// link's target is created, as runc's SecureJoin + MkdirAllInRoot do for /etc/resolv.conf ->
// ../run/... in an image).
static int create_missing(int root, const char *path, int flags, char retry[PATH_CAP]) {
    char prefix[PATH_CAP], name[NAME_CAP];
    size_t pn = 0;
    int parent = dup_fd(root);
    if (parent < 0) return -1;
    for (const char *p = path;;) {
        while (*p == '/') p++;
        if (*p == 0) return parent;
        size_t n = 0;
        while (p[n] != 0 && p[n] != '/') n++;
        if (n >= sizeof name || pn + 1 + n >= sizeof prefix) { close(parent); errno = ENAMETOOLONG; return -1; }
        memcpy(name, p, n);
        name[n] = 0;
        size_t parent_len = pn;
        prefix[pn++] = '/';
        memcpy(prefix + pn, name, n + 1);
        pn += n;
        p += n;
        const char *q = p;
        while (*q == '/') q++;
        int last = *q == 0;
        // BENEATH takes "/a" as absolute: hand it the prefix without its leading slash.
        const char *rel = (flags & SWK_IN_ROOT_BENEATH) ? prefix + 1 : prefix;
        int next = lookup(root, rel, flags);
        if (next < 0 && errno == ENOENT) {
            int made;
            if (last && (flags & SWK_IN_ROOT_MKFILE)) {
                made = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (made >= 0) close(made);
            } else {
                made = mkdirat(parent, name, 0755);
            }
            if (made < 0 && errno != EEXIST) { close_keep_errno(parent); return -1; }
            next = lookup(root, rel, flags);
            char link[PATH_CAP];
            ssize_t ln;
            if (next < 0 && errno == ENOENT && (ln = readlinkat(parent, name, link, sizeof link - 1)) > 0) {
                link[ln] = 0;
                close(parent);
                size_t len = link[0] == '/' ? 0 : parent_len;
                if (len + 1 + (size_t)ln + 1 + strlen(p) >= PATH_CAP) { errno = ENAMETOOLONG; return -1; }
                memcpy(retry, prefix, len);
                retry[len++] = '/';
                memcpy(retry + len, link, (size_t)ln);
                len += (size_t)ln;
                memcpy(retry + len, p, strlen(p) + 1);
                return -2;
            }
        }
        close_keep_errno(parent);
        if (next < 0) return -1;
        parent = next;
    }
}

int swk_open_in_root(int root, const char *path, int flags) {
    char paths[2][PATH_CAP];
    for (int links = 0;; links++) {
        int fd = lookup(root, path, flags);
        if (fd >= 0 || errno != ENOENT || !(flags & (SWK_IN_ROOT_MKDIR | SWK_IN_ROOT_MKFILE))) return fd;
        char *retry = paths[links % 2];
        fd = create_missing(root, path, flags, retry);
        if (fd != -2) return fd;
        if (links >= MAX_LINKS) { errno = ELOOP; return -1; }
        path = (flags & SWK_IN_ROOT_BENEATH) ? retry + 1 : retry;  // BENEATH: relative, as given
    }
}

void swk_fd_path(char *buf, int fd) {
    static const char prefix[] = "/proc/self/fd/";
    memcpy(buf, prefix, sizeof prefix);
    char digits[12];
    int nd = 0;
    unsigned v = fd < 0 ? 0 : (unsigned)fd;
    do { digits[nd++] = (char)('0' + v % 10); v /= 10; } while (v > 0);
    size_t len = sizeof prefix - 1;
    while (nd > 0) buf[len++] = digits[--nd];
    buf[len] = 0;
}

int swk_rename_exchange(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}
