// SPDX-License-Identifier: GPL-2.0
/* netlogctl set: validate the new configuration, then send it whole. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "array.h"
#include "ctl.h"
#include "log.h"
#include "nl.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s set [devices DEV[,DEV...]] [ports PORT[,PORT...]]\n"
		"                     [exclude ADDR[,ADDR...]] [max-flows N] [high-water PCT]\n\n"
		"Each list given replaces the kernel's list; \"\" clears it.\n"
		"  devices     tunnel devices to count, at most %d, by name\n"
		"  ports       local UDP ports of WireGuard, at most %d\n"
		"  exclude     IPv4 or IPv6 addresses not to count, at most %d\n"
		"  max-flows   flow capacity of each per-CPU table, %u-%u\n"
		"  high-water  percent of max-flows that raises an event, 1-100\n",
		PROG_NAME, NETLOG_MAX_DEVICES, NETLOG_MAX_PORTS,
		NETLOG_MAX_EXCLUDE, (unsigned int)NETLOG_MIN_FLOWS, NETLOG_MAX_FLOWS);
}

/* Decimal digits only: no sign, no blanks, no "0x". */
static int parse_uint(const char *str, unsigned long min, unsigned long max,
		      unsigned long *val)
{
	char *end;

	if (!isdigit((unsigned char)str[0]))
		return -EINVAL;
	errno = 0;
	*val = strtoul(str, &end, 10);
	if (errno || *end || *val < min || *val > max)
		return -ERANGE;
	return 0;
}

/* The kernel's dev_valid_name() rules. */
static bool valid_devname(const char *name)
{
	const char *p;

	if (!*name || strlen(name) >= IFNAMSIZ)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return false;
	return true;
}

/*
 * Splits @list at commas into @items, at most @max; "" is the empty list.
 * Modifies @list. Returns the count, or -errno after printing why.
 */
static int split(char *list, const char *what, char **items, unsigned int max)
{
	char *orig = strdup(list);
	unsigned int n = 0;
	char *p = list;
	int ret = 0;

	if (!orig) {
		log_err("set: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (!*list)
		goto out;
	for (;;) {
		char *comma = strchr(p, ',');

		if (comma)
			*comma = '\0';
		if (!*p) {
			log_err("bad %s list '%s': empty element", what, orig);
			ret = -EINVAL;
			goto out;
		}
		if (n == max) {
			log_err("bad %s list '%s': more than %u entries", what, orig, max);
			ret = -E2BIG;
			goto out;
		}
		items[n++] = p;
		if (!comma)
			break;
		p = comma + 1;
	}
out:
	free(orig);
	return ret ? ret : (int)n;
}

static int parse_devices(struct nl_config *req, char *arg)
{
	char *items[NETLOG_MAX_DEVICES];
	int i, j, n;

	n = split(arg, "devices", items, NETLOG_MAX_DEVICES);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (!valid_devname(items[i])) {
			log_err("bad device name '%s': must be 1-%d characters without '/', ':' or blanks",
				items[i], IFNAMSIZ - 1);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (!strcmp(items[j], items[i])) {
				log_err("duplicate device '%s'", items[i]);
				return -EINVAL;
			}
		}
		snprintf(req->devices[i], IFNAMSIZ, "%s", items[i]);
	}
	req->ndevices = n;
	req->has |= NL_CONFIG_DEVICES;
	return 0;
}

static int parse_ports(struct nl_config *req, char *arg)
{
	char *items[NETLOG_MAX_PORTS];
	unsigned long port;
	int i, j, n;

	n = split(arg, "ports", items, NETLOG_MAX_PORTS);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (parse_uint(items[i], 1, 65535, &port)) {
			log_err("bad port '%s': must be 1-65535", items[i]);
			return -EINVAL;
		}
		req->ports[i] = port;
		for (j = 0; j < i; j++) {
			if (req->ports[j] == port) {
				log_err("duplicate port '%s'", items[i]);
				return -EINVAL;
			}
		}
	}
	req->nports = n;
	req->has |= NL_CONFIG_PORTS;
	return 0;
}

static int parse_exclude(struct nl_config *req, char *arg)
{
	char *items[NETLOG_MAX_EXCLUDE];
	int i, j, n;

	n = split(arg, "exclude", items, NETLOG_MAX_EXCLUDE);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		if (addr_parse(&req->exclude[i], items[i])) {
			log_err("bad address '%s': must be an IPv4 or IPv6 address, without brackets",
				items[i]);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (!addr_compare(&req->exclude[j], &req->exclude[i])) {
				log_err("duplicate address '%s'", items[i]);
				return -EINVAL;
			}
		}
	}
	req->nexclude = n;
	req->has |= NL_CONFIG_EXCLUDE;
	return 0;
}

static int parse_max_flows(struct nl_config *req, char *arg)
{
	unsigned long val;

	if (parse_uint(arg, NETLOG_MIN_FLOWS, NETLOG_MAX_FLOWS, &val)) {
		log_err("bad max-flows '%s': must be %u-%u", arg,
			(unsigned int)NETLOG_MIN_FLOWS, NETLOG_MAX_FLOWS);
		return -EINVAL;
	}
	req->max_flows = val;
	req->has |= NL_CONFIG_MAX_FLOWS;
	return 0;
}

static int parse_high_water(struct nl_config *req, char *arg)
{
	unsigned long val;

	if (parse_uint(arg, 1, 100, &val)) {
		log_err("bad high-water '%s': must be 1-100", arg);
		return -EINVAL;
	}
	req->high_water = val;
	req->has |= NL_CONFIG_HIGH_WATER;
	return 0;
}

static const struct {
	const char *key;
	int (*parse)(struct nl_config *req, char *arg);
} keys[] = {
	{ "devices", parse_devices },
	{ "ports", parse_ports },
	{ "exclude", parse_exclude },
	{ "max-flows", parse_max_flows },
	{ "high-water", parse_high_water },
};

#define NKEYS ARRAY_SIZE(keys)

static int parse_args(struct nl_config *req, int argc, char *argv[])
{
	bool seen[NKEYS] = { false };
	int i;
	size_t k;

	if (argc < 2) {
		log_err("set: nothing to set");
		usage(stderr);
		return -EINVAL;
	}
	for (i = 1; i < argc; i += 2) {
		for (k = 0; k < NKEYS; k++)
			if (!strcmp(argv[i], keys[k].key))
				break;
		if (k == NKEYS) {
			ctl_bad_arg("set", argv[i]);
			return -EINVAL;
		}
		if (seen[k]) {
			log_err("set: '%s' given twice", argv[i]);
			return -EINVAL;
		}
		if (i + 1 >= argc) {
			log_err("set: '%s' needs a value", argv[i]);
			return -EINVAL;
		}
		if (keys[k].parse(req, argv[i + 1]))
			return -EINVAL;
		seen[k] = true;
	}
	return 0;
}

int cmd_set(int argc, char *argv[])
{
	struct nl_config req = { 0 };
	struct genl_ctx *ctx;
	unsigned int i;
	int ret;

	if (argc == 2 && ctl_is_help(argv[1])) {
		usage(stdout);
		return CTL_OK;
	}
	if (parse_args(&req, argc, argv))
		return CTL_USAGE;

	ctx = ctl_open();
	if (!ctx)
		return CTL_FAIL;
	ret = nl_config_set(ctx, &req);
	if (ret) {
		genl_perror(ctx, "set", ret);
		genl_close(ctx);
		return CTL_FAIL;
	}
	genl_close(ctx);

	for (i = 0; i < req.ndevices; i++)
		if (!if_nametoindex(req.devices[i]))
			log_warn("device '%s' does not exist yet; it will be counted from its creation",
				 req.devices[i]);
	return CTL_OK;
}
