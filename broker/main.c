/*
 * main.c — wijknet-broker: wires the broker's parts into the daemon's main
 * (common/daemon.c); runs until SIGINT or SIGTERM, SIGHUP reloads.
 */
#include "broker.h"
#include "daemon.h"

static int open_broker(const char *config, void **out, char *err, size_t errcap)
{
	broker *b = NULL;
	int rc = broker_open(config, &b, err, errcap);
	*out = b;
	return rc;
}

static int start_broker(void *b, char *err, size_t errcap)
{
	return broker_start(b, err, errcap);
}

static void hangup_broker(void *b)
{
	broker_hangup(b);
}

static void close_broker(void *b)
{
	broker_close(b);
}

static const struct daemon_ops broker_daemon = {
	"wijknet-broker", "broker",
	"Runs the federation broker: partner registry, directory, routing and the\n"
	"metadata audit log. Logs JSON lines to stderr.\n",
	broker_check, open_broker, start_broker, hangup_broker, NULL, close_broker, NULL, NULL, NULL,
};

int main(int argc, char **argv)
{
	return daemon_main(argc, argv, &broker_daemon);
}
