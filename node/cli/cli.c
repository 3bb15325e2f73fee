/*
 * cli.c — the `wijknet` command-line tool for a partner's professionals and
 * IT staff. Built on the public libwijknet API only: every command is a call
 * to the local node.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wijknet.h"
#include "cli.h"
#include "date.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: wijknet [--socket URL | --config NODE.json] COMMAND [ARGS]\n"
		"\n"
		"The local node is found through --socket, else --config (its \"local\" key),\n"
		"else $WIJKNET_SOCKET, else $WIJKNET_CONFIG.\n"
		"\n"
		"commands:\n"
		"  health [--json]       the broker pings every partner's node; who is up\n"
		"  directory [--json]    the partners in the verified directory\n"
		"  lookup (--bsn BSN [--consent ID] | --household BSN[:CONSENT],...) --purpose CODE\n"
		"         --ground CODE [--motivation FILE] [--cluster C] [--partners a,b,...]\n"
		"         [--actor ID --role ROLE] [--deadline MS] [--json]\n"
		"                        known / not-known at the partners in scope\n"
		"  request --case ID --to P --bsn BSN --categories a,b --purpose CODE --ground CODE\n"
		"         [--consent ID | --motivation FILE] [--json]\n"
		"                        ask one partner for data within a case (see: request)\n"
		"  duty assert --case ID --bsn BSN --to P --categories a,b --motivation FILE\n"
		"                        this partner's own conflict-of-duties judgement\n"
		"  thirdparty propose|declare|approve|reject|list\n"
		"                        disclosure to an incidental partner (Bijlage 6)\n"
		"  rights request|again|list|show|decide|notices|status|answer\n"
		"                        a client's correction, completion, deletion, shielding or\n"
		"                        objection; status and the written answer at the municipality\n"
		"  notices list|show|render|sent\n"
		"                        the municipality's queue of notices to the client\n"
		"  report access --bsn BSN [--page N] [--json] [--out FILE]\n"
		"                        the client's access report (municipality's node)\n"
		"  report html REPORT.json [--out FILE]\n"
		"                        a saved report as a page in Dutch for the client\n"
		"  stats --month YYYY-MM [--csv|--json]\n"
		"                        anonymous management information of the federation\n"
		"  audit verify|prove|check [FILE]\n"
		"                        offline checks of a tamper-evident log (a database file;\n"
		"                        with --config, the daemon's own)\n"
		"  records import FILE   import records (JSON lines), all or nothing\n"
		"  records put|delete    store or delete one record\n"
		"  records purge         remove now the records past their retention date\n"
		"  backup --out DIR      a consistent copy of the node's database and key file\n"
		"  outbox list [--failed], outbox retry --item ID | --failed\n"
		"                        what waits to be delivered through the broker, what was\n"
		"                        given up, and putting that back in the queue\n"
		"  case open|join|leave|close|list|informed|person|director|check\n"
		"                        cases and the partners that take part in them\n"
		"  consent register|refuse FILE, consent revoke --consent ID, consent list\n"
		"                        the client's consents, kept at this node\n"
		"  member join|status|withdraw|list|approve|reject|notice|end|address\n"
		"                        membership of the federation (Heerlen 14, 15)\n"
		"  policy show|propose|withdraw\n"
		"                        the federation's policy, changed by agreement\n"
		"  admin status|partners|suspend|resume|revoke|rekey|reload (--config BROKER.json)\n"
		"                        the broker operator's view and actions\n"
		"  breaches list|show|assess|notify (--config BROKER.json)\n"
		"                        the breach register\n"
		"  version               print the version (also --version)\n"
		"\n"
		"Every command takes --help; its command line is checked before the node is asked.\n"
		"Exit status: 0 done, 1 refused or negative, 2 usage or invalid input,\n"
		"3 done in part (partners unavailable, report incomplete), 4 failure (the node,\n"
		"the broker or this machine). With --json, errors are JSON on stdout too.\n");
}

int cli_json;

int cli_done(json_t *result, const char *fmt, ...)
{
	if (cli_json) {
		cli_print_json(result ? result : json_pack("{s:b}", "done", 1));
		return 0;
	}
	json_decref(result);
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return 0;
}

int cli_fail(const char *what, int rc, wn_client *c)
{
	const char *detail = c ? wn_client_errmsg(c) : "";
	if (detail == NULL || !detail[0])
		detail = wn_strerror(rc);
	/* the node not ready yet (no verified directory) is a failure everywhere */
	int status = rc == WN_ESTATE && strstr(detail, "no verified directory") != NULL
			     ? CLI_FAILURE
			     : cli_status_in(what, rc);
	if (cli_json) {
		/* on stdout, where a program reading --json output looks */
		cli_print_json(json_pack("{s:{s:s,s:i,s:s,s:s,s:i}}", "error", "command", what,
					 "code", rc, "name", wn_errname(rc), "message", detail,
					 "exit", status));
	}
	fprintf(stderr, "wijknet: %s: %s (%s)\n", what, detail, wn_errname(rc));
	return status;
}

/* Says the error (named: with rc's name on stderr, as cli_fail does);
 * returns status. */
static int cli_verror(const char *what, int rc, int status, int named, const char *fmt,
		      va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (cli_json)
		cli_print_json(json_pack("{s:{s:s,s:i,s:s,s:s,s:i}}", "error", "command", what,
					 "code", rc, "name", wn_errname(rc), "message", msg,
					 "exit", status));
	if (named)
		fprintf(stderr, "wijknet: %s: %s (%s)\n", what, msg, wn_errname(rc));
	else
		fprintf(stderr, "wijknet: %s: %s\n", what, msg);
	return status;
}

int cli_invalid_as(const char *what, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int status = cli_verror(what, rc, CLI_USAGE, 1, fmt, ap);
	va_end(ap);
	return status;
}

int cli_invalid(const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int status = cli_verror(what, WN_EINVAL, CLI_USAGE, 0, fmt, ap);
	va_end(ap);
	return status;
}

int cli_error(const char *what, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int status = cli_verror(what, rc, cli_status_of(rc), 0, fmt, ap);
	va_end(ap);
	return status;
}

static int cli_help_asked; /* --help: usage on stdout, exit 0 */

FILE *cli_usage_stream(void)
{
	return cli_help_asked ? stdout : stderr;
}

int cli_usage(const char *cmd)
{
	if (cli_json && !cli_help_asked)
		cli_print_json(json_pack("{s:{s:s,s:i,s:s,s:s,s:i}}", "error", "command", cmd,
					 "code", WN_EINVAL, "name", wn_errname(WN_EINVAL),
					 "message", "the command line is incomplete or invalid "
					 "(the usage is on stderr)", "exit", CLI_USAGE));
	return CLI_USAGE;
}

int cli_int(const char *what, const char *opt, const char *v, long long min, long long max,
	    long long *out)
{
	char *end = NULL;
	errno = 0;
	long long n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
		return cli_invalid(what, "%s '%s': not a whole number from %lld to %lld", opt, v,
				   min, max);
	*out = n;
	return 0;
}

/* The commands whose options have a usage of their own. */
static const struct {
	const char *cmd;
	int (*usage)(void);
} command_usage[] = {
	{ "admin", cli_admin_usage },	    { "breaches", cli_admin_usage },
	{ "audit", cli_audit_usage },	    { "backup", cli_backup_usage },
	{ "case informed", cli_case_informed_usage },
	{ "case", cli_case_usage },	    { "consent", cli_consent_usage },
	{ "duty", cli_duty_usage },	    { "lookup", cli_lookup_usage },
	{ "member", cli_member_usage },	    { "policy", cli_member_usage },
	{ "notices", cli_notices_usage },   { "records", cli_records_usage },
	{ "outbox", cli_outbox_usage },
	{ "report", cli_report_usage },	    { "request", cli_request_usage },
	{ "rights", cli_rights_usage },	    { "stats", cli_stats_usage },
	{ "thirdparty", cli_thirdparty_usage },
};

static int usage_known(const char *cmd)
{
	for (size_t k = 0; k < sizeof(command_usage) / sizeof(command_usage[0]); k++)
		if (strcmp(cmd, command_usage[k].cmd) == 0)
			return 1;
	return 0;
}

/* `wijknet CMD --help`: the command's own usage, else the lines of the
 * overall usage that concern it. */
static int usage_of(const char *cmd)
{
	for (size_t k = 0; k < sizeof(command_usage) / sizeof(command_usage[0]); k++)
		if (strcmp(cmd, command_usage[k].cmd) == 0) {
			cli_help_asked = 1;
			command_usage[k].usage();
			printf("\nexit status: 0 done, 1 refused or negative, 2 usage or invalid "
			       "input, 3 done in part (partners unavailable, report incomplete), "
			       "4 failure\n");
			return CLI_OK;
		}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		return CLI_FAILURE;
	usage(f);
	fclose(f);
	size_t n = strlen(cmd);
	int printing = 0, found = 0;
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		const char *p = line;
		while (*p == ' ')
			p++;
		int starts = p - line == 2 && strncmp(p, cmd, n) == 0 &&
			     (p[n] == ' ' || p[n] == '\0');
		if (p - line == 2)
			printing = starts;
		if (printing || p == line) {
			if (printing)
				found = 1;
			if (printing || strncmp(line, "usage:", 6) == 0)
				printf("%s\n", line);
		}
	}
	free(text);
	if (!found)
		printf("(see wijknet --help for every command)\n");
	printf("\nexit status: 0 done, 1 refused or negative, 2 usage or invalid input, "
	       "3 done in part (partners unavailable, report incomplete), 4 failure\n");
	return CLI_OK;
}

/* The config in effect, when there is one, must be a JSON file this user
 * can read: said once, as the command's error, before anything uses it. */
static int cli_config_readable(const char *cmd, const char *given, const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (root == NULL && jerr.line > 0)
		return cli_invalid(cmd, "%s %s: not a JSON config (line %d: %s)", given, path,
				   jerr.line, jerr.text);
	if (root == NULL)
		return cli_invalid(cmd, "%s %s: %s", given, path, jerr.text);
	int object = json_is_object(root);
	json_decref(root);
	if (!object)
		return cli_invalid(cmd, "%s %s: not a JSON config (an object of keys)", given,
				   path);
	return 0;
}

/* Reads the "local" key of a node config; NULL with why (a broker's config,
 * no key) said as cmd's error. Caller frees. */
static char *cli_socket_from_config(const char *cmd, const char *path)
{
	json_t *root = json_load_file(path, 0, NULL);
	const char *local = json_string_value(json_object_get(root, "local"));
	char *s = local ? strdup(local) : NULL;
	if (s == NULL && json_object_get(root, "broker") == NULL &&
	    json_object_get(root, "listen") != NULL)
		/* a broker's config: the command is one of a node's */
		cli_invalid(cmd, "%s is a broker's config; this command asks a node: give the "
			    "node's config (its key 'local'), or see 'wijknet admin --help' for the "
			    "broker's commands", path);
	else if (s == NULL)
		cli_invalid(cmd, "%s: key 'local': expected the node's ipc:// address", path);
	json_decref(root);
	return s;
}

/* A member whose node should answer: one that is suspended, ended or
 * revoked is not down, it is out, and no reason to alarm an operator. */
static int partner_expected_up(const wn_partner *p)
{
	return p->status != NULL && (strcmp(p->status, "active") == 0 ||
				     strcmp(p->status, "notice") == 0);
}

static int cmd_partners(wn_client *c, int health, int argc, char **argv)
{
	int json = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return cli_unknown_option(health ? "health" : "directory", argv[i]);
	}
	wn_partner_list *l = NULL;
	int rc = health ? wn_health(c, &l) : wn_directory(c, &l);
	if (rc != 0)
		return cli_fail(health ? "health" : "directory", rc, c);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l->count; i++) {
			wn_partner *p = &l->items[i];
			json_t *e = json_pack("{s:s,s:s,s:s,s:b}", "id", p->id, "name", p->name,
					      "status", p->status, "seal_key", p->has_seal_key);
			if (health) {
				json_object_set_new(e, "state", json_string(p->state));
				json_object_set_new(e, "rtt_ms", json_real(p->rtt_ms));
				/* whether its state counts toward exit 3 */
				json_object_set_new(e, "counted", json_boolean(partner_expected_up(p)));
			} else {
				json_object_set_new(e, "address", json_string(p->address));
			}
			json_array_append_new(arr, e);
		}
		json_t *o = json_pack("{s:s,s:s,s:o}", "self", l->self, "broker", l->broker,
				      "partners", arr);
		if (health) {
			json_object_set_new(o, "broker_up", json_boolean(l->broker_up));
			if (l->broker_error != NULL)
				json_object_set_new(o, "broker_error", json_string(l->broker_error));
			json_object_set_new(o, "broker_refused", json_boolean(l->broker_refused));
			if (l->directory_fetched_at > 0)
				json_object_set_new(o, "directory_fetched_at",
						    json_integer(l->directory_fetched_at));
			json_object_set_new(o, "cert_seconds_left", json_integer(l->cert_seconds_left));
			json_object_set_new(o, "crl_seconds_left", json_integer(l->crl_seconds_left));
			json_object_set_new(o, "broker_audit_behind",
					    json_integer(l->broker_audit_behind));
		} else {
			json_object_set_new(o, "policy_version", json_integer(l->policy_version));
		}
		cli_print_json(o);
	} else if (health) {
		printf("node %s — broker %s %s\n", l->self, l->broker,
		       l->broker_up ? "up" : l->broker_refused ? "reached, refusing this node"
							   : "DOWN (unreachable)");
		if (!l->broker_up && l->broker_error != NULL)
			printf("%s: %s\n", l->broker_refused ? "REFUSED" : "ERROR", l->broker_error);
		/* a lapsed CRL makes TLS refuse everyone: warn a week ahead */
		if (l->crl_seconds_left == 0)
			printf("ERROR: the CRL has lapsed: every TLS handshake is refused; reissue it "
			       "(wijknet-ca crl)\n");
		else if (l->crl_seconds_left > 0 && l->crl_seconds_left < 7L * 86400)
			printf("WARNING: the CRL lapses in %ld hours: reissue it (wijknet-ca crl)\n",
			       l->crl_seconds_left / 3600);
		if (l->broker_audit_behind > 0)
			printf("WARNING: the broker's audit log is behind what %d partner%s witnessed: "
			       "restored from an older backup? its registry and policy went back "
			       "with it (its operator: wijknet admin status)\n",
			       l->broker_audit_behind, l->broker_audit_behind == 1 ? "" : "s");
		if (l->cert_seconds_left == 0)
			printf("ERROR: this node's certificate has lapsed\n");
		else if (l->cert_seconds_left > 0 && l->cert_seconds_left < 7L * 86400)
			printf("WARNING: this node's certificate lapses in %ld hours\n",
			       l->cert_seconds_left / 3600);
		printf("%-26s %-9s %9s  %-10s %s\n", "PARTNER", "STATE", "RTT", "STATUS", "SEAL KEY");
		size_t up = 0, expected = 0;
		for (size_t i = 0; i < l->count; i++) {
			wn_partner *p = &l->items[i];
			char rtt[32] = "-";
			if (p->rtt_ms >= 0)
				snprintf(rtt, sizeof(rtt), "%.1f ms", p->rtt_ms);
			printf("%-26s %-9s %9s  %-10s %s\n", p->id, p->state, rtt, p->status,
			       p->has_seal_key ? "yes" : "no");
			expected += partner_expected_up(p);
			up += partner_expected_up(p) && strcmp(p->state, "up") == 0;
		}
		if (l->directory_fetched_at > 0) {
			/* only the broker pings them: whether they are up is not known here */
			char when[DATE_TIME_LEN + 1];
			date_time_of_ms(l->directory_fetched_at, when);
			printf("%zu partners in the directory this node holds (fetched %s); their "
			       "state is unknown while the broker is unreachable\n", l->count, when);
		} else {
			printf("%zu of %zu partners up", up, expected);
			if (l->count > expected)
				printf(" (%zu suspended, ended or revoked not counted)",
				       l->count - expected);
			printf("\n");
		}
	} else {
		printf("%-26s %-10s %-8s %s\n", "PARTNER", "STATUS", "SEAL KEY", "ADDRESS");
		for (size_t i = 0; i < l->count; i++) {
			wn_partner *p = &l->items[i];
			printf("%-26s %-10s %-8s %s\n", p->id, p->status, p->has_seal_key ? "yes" : "no",
			       p->address);
		}
	}
	int status = CLI_OK;
	if (health && l->broker_refused) {
		status = CLI_REFUSED; /* not (or no longer) a member: the broker said so */
	} else if (health && (!l->broker_up || l->crl_seconds_left == 0 ||
			      l->cert_seconds_left == 0)) {
		status = CLI_FAILURE; /* down, or nothing can be verified any more */
	} else if (health) {
		/* a member down, or a certificate or CRL lapsing within a week */
		for (size_t i = 0; i < l->count; i++)
			if (partner_expected_up(&l->items[i]) && strcmp(l->items[i].state, "up") != 0)
				status = CLI_PARTIAL;
		if ((l->crl_seconds_left >= 0 && l->crl_seconds_left < 7L * 86400) ||
		    (l->cert_seconds_left >= 0 && l->cert_seconds_left < 7L * 86400) ||
		    l->broker_audit_behind > 0)
			status = CLI_PARTIAL;
	}
	wn_partner_list_free(l);
	return status;
}

int main(int argc, char **argv)
{
	const char *socket = NULL, *config = NULL;
	for (int k = 1; k < argc; k++)
		if (strcmp(argv[k], "--json") == 0)
			cli_json = 1;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "--socket") == 0 || strcmp(argv[i], "-s") == 0) && i + 1 < argc)
			socket = argv[++i];
		else if ((strcmp(argv[i], "--config") == 0 || strcmp(argv[i], "-c") == 0) && i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			printf("wijknet %s\n", WN_VERSION_STRING);
			return 0;
		} else {
			fprintf(stderr, "wijknet: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return cli_usage("wijknet");
		}
	}
	if (i >= argc) {
		usage(stderr);
		return cli_usage("wijknet");
	}
	const char *cmd = argv[i++];
	if (strcmp(cmd, "version") == 0) {
		printf("wijknet %s\n", WN_VERSION_STRING);
		return 0;
	}
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (int k = i; k < argc; k++) {
		if (strcmp(argv[k], "--help") != 0 && strcmp(argv[k], "-h") != 0)
			continue;
		/* a subcommand with a usage of its own: `wijknet case informed --help` */
		char both[64];
		if (i < argc && argv[i][0] != '-' &&
		    (size_t)snprintf(both, sizeof(both), "%s %s", cmd, argv[i]) < sizeof(both) &&
		    usage_known(both))
			return usage_of(both);
		return usage_of(cmd);
	}
	const char *used = config != NULL ? config
			   : socket == NULL && getenv("WIJKNET_SOCKET") == NULL
				   ? getenv("WIJKNET_CONFIG") : NULL;
	if (used != NULL &&
	    cli_config_readable(cmd, config != NULL ? "--config" : "WIJKNET_CONFIG", used) != 0)
		return CLI_USAGE;
	int offline = cli_offline_command(cmd, config ? config : getenv("WIJKNET_CONFIG"),
					  argc - i, argv + i);
	if (offline != CLI_NOT_OFFLINE)
		return offline;
	if (strcmp(cmd, "health") != 0 && strcmp(cmd, "directory") != 0 && !cli_online_known(cmd))
		return cli_invalid(cmd, "unknown command (see wijknet --help)");
	/* what the command needs is said before the node is asked */
	int status = cli_args_required(cmd, argc - i, argv + i);
	if (status != 0)
		return status;
	char *owned = NULL;
	if (socket == NULL && config == NULL) {
		socket = getenv("WIJKNET_SOCKET");
		if (socket == NULL)
			config = getenv("WIJKNET_CONFIG");
	}
	if (socket == NULL && config != NULL) {
		socket = owned = cli_socket_from_config(cmd, config);
		if (socket == NULL)
			return CLI_USAGE; /* said why */
	}
	if (socket == NULL)
		return cli_invalid(cmd, "no node given: use --socket ipc://PATH or --config NODE.json");
	/* reached at the command's first call: its own checks of the command
	 * line come first, whether or not the node runs */
	wn_client *c = NULL;
	int rc = wn_client_open_deferred(&c, socket);
	if (rc == WN_EINVAL) {
		rc = cli_invalid(cmd, "--socket %s: the node's local socket is ipc://PATH, a "
				 "path of 1 to 107 bytes", socket);
		free(owned);
		return rc;
	}
	if (rc != 0) {
		rc = cli_error(cmd, rc, "cannot open a socket for the node at %s", socket);
		free(owned);
		return rc;
	}
	if (strcmp(cmd, "health") == 0)
		status = cmd_partners(c, 1, argc - i, argv + i);
	else if (strcmp(cmd, "directory") == 0)
		status = cmd_partners(c, 0, argc - i, argv + i);
	else
		status = cli_online_command(c, cmd, argc - i, argv + i);
	wn_client_close(c);
	free(owned);
	return status;
}
