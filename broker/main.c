/*
 * main.c — wijknet-broker: parses the command line and wires the broker's
 * parts together; runs until SIGINT or SIGTERM; SIGHUP reloads.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <nng/nng.h>

#include "wijknet.h"
#include "broker.h"
#include "log.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: wijknet-broker --config FILE\n"
		   "       wijknet-broker --config FILE --check   (validate; no file made)\n"
		   "       wijknet-broker --version\n"
		   "Runs the federation broker: partner registry, directory, routing and the\n"
		   "metadata audit log. Logs JSON lines to stderr.\n");
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	int check = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("wijknet-broker %s\n", WN_VERSION_STRING);
			return 0;
		} else if (strcmp(argv[i], "--check") == 0) {
			check = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "wijknet-broker: unknown argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (config == NULL) {
		usage(stderr);
		return 2;
	}
	/* what the daemon makes (databases, keys, sockets) is its owner's alone */
	umask(077);
	if (check) {
		/* the config and the certificate, as a start would see them; no file made */
		char cerr[1024] = "";
		int crc = broker_check(config, cerr, sizeof(cerr));
		if (crc != 0) {
			fprintf(stderr, "wijknet-broker: %s\n", cerr[0] ? cerr : wn_strerror(crc));
			return 1;
		}
		printf("%s: OK\n", config);
		return 0;
	}
	log_init("broker", NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	broker *b = NULL;
	char err[1024] = "";
	int rc = broker_open(config, &b, err, sizeof(err));
	if (rc == 0)
		rc = broker_start(b, err, sizeof(err));
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "startup_failed", "%s", err[0] ? err : wn_strerror(rc));
		fprintf(stderr, "wijknet-broker: %s\n", err[0] ? err : wn_strerror(rc));
		broker_close(b);
		return 1;
	}
	int sig = 0;
	for (;;) {
		sigwait(&set, &sig);
		if (sig == SIGHUP)
			broker_hangup(b); /* reload, never stop */
		else if (sig != SIGPIPE)
			break;
	}
	log_msg(WN_LOG_INFO, "broker_stopping", "signal %d", sig);
	broker_close(b);
	/* connections nng is still tearing down are reaped, not left to a leak
	 * checker as lost */
	nng_fini();
	return 0;
}
