// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of `netlogd --replay`, the binary itself: its stdout byte for
 * byte against the golden messages, its exit codes and its errors.
 *
 *   test-replay GOLDEN_DIR NETLOGD
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "check.h"
#include "fixture.h"
#include "array.h"

/* The binary itself: stdout byte for byte, exit codes. */
static void test_replay_binary(const char *dir, const char *netlogd)
{
	static const struct {
		const char *args, *expected;
	} cases[] = {
		{ "--replay %1$s/embed.flows.json --nodes %1$s/embed.status.json",
		  "embed.anon.expected" },
		{ "--log-exit-flows --replay %1$s/embed.flows.json --nodes %1$s/embed.status.json",
		  "embed.exit.expected" },
		{ "--replay %1$s/dualstack.flows.json --nodes %1$s/dualstack.nodes.json --routes 10.0.0.0/8",
		  "dualstack.expected" },
	};
	char cmd[2048], args[1024], path[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *want, got[65536];
		size_t n;
		FILE *p;

		snprintf(args, sizeof(args), cases[i].args, dir);
		snprintf(cmd, sizeof(cmd), "%s %s", netlogd, args);
		p = popen(cmd, "r");
		CHECK(p != NULL);
		if (!p)
			continue;
		n = fread(got, 1, sizeof(got) - 1, p);
		got[n] = '\0';
		CHECK(pclose(p) == 0);
		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].expected);
		want = read_file(path);
		check_str(cmd, got, want);
		free(want);
	}
	/* usage error: 2; bad input: 1 with the reason on stderr */
	snprintf(cmd, sizeof(cmd), "%s --replay x.json >/dev/null 2>&1",
		 netlogd);
	CHECK(WEXITSTATUS(system(cmd)) == 2);
	snprintf(cmd, sizeof(cmd), "%s --bogus >/dev/null 2>&1", netlogd);
	CHECK(WEXITSTATUS(system(cmd)) == 2);
	snprintf(cmd, sizeof(cmd),
		 "%s --replay %s/embed.flows.json --nodes %s/embed.flows.json 2>&1",
		 netlogd, dir, dir);
	{
		char got[1024] = "", want[1024];
		FILE *p = popen(cmd, "r");
		size_t n = fread(got, 1, sizeof(got) - 1, p);

		got[n] = '\0';
		CHECK(WEXITSTATUS(pclose(p)) == 1);
		snprintf(want, sizeof(want),
			 "netlogd: %s/embed.flows.json: neither `tailscale status --json` output (no \"Self\") nor a netlog node map (no \"nodes\")\n",
			 dir);
		check_str("replay of a flows file as node map", got, want);
	}
	snprintf(cmd, sizeof(cmd),
		 "%s --replay %s/embed.flows.json --nodes %s/embed.status.json --routes 10.0.0.0/33 2>&1",
		 netlogd, dir, dir);
	{
		char got[1024] = "";
		FILE *p = popen(cmd, "r");
		size_t n = fread(got, 1, sizeof(got) - 1, p);

		got[n] = '\0';
		CHECK(WEXITSTATUS(pclose(p)) == 1);
		check_str("replay with a bad route", got,
			  "netlogd: routes: bad prefix '10.0.0.0/33': prefix length out of range for IPv4 (0-32)\n");
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "Usage: %s GOLDEN_DIR NETLOGD\n", argv[0]);
		return 2;
	}
	test_replay_binary(argv[1], argv[2]);
	return check_done("test-replay");
}
