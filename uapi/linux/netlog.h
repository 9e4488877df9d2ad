/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * netlog: in-kernel network flow counting for Tailscale-style flow logs.
 *
 * This header is the whole contract between netlog.ko and userspace. The
 * same family is described as a YNL spec in uapi/netlog.yaml.
 *
 * Documentation
 * =============
 *
 * The generic netlink family is "netlog", version 1. Every command requires
 * CAP_NET_ADMIN in the user namespace that owns the caller's network
 * namespace, and acts on that network namespace only; so does subscribing
 * to the "events" group. Policies are strict: unknown attributes and unknown
 * flags are refused with an extack message.
 *
 * NETLOG_CMD_GET_CONFIG
 * ---------------------
 *
 *   Request: no attributes. Reply (same command):
 *
 *     NETLOG_A_DEVICES: NLA_NESTED
 *         0: NLA_NUL_STRING, device name, maxlen IFNAMSIZ - 1
 *         ...
 *     NETLOG_A_DEVICE_IFINDEXES: NLA_NESTED, same order as NETLOG_A_DEVICES
 *         0: NLA_U32, ifindex of the device, 0 while it does not exist
 *         ...
 *     NETLOG_A_PORTS: NLA_NESTED
 *         0: NLA_U16, local UDP port of WireGuard (host byte order)
 *         ...
 *     NETLOG_A_EXCLUDE: NLA_NESTED
 *         0: NLA_BINARY, 4 bytes (IPv4) or 16 bytes (IPv6), network order
 *         ...
 *     NETLOG_A_MAX_FLOWS: NLA_U32, flow capacity of each per-CPU table
 *     NETLOG_A_HIGH_WATER: NLA_U8, percent of max_flows that raises an event
 *
 * NETLOG_CMD_SET_CONFIG
 * ---------------------
 *
 *   Request: any of the attributes of GET_CONFIG except
 *   NETLOG_A_DEVICE_IFINDEXES. A list attribute that is present replaces the
 *   whole list (an empty nest clears it); an absent one is left alone. A
 *   list is read strictly: an item of the wrong length or content, or bytes
 *   after the last whole item, is EINVAL; too many items E2BIG; the extack
 *   names the attribute and nothing of the request is applied.
 *   Devices are kept by name: a device that does not exist yet is counted
 *   from the moment it is created. A new max_flows applies from the next
 *   window on. Limits: NETLOG_MAX_DEVICES devices, NETLOG_MAX_PORTS ports,
 *   NETLOG_MAX_EXCLUDE addresses, max_flows in
 *   [NETLOG_MIN_FLOWS, NETLOG_MAX_FLOWS], high_water in [1, 100].
 *
 *   Memory is taken here, not when a window closes: a configured namespace
 *   holds two windows of max_flows flows per CPU (the live one or a spare,
 *   the closed one or a spare), allocated when max_flows changes and charged
 *   to the caller's memory cgroup. ENOMEM, with the old configuration still
 *   counting, when they cannot be allocated or would take more than half of
 *   the memory available. EPERM when a namespace owned by a user namespace
 *   other than the initial one asks for more than the module parameter
 *   userns_max_flows.
 *
 *   Counting runs in a network namespace while it has a device or a port
 *   configured; with neither, netlog's hooks are not registered there.
 *
 * NETLOG_CMD_GET_FLOWS (dump)
 * ---------------------------
 *
 *   Request: NETLOG_A_FLAGS: NLA_U32, 0 or NETLOG_FLOWS_DRAIN.
 *
 *   Without NETLOG_FLOWS_DRAIN (a peek) the live window is read without
 *   changing anything; its NETLOG_W_SEQ is 0. A namespace that never had a
 *   window peeks an empty one. A window closed during a peek is read on to
 *   its end; one acknowledged before the first message ends the dump with
 *   ESTALE, and one acknowledged later marks it NLM_F_DUMP_INTR: ask again.
 *   With NETLOG_FLOWS_DRAIN the live window is closed, unless a closed
 *   window is still waiting for its acknowledgment, in which case that same
 *   window is returned again. The first drain of a namespace never
 *   configured allocates its windows, as SET_CONFIG would.
 *
 *   Every message of the dump carries:
 *
 *     NETLOG_A_WINDOW: NLA_NESTED (first message only)
 *         NETLOG_W_SEQ: NLA_U64, window sequence number, from 1
 *         NETLOG_W_START_NS: NLA_U64, first packet, ns since the epoch (UTC);
 *                            equal to NETLOG_W_END_NS for an empty window
 *         NETLOG_W_END_NS: NLA_U64, close time (now, for a peek). A
 *                          drained window starts no earlier than the
 *                          previous one ended: windows never overlap
 *         NETLOG_W_NFLOWS: NLA_U32, flows in the window (keys merged)
 *         NETLOG_W_MISSES: NLA_NESTED
 *             NETLOG_MISS_TABLE_FULL: NLA_NESTED
 *                 NETLOG_C_PKTS: NLA_U64
 *                 NETLOG_C_BYTES: NLA_U64
 *         NETLOG_W_EXCLUDED: NLA_NESTED
 *             NETLOG_C_PKTS: NLA_U64
 *             NETLOG_C_BYTES: NLA_U64
 *     NETLOG_A_FLOWS: NLA_NESTED
 *         0: NLA_NESTED
 *             NETLOG_F_KIND: NLA_U8, enum netlog_kind
 *             NETLOG_F_PROTO: NLA_U8, IP protocol; 255 = non-first fragment
 *             NETLOG_F_LOCAL_ADDR: NLA_BINARY, 4 or 16 bytes
 *             NETLOG_F_LOCAL_PORT: NLA_U16
 *             NETLOG_F_REMOTE_ADDR: NLA_BINARY, 4 or 16 bytes
 *             NETLOG_F_REMOTE_PORT: NLA_U16
 *             NETLOG_F_TX_PKTS, NETLOG_F_TX_BYTES,
 *             NETLOG_F_RX_PKTS, NETLOG_F_RX_BYTES: NLA_U64
 *         ...
 *
 *   Each key appears once per window, summed over CPUs. Virtual bytes are IP
 *   packet lengths; physical bytes are UDP payload lengths. tx means leaving
 *   through the tunnel device (virtual) or sent from the WireGuard port
 *   (physical); rx the reverse. Local is the source of tx packets and the
 *   destination of rx packets. Counts are taken after the filter decision
 *   and before source NAT: outbound packets show pre-SNAT sources, inbound
 *   packets post-DNAT destinations.
 *
 * NETLOG_CMD_ACK_WINDOW
 * ---------------------
 *
 *   Request: NETLOG_A_WINDOW_SEQ: NLA_U64. Releases the closed window with
 *   that sequence number; the next drain closes a new window. ESRCH when no
 *   window is waiting, ESTALE when the number is not the waiting window's.
 *
 * NETLOG_CMD_GET_STATS
 * --------------------
 *
 *   Request: no attributes. Reply: NETLOG_A_STATS: NLA_NESTED with
 *   NETLOG_S_* attributes (NLA_U64 unless noted), counted since the
 *   namespace was first configured, summed over CPUs:
 *
 *     NETLOG_S_{VIRT,PHYS}_{TX,RX}_{PKTS,BYTES}: what the hooks saw
 *     NETLOG_S_FLOWS_CREATED: table entries created
 *     NETLOG_S_MISS_TABLE_FULL_{PKTS,BYTES}: packets not counted in a flow
 *                                            because the table was full
 *     NETLOG_S_EXCLUDED_{PKTS,BYTES}: virtual packets to or from an excluded
 *                                     address
 *     NETLOG_S_WINDOWS_DRAINED, NETLOG_S_WINDOWS_ACKED
 *     NETLOG_S_LIVE_FLOWS: NLA_U32, entries in the live window, all CPUs
 *     NETLOG_S_LIVE_FILL_MAX: NLA_U32, entries in the fullest per-CPU table
 *     NETLOG_S_PENDING_SEQ: sequence number of the window waiting for an
 *                           acknowledgment, 0 when none
 *
 *   For every window: flows + misses + excluded = what the hooks saw,
 *   exactly, in packets and bytes.
 *
 * NETLOG_CMD_HIGH_WATER (notification, multicast group "events")
 * ---------------------------------------------------------------
 *
 *   Sent once per window when a per-CPU table of the live window passes
 *   high_water percent of max_flows, to the group members of the network
 *   namespace concerned:
 *
 *     NETLOG_A_STATS: NLA_NESTED, with NETLOG_S_LIVE_FLOWS and
 *                     NETLOG_S_LIVE_FILL_MAX
 *     NETLOG_A_MAX_FLOWS: NLA_U32
 *
 * Module parameters configure the initial network namespace at load time:
 * devices=wg0,tailscale0 ports=51820,41641 max_flows=N. userns_max_flows=N
 * (writable at run time; 0, the default, sizes it so that six windows on
 * every possible CPU take at most 1/64 of RAM, a power of two from 16 to
 * 65536) caps max_flows in namespaces owned by non-initial user namespaces.
 */

#ifndef _UAPI_LINUX_NETLOG_H
#define _UAPI_LINUX_NETLOG_H

#define NETLOG_GENL_NAME "netlog"
#define NETLOG_GENL_VERSION 1
#define NETLOG_MCGRP_EVENTS "events"

#define NETLOG_MAX_DEVICES 8
#define NETLOG_MAX_PORTS 8
#define NETLOG_MAX_EXCLUDE 32
#define NETLOG_MIN_FLOWS 16
#define NETLOG_MAX_FLOWS 4194304
#define NETLOG_DEFAULT_FLOWS 65536
#define NETLOG_DEFAULT_HIGH_WATER 75

enum netlog_cmd {
	NETLOG_CMD_UNSPEC,
	NETLOG_CMD_GET_CONFIG,
	NETLOG_CMD_SET_CONFIG,
	NETLOG_CMD_GET_FLOWS,
	NETLOG_CMD_ACK_WINDOW,
	NETLOG_CMD_GET_STATS,
	NETLOG_CMD_HIGH_WATER,
	__NETLOG_CMD_MAX
};

#define NETLOG_CMD_MAX (__NETLOG_CMD_MAX - 1)

enum netlog_flags {
	NETLOG_FLOWS_DRAIN = 0x1,
	__NETLOG_FLOWS_ALL = NETLOG_FLOWS_DRAIN
};

enum netlog_kind {
	NETLOG_KIND_VIRTUAL,
	NETLOG_KIND_PHYSICAL,
	__NETLOG_KIND_MAX
};

enum netlog_attr {
	NETLOG_A_UNSPEC,
	NETLOG_A_PAD,
	NETLOG_A_DEVICES,
	NETLOG_A_DEVICE_IFINDEXES,
	NETLOG_A_PORTS,
	NETLOG_A_EXCLUDE,
	NETLOG_A_MAX_FLOWS,
	NETLOG_A_HIGH_WATER,
	NETLOG_A_FLAGS,
	NETLOG_A_WINDOW,
	NETLOG_A_FLOWS,
	NETLOG_A_WINDOW_SEQ,
	NETLOG_A_STATS,
	__NETLOG_A_MAX
};

#define NETLOG_A_MAX (__NETLOG_A_MAX - 1)

enum netlog_window_attr {
	NETLOG_W_UNSPEC,
	NETLOG_W_PAD,
	NETLOG_W_SEQ,
	NETLOG_W_START_NS,
	NETLOG_W_END_NS,
	NETLOG_W_NFLOWS,
	NETLOG_W_MISSES,
	NETLOG_W_EXCLUDED,
	__NETLOG_W_MAX
};

#define NETLOG_W_MAX (__NETLOG_W_MAX - 1)

enum netlog_miss_reason {
	NETLOG_MISS_UNSPEC,
	NETLOG_MISS_TABLE_FULL,
	__NETLOG_MISS_MAX
};

#define NETLOG_MISS_MAX (__NETLOG_MISS_MAX - 1)

enum netlog_count_attr {
	NETLOG_C_UNSPEC,
	NETLOG_C_PAD,
	NETLOG_C_PKTS,
	NETLOG_C_BYTES,
	__NETLOG_C_MAX
};

#define NETLOG_C_MAX (__NETLOG_C_MAX - 1)

enum netlog_flow_attr {
	NETLOG_F_UNSPEC,
	NETLOG_F_PAD,
	NETLOG_F_KIND,
	NETLOG_F_PROTO,
	NETLOG_F_LOCAL_ADDR,
	NETLOG_F_LOCAL_PORT,
	NETLOG_F_REMOTE_ADDR,
	NETLOG_F_REMOTE_PORT,
	NETLOG_F_TX_PKTS,
	NETLOG_F_TX_BYTES,
	NETLOG_F_RX_PKTS,
	NETLOG_F_RX_BYTES,
	__NETLOG_F_MAX
};

#define NETLOG_F_MAX (__NETLOG_F_MAX - 1)

enum netlog_stats_attr {
	NETLOG_S_UNSPEC,
	NETLOG_S_PAD,
	NETLOG_S_VIRT_TX_PKTS,
	NETLOG_S_VIRT_TX_BYTES,
	NETLOG_S_VIRT_RX_PKTS,
	NETLOG_S_VIRT_RX_BYTES,
	NETLOG_S_PHYS_TX_PKTS,
	NETLOG_S_PHYS_TX_BYTES,
	NETLOG_S_PHYS_RX_PKTS,
	NETLOG_S_PHYS_RX_BYTES,
	NETLOG_S_FLOWS_CREATED,
	NETLOG_S_MISS_TABLE_FULL_PKTS,
	NETLOG_S_MISS_TABLE_FULL_BYTES,
	NETLOG_S_EXCLUDED_PKTS,
	NETLOG_S_EXCLUDED_BYTES,
	NETLOG_S_WINDOWS_DRAINED,
	NETLOG_S_WINDOWS_ACKED,
	NETLOG_S_LIVE_FLOWS,
	NETLOG_S_LIVE_FILL_MAX,
	NETLOG_S_PENDING_SEQ,
	__NETLOG_S_MAX
};

#define NETLOG_S_MAX (__NETLOG_S_MAX - 1)

#endif /* _UAPI_LINUX_NETLOG_H */
