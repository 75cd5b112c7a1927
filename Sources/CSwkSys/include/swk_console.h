// The client side of an OCI console socket (swkubectl exec -t).
#pragma once

/// A listening unix stream socket bound at `path` (close-on-exec), or -1 with errno.
int swk_listen_unix(const char *path);

/// The window size of the terminal `fd` (TIOCGWINSZ): 0, or -1 with errno.
int swk_get_winsize(int fd, unsigned short *rows, unsigned short *cols);

/// Sets the window size of the terminal `fd` (TIOCSWINSZ): 0, or -1 with errno.
int swk_set_winsize(int fd, unsigned short rows, unsigned short cols);
