#include "kiosk_pty.h"
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int kiosk_openpty(int *controller, int *replica, char *path, size_t path_len) {
    char name[128];
    struct termios raw;
    if (openpty(controller, replica, name, NULL, NULL) != 0) return -1;
    /* Close-on-exec: a child process spawned meanwhile (a test's kioskctl, a simulator's cupsd) must not keep the
     * pair open, or closing our ends would not hang the line up (docs/ARCHITECTURE.md §3). */
    fcntl(*controller, F_SETFD, FD_CLOEXEC);
    fcntl(*replica, F_SETFD, FD_CLOEXEC);
    if (tcgetattr(*replica, &raw) == 0) {
        cfmakeraw(&raw);
        tcsetattr(*replica, TCSANOW, &raw);
    }
    if (strlen(name) + 1 > path_len) {
        close(*controller);
        close(*replica);
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(path, name);
    return 0;
}
