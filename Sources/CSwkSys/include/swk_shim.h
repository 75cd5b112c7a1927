// C helpers for the per-container shim and the lifecycle layer: signal plumbing and random bytes
// that Glibc's Swift module does not expose.
#pragma once
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/// Blocks SIGCHLD for the calling thread and returns a non-blocking, close-on-exec signalfd that
/// becomes readable when a child changes state. Returns -1 with errno set on failure.
int swk_sigchld_fd(void);

/// Drains pending signalfd records so the descriptor stops polling readable. Returns 0 or -1.
int swk_sigchld_drain(int fd);

/// A non-blocking, close-on-exec signalfd for `set`, which the caller has blocked. -1 on failure.
int swk_signal_fd(const sigset_t *set);

/// The next signal pending on signalfd `fd`: its number, 0 when none is pending, -1 on error.
int swk_signal_next(int fd);

/// Closes every descriptor >= `lowfd` (close_range, falling back to a loop).
void swk_close_from(int lowfd);

/// Fills `buf` with `len` random bytes from getrandom(2). Returns 0, or -1 with errno set.
int swk_random_bytes(void *buf, size_t len);
