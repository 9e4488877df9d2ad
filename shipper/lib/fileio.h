/* SPDX-License-Identifier: GPL-2.0 */
/* Small file helpers shared by the spool and the file sink. */
#ifndef NETLOG_FILEIO_H
#define NETLOG_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all of @data, retrying short writes and EINTR: 0 or -errno. */
int write_all(int fd, const char *data, size_t len);

/* Creates @dir and its missing parents with @mode: 0 or -errno. */
int mkdir_p(const char *dir, mode_t mode);

#endif /* NETLOG_FILEIO_H */
