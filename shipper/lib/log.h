/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnostics of netlogctl and netlogd: "prog: message" lines on stderr,
 * each with a level.
 */
#ifndef NETLOG_LOG_H
#define NETLOG_LOG_H

/*
 * The values are syslog's priorities, which journald reads from a "<N>"
 * line prefix; the names avoid <syslog.h>'s LOG_* macros.
 */
enum log_level {
	LOGL_ERR = 3,
	LOGL_WARN = 4,
	LOGL_INFO = 6,
	LOGL_DEBUG = 7,
};

/*
 * Names the program in every line and sets how much is printed: errors,
 * warnings and information always, debug lines from @verbosity 1 (-v). Also
 * decides, once, whether stderr is the systemd journal (then each line
 * starts with its "<N>" priority). Without a call, the program name is the
 * one it was invoked as and debug lines are dropped.
 */
void log_init(const char *prog, int verbosity);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOGL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOGL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)

#endif /* NETLOG_LOG_H */
