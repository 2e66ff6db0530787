#include "kiosk_ioctl.h"
#include <sys/ioctl.h>

int kiosk_ioctl_none(int fd, unsigned long request) { return ioctl(fd, request); }
int kiosk_ioctl_int(int fd, unsigned long request, int value) { return ioctl(fd, request, value); }
int kiosk_ioctl_ptr(int fd, unsigned long request, void *argument) { return ioctl(fd, request, argument); }
