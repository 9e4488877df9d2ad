// SPDX-License-Identifier: GPL-2.0
/* netlogd --replay: a recorded window, printed as the messages it makes. */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "nodemap.h"
#include "record.h"
#include "replay.h"
#include "routes.h"
#include "window-json.h"

static int print_line(const char *json, size_t len, void *arg)
{
	FILE *out = arg;

	if (fwrite(json, 1, len, out) != len || putc('\n', out) == EOF)
		return -EIO;
	return 0;
}

int replay_run(const struct replay_opts *o, FILE *out)
{
	struct window w;
	struct nodemap *nm = NULL;
	struct routes *rt = NULL;
	char err[NODEMAP_ERR_LEN];
	int ret;

	window_init(&w);
	ret = nodemap_load(&nm, o->nodes, err, sizeof(err));
	if (!ret)
		ret = routes_build(&rt, nm, o->routes, err, sizeof(err));
	if (!ret)
		ret = window_json_load(&w, o->flows, err, sizeof(err));
	if (ret) {
		log_err("%s", err);
		goto out;
	}
	ret = record_build(&w, nm, rt, o->log_exit_flows, print_line, out);
	if (!ret && fflush(out))
		ret = -errno;
	if (ret)
		log_err("replay of '%s': %s", o->flows, strerror(-ret));
out:
	window_release(&w);
	routes_free(rt);
	nodemap_free(nm);
	return ret;
}
