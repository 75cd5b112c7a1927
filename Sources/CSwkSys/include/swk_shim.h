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

/// Catches `signals` (`count` of them) in whichever thread they arrive, each as one byte (its
/// number) written to a pipe; returns the pipe's non-blocking, close-on-exec read end, or -1 with
/// errno. One such catcher at a time; `swk_signal_pipe_end` restores the previous actions.
int swk_signal_pipe(const int *signals, int count);

/// The next caught signal: its number, 0 when none is pending.
int swk_signal_pipe_next(void);

/// Restores the actions `swk_signal_pipe` replaced and closes its pipe.
void swk_signal_pipe_end(void);

/// Closes every descriptor >= `lowfd` (close_range, falling back to a loop).
void swk_close_from(int lowfd);

/// Fills `buf` with `len` random bytes from getrandom(2). Returns 0, or -1 with errno set.
int swk_random_bytes(void *buf, size_t len);
