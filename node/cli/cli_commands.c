/*
 * cli_commands.c — wijknet subcommands beyond health and directory: lookups
 * and the partner's own records. Each is a thin layer over libwijknet.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

const char *cli_opt(int argc, char **argv, int *i, const char *name)
{
	if (strcmp(argv[*i], name) != 0)
		return NULL;
	if (*i + 1 >= argc)
		exit(cli_invalid(name, "the option needs a value"));
	/* said before the node is asked: the command line alone is wrong */
	int status = cli_arg_check(name, argv[*i + 1]);
	if (status != 0)
		exit(status);
	return argv[++*i];
}

const char *cli_opt_renamed(int argc, char **argv, int *i, const char *old, const char *now)
{
	const char *v = cli_opt(argc, argv, i, old);
	if (v != NULL)
		fprintf(stderr, "wijknet: option %s is now called %s; the old name still works in "
			"0.5\n", old, now);
	return v;
}

#define JSON_FILE_MAX (16 * 1024) /* a motivation or an urgent interest */

char *cli_read_json_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		cli_invalid(path, "cannot open: %s", strerror(errno));
		return NULL;
	}
	char *buf = malloc(JSON_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, JSON_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (buf == NULL || n > JSON_FILE_MAX || n == 0) {
		cli_invalid(path, "%s", n == 0 ? "empty" : "larger than 16384 bytes");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

int cli_unknown_option(const char *cmd, const char *opt)
{
	return cli_invalid(cmd, "unknown option '%s'", opt);
}

const char **cli_split(char *s, size_t *n)
{
	size_t cap = 1;
	for (char *p = s; *p; p++)
		cap += *p == ',';
	const char **v = calloc(cap + 1, sizeof(char *));
	*n = 0;
	if (v == NULL)
		return NULL;
	for (char *tok = strtok(s, ","); tok != NULL; tok = strtok(NULL, ","))
		v[(*n)++] = tok;
	return v;
}

int cli_lookup_usage(void)
{
	fprintf(cli_usage_stream(), "usage: wijknet lookup (--bsn BSN [--consent ID] | --household BSN[:CONSENT],...)\n"
			"         --purpose CODE --ground CODE [--motivation FILE.json]\n"
			"         [--cluster jeugd|volwassenen|multiprobleem] [--partners a,b,...]\n"
			"         [--actor ID --role ROLE] [--deadline MS] [--json]\n"
			"A lookup rests on a lawful ground: consent (each person's own, held by this\n"
			"node), or legal_obligation, vital_interest, public_task, legitimate_interest\n"
			"or contract with its Bijlage 3 motivation.\n");
	return cli_usage("lookup");
}

/* "BSN[:CONSENT],..." in place into people (caller frees the array); NULL,
 * the item named, when one is not of that form. */
static wn_person *lookup_household(char *s, size_t *n)
{
	const char **items = cli_split(s, n);
	wn_person *people = items ? calloc(*n ? *n : 1, sizeof(*people)) : NULL;
	for (size_t i = 0; people != NULL && i < *n; i++) {
		char *colon = strchr(items[i], ':');
		if (colon != NULL)
			*colon = '\0';
		if (items[i][0] == '\0' || (colon != NULL && (colon[1] == '\0' ||
							    strchr(colon + 1, ':') != NULL))) {
			cli_invalid("lookup", "--household: item %zu is not BSN or BSN:CONSENT (a "
				    "comma-separated list, e.g. 999990019,999990044:ID)", i + 1);
			free(people);
			people = NULL;
			break;
		}
		people[i].bsn = items[i];
		people[i].consent_id = colon ? colon + 1 : NULL;
	}
	free(items);
	return people;
}

static void lookup_print(const wn_lookup_params *p, const wn_lookup_result *r, int json)
{
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < r->count; i++) {
			wn_lookup_answer *a = &r->answers[i];
			json_t *e = json_pack("{s:s,s:i,s:s}", "partner", a->partner, "person",
					      (int)a->person, "outcome", a->outcome);
			if (a->reason)
				json_object_set_new(e, "reason", json_string(a->reason));
			json_array_append_new(arr, e);
		}
		cli_print_json(json_pack("{s:s,s:s,s:o}", "request_id", r->request_id, "ground",
					 p->ground, "answers", arr));
		return;
	}
	size_t people = p->people ? p->npeople : 1;
	printf("lookup %s (purpose %s, ground %s, %zu partner answer(s) about %zu person(s))\n",
	       r->request_id, p->purpose, p->ground, r->count, people);
	size_t wid = 26, wname = 4;
	for (size_t i = 0; i < r->count; i++) {
		size_t w = cli_text_width(r->answers[i].partner);
		wid = w > wid ? w : wid;
		w = cli_text_width(r->answers[i].name);
		wname = w > wname ? w : wname;
	}
	cli_print_cell("PARTNER", wid);
	cli_print_cell("NAME", wname);
	printf("%-7s %-12s %s\n", "PERSON", "ANSWER", "REASON");
	for (size_t i = 0; i < r->count; i++) {
		wn_lookup_answer *a = &r->answers[i];
		cli_print_cell(a->partner, wid);
		cli_print_cell(a->name, wname);
		printf("%-7zu %-12s %s\n", a->person + 1, a->outcome, a->reason ? a->reason : "");
	}
}

static int cmd_lookup(wn_client *c, int argc, char **argv)
{
	wn_lookup_params p;
	int json = 0, status = 2;
	char *partners = NULL, *household = NULL, *motivation = NULL;
	const char *v, *motivation_file = NULL, **list = NULL;
	wn_person *people = NULL;
	memset(&p, 0, sizeof(p));
	for (int i = 0; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--bsn")))
			p.bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--household"))) {
			free(household);
			household = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--purpose")))
			p.purpose = v;
		else if ((v = cli_opt(argc, argv, &i, "--ground")))
			p.ground = v;
		else if ((v = cli_opt(argc, argv, &i, "--motivation")))
			motivation_file = v;
		else if ((v = cli_opt(argc, argv, &i, "--cluster")))
			p.cluster = v;
		else if ((v = cli_opt(argc, argv, &i, "--partners"))) {
			free(partners);
			partners = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--actor")))
			p.actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			p.actor.role = v;
		else if ((v = cli_opt(argc, argv, &i, "--deadline"))) {
			long long ms = 0;
			if ((status = cli_int("lookup", "--deadline", v, 0, 60000, &ms)) != 0)
				goto out;
			p.deadline_ms = (int)ms;
		} else if ((v = cli_opt(argc, argv, &i, "--consent")))
			p.consent_id = v;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			status = cli_unknown_option("lookup", argv[i]);
			goto out;
		}
	}
	if ((p.bsn == NULL) == (household == NULL) || p.purpose == NULL || p.ground == NULL) {
		status = cli_lookup_usage();
		goto out;
	}
	if (p.bsn != NULL && strcmp(p.ground, "consent") == 0 && p.consent_id == NULL) {
		status = cli_invalid("lookup", "--ground consent names the person's consent: "
				     "--consent ID");
		goto out;
	}
	cli_default_actor(&p.actor);
	if (household != NULL && (p.people = people = lookup_household(household,
								      &p.npeople)) == NULL) {
		status = CLI_USAGE;
		goto out;
	}
	if (partners != NULL)
		p.partners = list = cli_split(partners, &p.npartners);
	if (motivation_file != NULL && (p.motivation_json = motivation =
						cli_read_json_file(motivation_file)) == NULL) {
		status = CLI_USAGE;
		goto out;
	}
	wn_lookup_result *r = NULL;
	int rc = wn_lookup(c, &p, &r);
	if (rc != 0) {
		status = cli_fail("lookup", rc, c);
		goto out;
	}
	lookup_print(&p, r, json);
	status = CLI_OK;
	/* "unavailable" is no answer: the lookup was done in part */
	for (size_t k = 0; k < r->count; k++)
		if (strcmp(r->answers[k].outcome, "unavailable") == 0 ||
		    strcmp(r->answers[k].outcome, "invalid") == 0 ||
		    strcmp(r->answers[k].outcome, "error") == 0)
			status = CLI_PARTIAL;
	wn_lookup_result_free(r);
out:
	free(list);
	free(people);
	free(partners);
	free(household);
	free(motivation);
	return status;
}

static int cmd_records_import(wn_client *c, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: wijknet records import FILE.jsonl\n");
		return cli_usage("records import");
	}
	FILE *f = strcmp(argv[0], "-") == 0 ? stdin : fopen(argv[0], "r");
	if (f == NULL)
		return cli_invalid("records import", "%s: cannot open", argv[0]);
	wn_import *im = NULL;
	int rc = wn_import_begin(c, &im);
	if (rc != 0) {
		if (f != stdin)
			fclose(f);
		return cli_fail("records import", rc, c);
	}
	char *line = NULL;
	size_t cap = 0;
	long n = 0, records = 0;
	ssize_t len;
	int progress = isatty(STDERR_FILENO) || getenv("WIJKNET_PROGRESS") != NULL;
	while ((len = getline(&line, &cap, f)) >= 0) {
		n++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue; /* blank lines are allowed */
		if ((rc = wn_import_add(im, n, line)) != 0)
			break;
		records++;
		if (progress && records % 10000 == 0)
			fprintf(stderr, "\rwijknet: %ld records validated and staged...", records);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (progress && records >= 10000)
		fprintf(stderr, "\n");
	if (rc != 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", wn_client_errmsg(c));
		wn_import_abort(im);
		return cli_error("records import", rc, "%s: %s; nothing was imported", argv[0], msg);
	}
	long imported = 0;
	if ((rc = wn_import_commit(im, &imported)) != 0)
		return cli_fail("records import (nothing was imported)", rc, c);
	return cli_done(json_pack("{s:I,s:s}", "imported", (json_int_t)imported, "file", argv[0]),
			"imported %ld record(s) from %s", imported, argv[0]);
}

/* argv without --json (read by main already), in a malloc'd array of *n. */
static char **records_args(int argc, char **argv, int *n)
{
	char **out = calloc((size_t)argc + 1, sizeof(*out));
	*n = 0;
	for (int i = 0; out != NULL && i < argc; i++)
		if (strcmp(argv[i], "--json") != 0)
			out[(*n)++] = argv[i];
	return out;
}

int cli_records_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet records import FILE.jsonl\n"
		"       wijknet records put --bsn BSN --category CODE --content JSON"
		" [--professional ID] [--retention YYYY-MM-DD]\n"
		"       wijknet records delete --bsn BSN --category CODE\n"
		"       wijknet records purge\n"
		"A record's content is a JSON object; --retention defaults to two years from\n"
		"today; --professional to the logged-in user.\n");
	return cli_usage("records");
}

static json_t *purge_counts_json(const wn_purge_counts *k, int complete)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "purged", (json_int_t)k->records,
			 "consents", (json_int_t)k->consents, "notices", (json_int_t)k->notices,
			 "rights", (json_int_t)k->rights, "other", (json_int_t)k->other,
			 "pseudonyms", (json_int_t)k->pseudonyms, "complete", complete);
}

/* Says what went, kind by kind: an operator checks a purge against the
 * retention policy, not only the records. */
static int cmd_records_purge(wn_client *c)
{
	wn_purge_counts k;
	int rc = wn_records_purge_counts(c, &k);
	if (rc == WN_ESTATE) { /* the records went; the rest waits for the policy */
		fprintf(stderr, "wijknet: records purge: %s\n", wn_client_errmsg(c));
		json_t *o = purge_counts_json(&k, 0);
		json_object_set_new(o, "message", json_string(wn_client_errmsg(c)));
		cli_done(o, "purged %ld record(s) past their retention date; the rest waits",
			 k.records);
		return CLI_PARTIAL;
	}
	if (rc != 0)
		return cli_fail("records purge", rc, c);
	return cli_done(purge_counts_json(&k, 1),
			"purged past their retention date: %ld record(s), %ld consent(s) or "
			"refusal(s), %ld notice(s), %ld rights request(s), %ld other duty "
			"record(s); pseudonyms removed from %ld log row(s) and ledger entries",
			k.records, k.consents, k.notices, k.rights, k.other, k.pseudonyms);
}

static int cmd_records_of(wn_client *c, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "import") == 0)
		return cmd_records_import(c, argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "purge") == 0)
		return cmd_records_purge(c);
	if (argc >= 1 && (strcmp(argv[0], "put") == 0 || strcmp(argv[0], "delete") == 0)) {
		wn_record r = { 0 };
		const char *v;
		for (int i = 1; i < argc; i++) {
			if ((v = cli_opt(argc, argv, &i, "--bsn")))
				r.bsn = v;
			else if ((v = cli_opt(argc, argv, &i, "--category")))
				r.category = v;
			else if ((v = cli_opt(argc, argv, &i, "--content")))
				r.content_json = v;
			else if ((v = cli_opt(argc, argv, &i, "--professional")))
				r.professional = v;
			else if ((v = cli_opt(argc, argv, &i, "--retention")))
				r.retention = v;
			else
				return cli_unknown_option("records", argv[i]);
		}
		int rc;
		if (argv[0][0] == 'p') {
			if (r.professional == NULL)
				r.professional = cli_login_name();
			rc = wn_record_put(c, &r);
		} else {
			rc = wn_record_delete(c, r.bsn ? r.bsn : "", r.category ? r.category : "");
		}
		if (rc != 0)
			return cli_fail(argv[0][0] == 'p' ? "records put" : "records delete", rc, c);
		const char *done = argv[0][0] == 'p' ? "stored" : "deleted";
		return cli_done(json_pack("{s:s}", "done", done), "%s", done);
	}
	return cli_records_usage();
}

static int cmd_records(wn_client *c, int argc, char **argv)
{
	int n = 0;
	char **args = records_args(argc, argv, &n);
	if (args == NULL)
		return cli_error("records", WN_ENOMEM, "out of memory");
	int status = cmd_records_of(c, n, args);
	free(args);
	return status;
}

size_t cli_text_width(const char *s)
{
	size_t n = 0;
	for (; s != NULL && *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80; /* continuation bytes add no width */
	return n;
}

void cli_print_cell(const char *s, size_t width)
{
	size_t w = cli_text_width(s);
	fputs(s != NULL ? s : "", stdout);
	for (; w < width; w++)
		putchar(' ');
	putchar(' ');
}

void cli_print_json(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	puts(s ? s : "{}");
	free(s);
	json_decref(v);
}

const char *cli_login_name(void)
{
	/* the account the command runs as, also where $USER is not set (cron) */
	struct passwd *pw = getpwuid(getuid());
	if (pw != NULL && pw->pw_name != NULL && pw->pw_name[0] != '\0')
		return pw->pw_name;
	const char *s = getenv("USER");
	return s != NULL && s[0] != '\0' ? s : "unknown";
}

void cli_default_actor(wn_actor *a)
{
	if (a->id == NULL)
		a->id = cli_login_name();
	if (a->role == NULL)
		a->role = "professional";
}

int cli_offline_command(const char *cmd, const char *config, int argc, char **argv)
{
	if (strcmp(cmd, "audit") == 0)
		return cli_audit(config, argc, argv);
	if (strcmp(cmd, "report") == 0)
		return cli_report_offline(argc, argv);
	if (strcmp(cmd, "admin") == 0 || strcmp(cmd, "breaches") == 0)
		return cli_admin(config, cmd, argc, argv);
	return CLI_NOT_OFFLINE;
}

/* wijknet rights status|answer read the municipality's record; the rest of
 * rights goes to the partners */
static int cmd_rights(wn_client *c, int argc, char **argv)
{
	if (argc >= 1 && (strcmp(argv[0], "status") == 0 || strcmp(argv[0], "answer") == 0))
		return cli_rights_status(c, argc, argv);
	return cli_rights(c, argc, argv);
}

static const struct {
	const char *name;
	int (*run)(wn_client *c, int argc, char **argv);
} online[] = {
	{ "lookup", cmd_lookup },	  { "records", cmd_records },	  { "case", cli_case },
	{ "consent", cli_consent },	  { "request", cli_request },	  { "duty", cli_duty },
	{ "thirdparty", cli_thirdparty }, { "rights", cmd_rights },	  { "notices", cli_notices },
	{ "backup", cli_backup },	  { "report", cli_report },	  { "stats", cli_stats },
	{ "member", cli_member },	  { "policy", cli_policy },	  { "outbox", cli_outbox },
};

int cli_online_known(const char *cmd)
{
	for (size_t i = 0; i < sizeof(online) / sizeof(online[0]); i++)
		if (strcmp(cmd, online[i].name) == 0)
			return 1;
	return 0;
}

int cli_online_command(wn_client *c, const char *cmd, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(online) / sizeof(online[0]); i++)
		if (strcmp(cmd, online[i].name) == 0)
			return online[i].run(c, argc, argv);
	return cli_invalid(cmd, "unknown command (see wijknet --help)");
}
