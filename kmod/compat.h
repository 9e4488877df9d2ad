/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference of netlog.ko lives here. The module
 * builds against Debian 12's 6.1 and 6.12 kernels.
 */

#ifndef _NETLOG_COMPAT_H
#define _NETLOG_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "netlog needs Linux 6.1 or later"
#endif

#endif /* _NETLOG_COMPAT_H */
