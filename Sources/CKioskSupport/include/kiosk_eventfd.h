#ifndef KIOSK_EVENTFD_H
#define KIOSK_EVENTFD_H

/// eventfd(2) with EFD_CLOEXEC | EFD_NONBLOCK: a descriptor another thread can make readable to wake a poll(2).
int kiosk_eventfd(void);

#endif
