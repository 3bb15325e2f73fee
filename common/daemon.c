/*
 * daemon.c — the main() both daemons share (daemon.h).
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>

#include "wijknet.h"
#include "daemon.h"
#include "log.h"

void daemon_name_thread(const char *name)
{
	char buf[16];
	snprintf(buf, sizeof(buf), "%s", name);
	(void)prctl(PR_SET_NAME, (unsigned long)buf, 0UL, 0UL, 0UL);
}

static void daemon_usage(FILE *f, const struct daemon_ops *ops)
{
	fprintf(f, "usage: %s --config FILE\n"
		   "       %s --config FILE --check   (validate; no file made)\n",
		ops->name, ops->name);
	if (ops->flag != NULL)
		fprintf(f, "       %s --config FILE %s   (%s)\n", ops->name, ops->flag,
			ops->flag_about);
	fprintf(f, "       %s --version\n%s", ops->name, ops->about);
}

/* The config named on the command line; 1 with --check (and in *flag with
 * the daemon's own flag); or an exit status
 * (0 for --version and --help, 2 for a usage error) in *exit_now. */
static const char *daemon_args(int argc, char **argv, const struct daemon_ops *ops, int *check,
			       int *flag, int *exit_now)
{
	const char *config = NULL;
	*exit_now = -1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("%s %s\n", ops->name, WN_VERSION_STRING);
			*exit_now = 0;
			return NULL;
		} else if (strcmp(argv[i], "--check") == 0) {
			*check = 1;
		} else if (ops->flag != NULL && strcmp(argv[i], ops->flag) == 0) {
			*flag = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			daemon_usage(stdout, ops);
			*exit_now = 0;
			return NULL;
		} else {
			fprintf(stderr, "%s: unknown argument '%s'\n", ops->name, argv[i]);
			daemon_usage(stderr, ops);
			*exit_now = 2;
			return NULL;
		}
	}
	if (config == NULL) {
		daemon_usage(stderr, ops);
		*exit_now = 2;
	}
	return config;
}

/* The config and the certificate, as a start would see them; no file made.
 * What passes but an operator should know (ops->check leaves it in err) is
 * said as a warning. */
static int daemon_check(const char *config, const struct daemon_ops *ops)
{
	char err[1024] = "";
	int rc = log_check_env(err, sizeof(err));
	if (rc == 0)
		rc = ops->check(config, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", ops->name, err[0] ? err : wn_strerror(rc));
		return 1;
	}
	if (err[0] != '\0')
		fprintf(stderr, "%s: warning: %s\n", ops->name, err);
	printf("%s: OK\n", config);
	return 0;
}

int daemon_main(int argc, char **argv, const struct daemon_ops *ops)
{
	int check = 0, flag = 0, exit_now = -1;
	const char *config = daemon_args(argc, argv, ops, &check, &flag, &exit_now);
	if (exit_now >= 0)
		return exit_now;
	/* what the daemon makes (databases, keys, sockets) is its owner's alone */
	umask(077);
	if (check)
		return daemon_check(config, ops);
	log_init(ops->component, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	/* the standard error the daemon was started with: the config's log_file
	 * takes its place, and a start that fails says why there as well */
	int started_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	void *d = NULL;
	char err[1024] = "";
	int rc = log_check_env(err, sizeof(err));
	if (rc == 0)
		rc = ops->open(config, &d, err, sizeof(err));
	if (rc == 0 && flag)
		ops->set_flag(d);
	if (rc == 0)
		rc = ops->start(d, err, sizeof(err));
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "startup_failed", "%s", err[0] ? err : wn_strerror(rc));
		/* by hand: a sentence too; a log stays JSON. With the log in a file,
		 * the terminal or the service manager's journal would see nothing */
		if (started_fd >= 0 && (isatty(started_fd) || log_in_file()))
			dprintf(started_fd, "%s: %s\n", ops->name, err[0] ? err : wn_strerror(rc));
		if (started_fd >= 0)
			close(started_fd);
		ops->close(d);
		return 1;
	}
	if (started_fd >= 0)
		close(started_fd);
	int sig = 0;
	do {
		sigwait(&set, &sig);
		if (sig == SIGHUP)
			ops->hangup(d); /* reload, never stop */
	} while (sig == SIGPIPE || sig == SIGHUP);
	char event[48];
	snprintf(event, sizeof(event), "%s_stopping", ops->component);
	log_msg(WN_LOG_INFO, event, "signal %d", sig);
	int failed = ops->failed != NULL && ops->failed(d);
	ops->close(d);
	/* connections nng is still tearing down are reaped, not left to a leak
	 * checker as lost */
	nng_fini();
	return failed ? 1 : 0;
}
