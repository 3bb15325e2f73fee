/*
 * cli_commands.c — wijknet subcommands beyond health and directory.
 */
#include <stdio.h>

#include "cli.h"

int cli_offline_command(const char *cmd, int argc, char **argv)
{
	(void)cmd;
	(void)argc;
	(void)argv;
	return CLI_NOT_OFFLINE;
}

int cli_online_command(wn_client *c, const char *cmd, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	fprintf(stderr, "wijknet: unknown command '%s' (see wijknet --help)\n", cmd);
	return 2;
}
