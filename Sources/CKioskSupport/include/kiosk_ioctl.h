#ifndef KIOSK_IOCTL_H
#define KIOSK_IOCTL_H

/// ioctl(2) is variadic, which Swift cannot call; these fix the third argument's type.
int kiosk_ioctl_none(int fd, unsigned long request);
int kiosk_ioctl_int(int fd, unsigned long request, int value);
int kiosk_ioctl_ptr(int fd, unsigned long request, void *argument);

#endif
