#pragma once
#include <stddef.h>

/// A TCP connection for a probe, optionally from inside a network namespace (a pinned netns
/// file): connects to ip:port within timeout_ms, sends `request` (if any) and reads up to
/// `response_cap` bytes of the answer until EOF, the cap or the timeout. Runs in a forked child
/// that makes only syscalls (setns applies to the whole child, never to a daemon thread).
/// Returns the number of response bytes (0 for a bare connect), or -1 with errno set
/// (ETIMEDOUT on timeout, the connect error otherwise).
long swk_probe_tcp(const char *netns_path, const char *ip, int port, int timeout_ms,
                   const char *request, size_t request_len, char *response, size_t response_cap);
