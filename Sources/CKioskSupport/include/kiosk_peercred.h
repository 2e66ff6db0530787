#ifndef KIOSK_PEERCRED_H
#define KIOSK_PEERCRED_H
#include <sys/types.h>

/// getsockopt(fd, SOL_SOCKET, SO_PEERCRED) on a connected Unix socket: the peer's pid, uid and gid as they were at
/// connect(2). `struct ucred` needs _GNU_SOURCE, which Swift's Glibc module does not define. Returns 0 or -1 (errno).
int kiosk_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);

#endif
