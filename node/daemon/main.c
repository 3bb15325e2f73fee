/*
 * main.c — wijknet-node: wires the node's parts into the daemon's main
 * (common/daemon.c); runs until SIGINT or SIGTERM, SIGHUP reloads.
 */
#include "daemon.h"
#include "node.h"

static int open_node(const char *config, void **out, char *err, size_t errcap)
{
	node *n = NULL;
	int rc = node_open(config, &n, err, errcap);
	*out = n;
	return rc;
}

static int start_node(void *n, char *err, size_t errcap)
{
	return node_start(n, err, errcap);
}

static void hangup_node(void *n)
{
	node_hangup(n);
}

static int failed_node(void *n)
{
	return node_failed(n);
}

static void close_node(void *n)
{
	node_close(n);
}

static void accept_gap_node(void *n)
{
	node_accept_ledger_gap(n);
}

static const struct daemon_ops node_daemon = {
	"wijknet-node", "node",
	"Runs a partner's node: its own records, its disclosure profile and log, the\n"
	"inbound listener for the broker and the local API socket. Logs JSON to stderr.\n",
	node_check, open_node, start_node, hangup_node, failed_node, close_node,
	"--accept-ledger-gap", "a restored backup: the lost ledger entries recorded, then run",
	accept_gap_node,
};

int main(int argc, char **argv)
{
	return daemon_main(argc, argv, &node_daemon);
}
