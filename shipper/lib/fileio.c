// SPDX-License-Identifier: GPL-2.0
/* Small file helpers shared by the spool and the file sink. */
#include <errno.h>
#include <unistd.h>

#include "fileio.h"

int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		data += n;
		len -= n;
	}
	return 0;
}
