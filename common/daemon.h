/*
 * daemon.h — what both daemons' main() do alike: the command line
 * (--config, --check, --version, --help), umask 077, signals handled on the
 * main thread (SIGHUP reloads, SIGINT/SIGTERM stop, SIGPIPE ignored) and a
 * clean stop. Each daemon gives its parts as a table.
 */
#ifndef WN_DAEMON_H
#define WN_DAEMON_H

#include <stddef.h>

struct daemon_ops {
	const char *name;      /* the program, e.g. "wijknet-node" */
	const char *component; /* for the log, e.g. "node" */
	const char *about;     /* the usage text's description, ending in a newline */
	/* 0 may leave a warning in err, which --check says and still passes */
	int (*check)(const char *config, char *err, size_t errcap);
	int (*open)(const char *config, void **out, char *err, size_t errcap);
	int (*start)(void *d, char *err, size_t errcap);
	void (*hangup)(void *d);
	int (*failed)(void *d); /* stopped for a reason the operator must see; may be NULL */
	void (*close)(void *d);
	/* One optional start-up flag of the daemon's own (NULL: none), its line
	 * in the usage, and what giving it does, between open and start. */
	const char *flag;
	const char *flag_about;
	void (*set_flag)(void *d);
};

/* Names the calling thread (at most 15 characters are kept), so that an
 * operator's top -H, ps -L and /proc tell a daemon's threads apart. */
void daemon_name_thread(const char *name);

/* Runs the daemon; returns main's exit status (0, 1 failed, 2 usage). */
int daemon_main(int argc, char **argv, const struct daemon_ops *ops);

#endif
