#ifndef KIOSK_DL_H
#define KIOSK_DL_H
#include <stddef.h>

/// The resolved file of the shared object that holds `symbol` (dladdr(3) + realpath(3)),
/// e.g. "/usr/lib/x86_64-linux-gnu/libudev.so.1.7.5". Returns 0 on success, -1 if unknown.
int kiosk_library_path(const void *symbol, char *path, size_t path_len);

#endif
