/*
 * cli_status.c — the exit status of every WN_E… code, as wijknet(1) and the
 * README's table give it: 1 refused or a negative answer, 2 the command
 * line or an input invalid, 4 the node, the broker or this machine failed.
 */
#include <string.h>

#include "wijknet.h"
#include "cli.h"

/* Each code once; a code left out is a failure (4): a node newer than this
 * CLI may answer with one, and a refusal it cannot read is no refusal. */
static const struct {
	int rc, status;
} cli_statuses[] = {
	{ WN_EINVAL, CLI_USAGE },	    { WN_ENOMEM, CLI_FAILURE },
	{ WN_EIO, CLI_FAILURE },	    { WN_EJSON, CLI_USAGE },
	{ WN_ESCHEMA, CLI_USAGE },	    { WN_ETOOBIG, CLI_USAGE },
	{ WN_ESIG, CLI_FAILURE },	    { WN_ECERT, CLI_FAILURE },
	{ WN_EREVOKED, CLI_REFUSED },	    { WN_EEXPIRED, CLI_FAILURE },
	{ WN_EREPLAY, CLI_REFUSED },	    { WN_ESKEW, CLI_FAILURE },
	{ WN_ESEAL, CLI_FAILURE },	    { WN_ENORECEIPT, CLI_FAILURE },
	{ WN_EUNKNOWN_PARTNER, CLI_REFUSED }, { WN_ECONFIG, CLI_USAGE },
	{ WN_EDB, CLI_FAILURE },	    { WN_ECRYPTO, CLI_FAILURE },
	{ WN_ETRANSPORT, CLI_FAILURE },	    { WN_ETIMEOUT, CLI_FAILURE },
	{ WN_EBSN, CLI_USAGE },		    { WN_ENOTFOUND, CLI_REFUSED },
	{ WN_EDENIED, CLI_REFUSED },	    { WN_EPROTO, CLI_FAILURE },
	{ WN_EPURPOSE, CLI_USAGE },
	/* a partner outside the cluster: the CLI checks a cluster's code itself */
	{ WN_ECLUSTER, CLI_REFUSED },
	{ WN_ECATEGORY, CLI_USAGE },	    { WN_ELIMIT, CLI_REFUSED },
	{ WN_EUNAVAILABLE, CLI_FAILURE },   { WN_ESTATE, CLI_FAILURE },
	{ WN_EFORGED, CLI_FAILURE },	    { WN_ECONSENT, CLI_REFUSED },
	{ WN_EMOTIVATION, CLI_USAGE },	    { WN_ENOTMEMBER, CLI_REFUSED },
	{ WN_EGROUND, CLI_USAGE },	    { WN_ETAMPERED, CLI_FAILURE },
	{ WN_ENOTINCASE, CLI_REFUSED },	    { WN_EEXISTS, CLI_REFUSED },
	{ WN_EPENDING, CLI_REFUSED },	    { WN_ENOTICE, CLI_REFUSED },
};

int cli_status_of(int rc)
{
	if (rc == 0)
		return CLI_OK;
	for (size_t i = 0; i < sizeof(cli_statuses) / sizeof(cli_statuses[0]); i++)
		if (cli_statuses[i].rc == rc)
			return cli_statuses[i].status;
	return CLI_FAILURE;
}

/* 1 when what starts with one of the n command names in list. */
static int cli_command_in(const char *what, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(what, list[i], strlen(list[i])) == 0)
			return 1;
	return 0;
}

int cli_status_in(const char *what, int rc)
{
	/* a membership, policy, admin or breach step the state does not allow
	 * (a decided proposal, a partner not active), a rights request with
	 * no partner left to ask or a decision its standing does not allow, a
	 * rights notice carried out before, an outbox item not given up, is
	 * refused, not a failure */
	static const char *const decided[] = { "member", "policy", "admin", "breaches",
					       "rights again", "rights decide", "rights answer",
					       "rights notices --done", "outbox retry" };
	/* a join request or policy change read from a file: the cluster it names
	 * is no cluster's code (invalid input), not a partner outside one */
	static const char *const from_file[] = { "member join", "policy propose" };
	if (rc == WN_ESTATE && cli_command_in(what, decided, sizeof(decided) / sizeof(decided[0])))
		return CLI_REFUSED;
	if (rc == WN_ECLUSTER &&
	    cli_command_in(what, from_file, sizeof(from_file) / sizeof(from_file[0])))
		return CLI_USAGE;
	return cli_status_of(rc);
}
