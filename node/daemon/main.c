/*
 * main.c — wijknet-node: parses the command line and wires the node's parts
 * together; runs until SIGINT or SIGTERM.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <nng/nng.h>

#include "wijknet.h"
#include "log.h"
#include "node.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: wijknet-node --config FILE\n"
		   "       wijknet-node --config FILE --check   (validate; no file made)\n"
		   "       wijknet-node --version\n"
		   "Runs a partner's node: its own records, its disclosure profile and log, the\n"
		   "inbound listener for the broker and the local API socket. Logs JSON to stderr.\n");
}

int main(int argc, char **argv)
{
	const char *config = NULL;
	int check = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config = argv[++i];
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("wijknet-node %s\n", WN_VERSION_STRING);
			return 0;
		} else if (strcmp(argv[i], "--check") == 0) {
			check = 1;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "wijknet-node: unknown argument '%s'\n", argv[i]);
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
		int crc = node_check(config, cerr, sizeof(cerr));
		if (crc != 0) {
			fprintf(stderr, "wijknet-node: %s\n", cerr[0] ? cerr : wn_strerror(crc));
			return 1;
		}
		printf("%s: OK\n", config);
		return 0;
	}
	log_init("node", NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	node *n = NULL;
	char err[1024] = "";
	int rc = node_open(config, &n, err, sizeof(err));
	if (rc == 0)
		rc = node_start(n, err, sizeof(err));
	if (rc != 0) {
		log_msg(WN_LOG_ERROR, "startup_failed", "%s", err[0] ? err : wn_strerror(rc));
		fprintf(stderr, "wijknet-node: %s\n", err[0] ? err : wn_strerror(rc));
		node_close(n);
		return 1;
	}
	int sig = 0;
	do {
		sigwait(&set, &sig);
		if (sig == SIGHUP)
			node_hangup(n); /* reload, never stop */
	} while (sig == SIGPIPE || sig == SIGHUP);
	log_msg(WN_LOG_INFO, "node_stopping", "signal %d", sig);
	int failed = node_failed(n);
	node_close(n);
	/* connections nng is still tearing down are reaped, not left to a leak
	 * checker as lost */
	nng_fini();
	return failed ? 1 : 0;
}
