#define _GNU_SOURCE
#include "kiosk_dl.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int kiosk_library_path(const void *symbol, char *path, size_t path_len) {
    Dl_info info;
    char resolved[PATH_MAX];
    if (dladdr(symbol, &info) == 0 || info.dli_fname == NULL) return -1;
    if (realpath(info.dli_fname, resolved) == NULL) return -1;
    if (strlen(resolved) + 1 > path_len) return -1;
    strcpy(path, resolved);
    return 0;
}
