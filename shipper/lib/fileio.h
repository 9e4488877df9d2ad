/* SPDX-License-Identifier: GPL-2.0 */
/* Small file helpers shared by the spool and the file sink. */
#ifndef NETLOG_FILEIO_H
#define NETLOG_FILEIO_H

#include <stddef.h>

/* Writes all of @data, retrying short writes and EINTR: 0 or -errno. */
int write_all(int fd, const char *data, size_t len);

#endif /* NETLOG_FILEIO_H */
