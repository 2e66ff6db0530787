#ifndef KIOSK_PTY_H
#define KIOSK_PTY_H
#include <stddef.h>

/// Opens a pseudo-terminal pair with openpty(3) and puts the replica in raw mode.
/// On success stores both descriptors and the replica's path (NUL-terminated, at most path_len bytes) and returns 0;
/// on failure returns -1 with errno set.
int kiosk_openpty(int *controller, int *replica, char *path, size_t path_len);

#endif
