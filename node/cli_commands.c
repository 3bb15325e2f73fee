/*
 * cli_commands.c — wijknet subcommands beyond health and directory: lookups
 * and the partner's own records. Each is a thin layer over libwijknet.
 */
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
	if (*i + 1 >= argc) {
		fprintf(stderr, "wijknet: option %s needs a value\n", name);
		exit(2);
	}
	return argv[++*i];
}

int cli_unknown_option(const char *cmd, const char *opt)
{
	fprintf(stderr, "wijknet %s: unknown option '%s'\n", cmd, opt);
	return 2;
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

static int cmd_lookup(wn_client *c, int argc, char **argv)
{
	wn_lookup_params p = { 0 };
	int json = 0;
	char *partners = NULL;
	const char *v;
	for (int i = 0; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--bsn")))
			p.bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--purpose")))
			p.purpose = v;
		else if ((v = cli_opt(argc, argv, &i, "--cluster")))
			p.cluster = v;
		else if ((v = cli_opt(argc, argv, &i, "--partners")))
			partners = strdup(v);
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			p.actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			p.actor.role = v;
		else if ((v = cli_opt(argc, argv, &i, "--deadline")))
			p.deadline_ms = atoi(v);
		else if ((v = cli_opt(argc, argv, &i, "--consent")))
			p.consent_id = v;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			free(partners);
			return cli_unknown_option("lookup", argv[i]);
		}
	}
	if (p.bsn == NULL || p.purpose == NULL) {
		fprintf(stderr, "usage: wijknet lookup --bsn BSN --purpose CODE [--cluster jeugd|"
				"volwassenen|multiprobleem] [--partners a,b,...] [--actor ID --role ROLE]"
				" [--consent ID] [--deadline MS] [--json]\n");
		free(partners);
		return 2;
	}
	cli_default_actor(&p.actor);
	const char **list = NULL;
	if (partners != NULL)
		list = cli_split(partners, &p.npartners);
	p.partners = list;
	wn_lookup_result *r = NULL;
	int rc = wn_lookup(c, &p, &r);
	free(list);
	free(partners);
	if (rc != 0)
		return cli_fail("lookup", rc, c);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < r->count; i++) {
			wn_lookup_answer *a = &r->answers[i];
			json_t *e = json_pack("{s:s,s:s}", "partner", a->partner, "outcome", a->outcome);
			if (a->reason)
				json_object_set_new(e, "reason", json_string(a->reason));
			json_array_append_new(arr, e);
		}
		json_t *o = json_pack("{s:s,s:o}", "request_id", r->request_id, "answers", arr);
		cli_print_json(o);
	} else {
		printf("lookup %s (purpose %s, %zu partners asked)\n", r->request_id, p.purpose,
		       r->count);
		printf("%-26s %-34s %-12s %s\n", "PARTNER", "NAME", "ANSWER", "REASON");
		for (size_t i = 0; i < r->count; i++) {
			wn_lookup_answer *a = &r->answers[i];
			printf("%-26s %-34s %-12s %s\n", a->partner, a->name, a->outcome,
			       a->reason ? a->reason : "");
		}
	}
	wn_lookup_result_free(r);
	return 0;
}

static int cmd_records_import(wn_client *c, int argc, char **argv)
{
	if (argc != 1) {
		fprintf(stderr, "usage: wijknet records import FILE.jsonl\n");
		return 2;
	}
	FILE *f = strcmp(argv[0], "-") == 0 ? stdin : fopen(argv[0], "r");
	if (f == NULL) {
		fprintf(stderr, "wijknet: %s: cannot open\n", argv[0]);
		return 1;
	}
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
		wn_import_abort(im);
		fprintf(stderr, "wijknet: records import: %s: %s; nothing was imported\n", argv[0],
			wn_client_errmsg(c));
		return 1;
	}
	long imported = 0;
	if ((rc = wn_import_commit(im, &imported)) != 0)
		return cli_fail("records import (nothing was imported)", rc, c);
	printf("imported %ld records from %s\n", imported, argv[0]);
	return 0;
}

static int cmd_records(wn_client *c, int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "import") == 0)
		return cmd_records_import(c, argc - 1, argv + 1);
	if (argc == 1 && strcmp(argv[0], "purge") == 0) {
		long purged = 0;
		int rc = wn_records_purge(c, &purged);
		if (rc != 0)
			return cli_fail("records purge", rc, c);
		printf("purged %ld record(s) past their retention date\n", purged);
		return 0;
	}
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
				r.professional = getenv("USER") ? getenv("USER") : "unknown";
			rc = wn_record_put(c, &r);
		} else {
			rc = wn_record_delete(c, r.bsn ? r.bsn : "", r.category ? r.category : "");
		}
		if (rc != 0)
			return cli_fail(argv[0][0] == 'p' ? "records put" : "records delete", rc, c);
		printf("%s\n", argv[0][0] == 'p' ? "stored" : "deleted");
		return 0;
	}
	fprintf(stderr, "usage: wijknet records import FILE.jsonl\n"
			"       wijknet records put --bsn BSN --category CODE --content JSON"
			" [--professional ID] [--retention YYYY-MM-DD]\n"
			"       wijknet records delete --bsn BSN --category CODE\n"
			"       wijknet records purge\n");
	return 2;
}

void cli_print_json(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	puts(s ? s : "{}");
	free(s);
	json_decref(v);
}

void cli_default_actor(wn_actor *a)
{
	if (a->id == NULL)
		a->id = getenv("USER") ? getenv("USER") : "unknown";
	if (a->role == NULL)
		a->role = "professional";
}

int cli_offline_command(const char *cmd, const char *config, int argc, char **argv)
{
	if (strcmp(cmd, "audit") == 0)
		return cli_audit(config, argc, argv);
	if (strcmp(cmd, "report") == 0)
		return cli_report_offline(argc, argv);
	return CLI_NOT_OFFLINE;
}

int cli_online_command(wn_client *c, const char *cmd, int argc, char **argv)
{
	if (strcmp(cmd, "lookup") == 0)
		return cmd_lookup(c, argc, argv);
	if (strcmp(cmd, "records") == 0)
		return cmd_records(c, argc, argv);
	if (strcmp(cmd, "case") == 0)
		return cli_case(c, argc, argv);
	if (strcmp(cmd, "consent") == 0)
		return cli_consent(c, argc, argv);
	if (strcmp(cmd, "request") == 0)
		return cli_request(c, argc, argv);
	if (strcmp(cmd, "duty") == 0)
		return cli_duty(c, argc, argv);
	if (strcmp(cmd, "thirdparty") == 0)
		return cli_thirdparty(c, argc, argv);
	if (strcmp(cmd, "rights") == 0)
		return cli_rights(c, argc, argv);
	if (strcmp(cmd, "report") == 0)
		return cli_report(c, argc, argv);
	if (strcmp(cmd, "stats") == 0)
		return cli_stats(c, argc, argv);
	fprintf(stderr, "wijknet: unknown command '%s' (see wijknet --help)\n", cmd);
	return 2;
}
