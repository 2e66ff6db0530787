#ifndef KIOSK_SOCKET_H
#define KIOSK_SOCKET_H
#include <stddef.h>
#include <sys/types.h>

/// Sends one datagram to the AF_UNIX socket at `path` (a leading '@' names the abstract namespace, as systemd's
/// $NOTIFY_SOCKET does). Returns 0 on success, -1 with errno set.
int kiosk_unix_datagram_send(const char *path, const void *data, size_t length);

/// Bytes the application has taken from the TCP socket `fd` so far: what the kernel received from the peer
/// (TCP_INFO's tcpi_bytes_received) less what is still queued unread (SIOCINQ). -1 with errno set on failure.
long long kiosk_tcp_bytes_consumed(int fd);

#endif
