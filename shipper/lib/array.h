/* SPDX-License-Identifier: GPL-2.0 */
/* The number of elements of an array, as the kernel's ARRAY_SIZE(). */
#ifndef NETLOG_ARRAY_H
#define NETLOG_ARRAY_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* NETLOG_ARRAY_H */
