// Network namespace set-up for pod sandboxes.
#pragma once

/// Brings the loopback interface up inside the network namespace pinned at `netns_path`, in a
/// short-lived forked child that runs only syscalls (safe from a multithreaded process).
/// Returns 0, or -1 with errno set to the failing step's errno.
int swk_netns_loopback_up(const char *netns_path);
