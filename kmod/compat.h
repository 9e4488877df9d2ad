/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences of netlog.ko live here and nowhere else.
 *
 * netlog builds against Debian 12's 6.1 and 6.12 kernels. The differences
 * met so far are avoided rather than wrapped:
 * - struct genl_dumpit_info changed shape in 6.2; flows_start() reads its
 *   already validated attribute with nlmsg_find_attr() instead.
 * - nla_policy.range became a const pointer; the range is not const.
 * - GENL_MCAST_CAP_NET_ADMIN (6.7) is in both: Debian's 6.1 has the stable
 *   backport, so the events group needs no fallback.
 * - NL_SET_ERR_MSG_FMT() is 6.2 and later: extack messages are constant.
 */

#ifndef _NETLOG_COMPAT_H
#define _NETLOG_COMPAT_H

#include <linux/version.h>

#endif /* _NETLOG_COMPAT_H */
