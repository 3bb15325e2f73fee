/*
 * cli.h — shared pieces of the wijknet command-line tool.
 */
#ifndef WN_NODE_CLI_H
#define WN_NODE_CLI_H

#include "wijknet.h"

#define CLI_NOT_OFFLINE (-1000)

/* Prints "wijknet: what: detail (name)" and returns the exit status. */
int cli_fail(const char *what, int rc, wn_client *c);

/* Commands that work on files without a node; CLI_NOT_OFFLINE otherwise. */
int cli_offline_command(const char *cmd, int argc, char **argv);

/* Commands that talk to the node; prints usage and returns 2 if unknown. */
int cli_online_command(wn_client *c, const char *cmd, int argc, char **argv);

#endif
