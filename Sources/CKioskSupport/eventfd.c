#include "kiosk_eventfd.h"
#include <sys/eventfd.h>

int kiosk_eventfd(void) { return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }
