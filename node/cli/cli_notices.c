/*
 * cli_notices.c — the municipality's duties to the client on the command
 * line: `wijknet notices list|show|render|sent` (the queue of notices and
 * their letters), `wijknet rights status|answer` (one request, each
 * partner's decision, the written answer) and `wijknet case informed` (how
 * the household heard of its case).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "date.h"
#include "fileio.h"

struct letter_args {
	const char *id, *on, *channel, *out, *case_id, *moment, *how, *reason, *bsn;
	wn_actor actor;
	int json, all, show;
};

/* Parses the options these commands share; 2 on an unknown one. */
static int letter_parse(struct letter_args *a, const char *cmd, int argc, char **argv, int from)
{
	const char *v;
	memset(a, 0, sizeof(*a));
	for (int i = from; i < argc; i++) {
		/* the object each command is about, by its own name */
		const char *what = strcmp(cmd, "rights") == 0 ? "--request" : "--notice";
		if ((v = cli_opt(argc, argv, &i, what)) ||
		    (v = cli_opt_renamed(argc, argv, &i, "--id", what)))
			a->id = v;
		else if ((v = cli_opt(argc, argv, &i, "--on")))
			a->on = v;
		else if ((v = cli_opt(argc, argv, &i, "--channel")) ||
			 (v = cli_opt(argc, argv, &i, "--how")))
			a->channel = a->how = v;
		else if ((v = cli_opt(argc, argv, &i, "--out")) ||
			 (v = cli_opt_renamed(argc, argv, &i, "--html", "--out")))
			a->out = v;
		else if ((v = cli_opt(argc, argv, &i, "--case")))
			a->case_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--moment")))
			a->moment = v;
		else if ((v = cli_opt(argc, argv, &i, "--bsn")))
			a->bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--reason")))
			a->reason = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			a->actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			a->actor.role = v;
		else if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else if (strcmp(argv[i], "--all") == 0)
			a->all = 1;
		else if (strcmp(argv[i], "--show") == 0)
			a->show = 1;
		else
			return cli_unknown_option(cmd, argv[i]);
	}
	cli_default_actor(&a->actor);
	return 0;
}

static int letter_write(const char *path, const char *text)
{
	if (path == NULL || strcmp(path, "-") == 0)
		return fputs(text, stdout) < 0 ? CLI_FAILURE : 0;
	int rc = file_write_private(path, text, strlen(text));
	if (rc != 0)
		return cli_error("letter", rc, "cannot write '%s': %s", path, wn_strerror(rc));
	return cli_done(json_pack("{s:s}", "written", path), "written: %s", path);
}

int cli_notices_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet notices list [--all] [--json]\n"
		"       wijknet notices show --notice ID [--json]\n"
		"       wijknet notices render --notice ID [--out FILE|-]   (the letter, HTML)\n"
		"       wijknet notices sent --notice ID --channel post|email|portal|in_person|phone\n"
		"                            [--on YYYY-MM-DD]\n"
		"(each with [--actor ID --role ROLE]; at the municipality's node)\n");
	return cli_usage("notices");
}

static int notices_print(const char *text)
{
	json_t *r = json_loads(text, 0, NULL), *x;
	size_t i;
	printf("%-32s  %-18s  %-20s  %-20s  %-10s  %-6s  %s\n", "NOTICE", "KIND", "FROM", "TO",
	       "DUE", "STATUS", "");
	json_array_foreach(json_object_get(r, "notices"), i, x) {
		printf("%-32s  %-18s  %-20s  %-20s  %-10s  %-6s  %s%s\n",
		       json_string_value(json_object_get(x, "id")),
		       json_string_value(json_object_get(x, "kind")),
		       json_string_value(json_object_get(x, "source")),
		       json_string_value(json_object_get(x, "recipient")),
		       json_string_value(json_object_get(x, "due")),
		       json_string_value(json_object_get(x, "status")),
		       json_is_true(json_object_get(x, "overdue")) ? "OVERDUE " : "",
		       json_is_true(json_object_get(x, "after_refusal")) ? "after-refusal" : "");
	}
	printf("%zu notice(s)\n", json_array_size(json_object_get(r, "notices")));
	json_decref(r);
	return 0;
}

/* A string member of o, or NULL. */
static const char *notice_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* "label: value" when o has key; with a name beside an id when given. */
static void notice_line(const json_t *o, const char *label, const char *key, const char *name_key)
{
	const char *v = notice_str(o, key), *name = name_key ? notice_str(o, name_key) : NULL;
	if (v == NULL)
		return;
	if (name != NULL)
		printf("  %-16s %s (%s)\n", label, name, v);
	else
		printf("  %-16s %s\n", label, v);
}

/* One notice as a person reads it: the queue's facts, then what the letter
 * tells the client (the BSN included: the letter is addressed). */
static int notice_show_print(const char *text)
{
	json_t *r = json_loads(text, 0, NULL), *x;
	if (r == NULL)
		return puts(text) < 0;
	const json_t *l = json_object_get(r, "letter");
	char when[DATE_TIME_LEN + 1] = "";
	printf("notice %s  %s  %s", notice_str(r, "id") ? notice_str(r, "id") : "?",
	       notice_str(r, "kind") ? notice_str(r, "kind") : "?",
	       notice_str(r, "status") ? notice_str(r, "status") : "?");
	if (notice_str(r, "sent_on") != NULL)
		printf(" on %s by %s", notice_str(r, "sent_on"),
		       notice_str(r, "channel") ? notice_str(r, "channel") : "?");
	else if (notice_str(r, "due") != NULL)
		printf(", due %s%s", notice_str(r, "due"),
		       json_is_true(json_object_get(r, "overdue")) ? " (OVERDUE)" : "");
	printf("\n");
	notice_line(l, "client (BSN)", "bsn", NULL);
	notice_line(l, "client born", "birth_date", NULL);
	notice_line(l, "disclosed by", "source", "source_name");
	notice_line(l, "disclosed to", "recipient", "recipient_name");
	notice_line(l, "in the role", "recipient_role", NULL);
	if (json_integer_value(json_object_get(l, "disclosed_at")) > 0) {
		date_time_of_ms(json_integer_value(json_object_get(l, "disclosed_at")), when);
		printf("  %-16s %s\n", "disclosed on", when);
	}
	if (json_array_size(json_object_get(l, "categories")) > 0) {
		size_t i;
		printf("  %-16s", "data");
		json_array_foreach(json_object_get(l, "categories"), i, x)
			printf("%s%s", i ? ", " : " ", json_string_value(x) ? json_string_value(x) : "?");
		printf("\n");
	}
	notice_line(l, "purpose", "purpose", NULL);
	notice_line(l, "lawful ground", "ground", NULL);
	notice_line(l, "legal reference", "legal_reference", NULL);
	notice_line(l, "interest", "interest", NULL);
	notice_line(l, "case", "case", NULL);
	notice_line(l, "request", "request", NULL);
	const json_t *refusal = json_object_get(l, "refusal");
	if (refusal != NULL)
		printf("  %-16s on %s (consent %s): the data were shared on the ground above\n",
		       "consent refused", notice_str(refusal, "on") ? notice_str(refusal, "on") : "?",
		       notice_str(refusal, "id") ? notice_str(refusal, "id") : "?");
	json_decref(r);
	return 0;
}

int cli_notices(wn_client *c, int argc, char **argv)
{
	struct letter_args a;
	char *text = NULL, *html = NULL;
	int rc, status;
	if (argc < 1)
		return cli_notices_usage();
	if ((status = letter_parse(&a, "notices", argc, argv, 1)) != 0)
		return status;
	const char *sub = argv[0];
	if (strcmp(sub, "list") == 0) {
		if ((rc = wn_notices_list(c, a.all, &a.actor, &text)) != 0)
			return cli_fail("notices list", rc, c);
		status = a.json ? (puts(text) < 0) : notices_print(text);
	} else if ((strcmp(sub, "show") == 0 || strcmp(sub, "render") == 0) && a.id != NULL) {
		if ((rc = wn_notice_show(c, a.id, &a.actor, &text)) != 0)
			return cli_fail("notices show", rc, c);
		if (strcmp(sub, "show") == 0) {
			status = a.json ? (puts(text) < 0) : notice_show_print(text);
		} else if ((rc = wn_notice_html(text, &html)) != 0) {
			status = cli_fail("notices render", rc, NULL);
		} else {
			status = letter_write(a.out, html);
		}
	} else if (strcmp(sub, "sent") == 0 && a.id != NULL && a.channel != NULL) {
		if ((rc = wn_notice_sent(c, a.id, a.on, a.channel, &a.actor)) != 0)
			return cli_fail("notices sent", rc, c);
		status = cli_done(json_pack("{s:s,s:s,s:s?}", "notice", a.id, "channel",
					    a.channel, "on", a.on),
				  "notice %s: sent (%s)", a.id, a.channel);
	} else {
		status = cli_notices_usage();
	}
	free(text);
	free(html);
	return status;
}

/* A string member of o, or "-". */
static const char *str_of(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s != NULL ? s : "-";
}

/* One recipient a partner informs of what it carried out, and how far. */
static void rights_status_print_recipient(const json_t *x)
{
	char day[DATE_TIME_LEN + 1];
	json_int_t done = json_integer_value(json_object_get(x, "carried_out_at"));
	printf("    recipient %s: ", json_object_get(x, "name") ? str_of(x, "name")
							    : str_of(x, "partner"));
	if (strcmp(str_of(x, "informed"), "notice") != 0) {
		printf("%s\n", json_is_true(json_object_get(x, "third_party"))
				       ? "third party, to be informed by the partner"
				       : "to be informed by the partner");
	} else if (done > 0) {
		date_time_of_ms(done, day);
		printf("informed by the partner, and carried it out on its own copy (%s)\n", day);
	} else {
		printf("being informed by the partner (a notice passed on)\n");
	}
}

/* One rights request as text: its state, then each partner's. */
static void rights_status_print_one(const json_t *r)
{
	size_t i;
	json_t *p;
	printf("%s  %-10s deadline %s  %s%s\n", str_of(r, "id"), str_of(r, "kind"),
	       str_of(r, "deadline"), str_of(r, "state"),
	       json_is_true(json_object_get(r, "overdue")) ? " (OVERDUE)" : "");
	json_array_foreach(json_object_get(r, "partners"), i, p) {
		printf("  %-26s %-12s %s\n",
		       json_object_get(p, "name") ? str_of(p, "name") : str_of(p, "partner"),
		       str_of(p, "status"), json_object_get(p, "deadline") ? str_of(p, "deadline")
									     : "");
		/* a refusal's reasons are what the client is told (AVG art. 12.4) */
		if (json_string_value(json_object_get(p, "motivation")) != NULL)
			printf("    %s\n", str_of(p, "motivation"));
		/* whom it tells of what it carried out: the client may ask (AVG art. 19);
		 * the decision says a notice was passed on, not that it arrived, until
		 * the partner says the recipient carried it out */
		size_t j;
		json_t *x;
		json_array_foreach(json_object_get(p, "recipients"), j, x)
			rights_status_print_recipient(x);
	}
}

static int rights_status_print(const char *text)
{
	json_t *r = json_loads(text, 0, NULL), *x;
	size_t i;
	if (r == NULL)
		return cli_error("rights status", WN_EJSON, "the node's answer is not JSON");
	if (json_object_get(r, "requests") == NULL) {
		rights_status_print_one(r);
	} else {
		json_array_foreach(json_object_get(r, "requests"), i, x)
			rights_status_print_one(x);
		printf("%zu rights request(s)\n", json_array_size(json_object_get(r, "requests")));
	}
	json_decref(r);
	return 0;
}

/* wijknet rights status [--request ID] | rights answer --request ID [--out FILE] */
int cli_rights_status(wn_client *c, int argc, char **argv)
{
	struct letter_args a;
	char *text = NULL, *html = NULL;
	int rc, status = letter_parse(&a, "rights", argc, argv, 1);
	if (status != 0)
		return status;
	int answer = strcmp(argv[0], "answer") == 0;
	if (answer && a.id == NULL) {
		fprintf(stderr, "usage: wijknet rights answer --request ID [--out FILE|-]\n");
		return cli_usage("rights answer");
	}
	if ((rc = wn_rights_status(c, a.id, &a.actor, &text)) != 0)
		return cli_fail(answer ? "rights answer" : "rights status", rc, c);
	if (!answer)
		status = a.json ? puts(text) < 0 : rights_status_print(text);
	else if ((rc = wn_rights_letter_html(text, &html)) != 0)
		status = cli_fail("rights answer", rc, NULL);
	else
		status = letter_write(a.out, html);
	free(text);
	free(html);
	return status;
}

/* Who of the household this node recorded as told; exit 1 when someone is
 * not (or the person named is not). */
static int case_informed_show(wn_client *c, const struct letter_args *a)
{
	char *text = NULL;
	int rc = wn_case_informed_show(c, a->case_id, a->bsn, &a->actor, &text);
	if (rc != 0)
		return cli_fail("case informed", rc, c);
	json_t *r = json_loads(text, 0, NULL), *p = json_object_get(r, "person");
	json_int_t not_told = json_integer_value(json_object_get(r, "not_told"));
	/* one person named: whether that one is told */
	int refused = p != NULL ? !json_is_true(json_object_get(p, "told")) : not_told > 0;
	if (a->json)
		puts(text);
	else if (p != NULL && json_is_true(json_object_get(p, "told")))
		printf("case %s: the person was told %s the case, on %s (%s)%s%s\n", a->case_id,
		       json_string_value(json_object_get(p, "moment")),
		       json_string_value(json_object_get(p, "on")),
		       json_string_value(json_object_get(p, "how")),
		       json_object_get(p, "reason") ? "; why afterwards: " : "",
		       json_object_get(p, "reason") ? json_string_value(json_object_get(p, "reason"))
						    : "");
	else if (p != NULL)
		printf("case %s: the person is not recorded as told of the case\n", a->case_id);
	if (!a->json)
		printf("case %s: %lld of the %lld people of the household recorded as told here, "
		       "%lld not\n", a->case_id,
		       (long long)json_integer_value(json_object_get(r, "told")),
		       (long long)json_integer_value(json_object_get(r, "people")),
		       (long long)not_told);
	json_decref(r);
	free(text);
	return refused ? CLI_REFUSED : 0;
}

int cli_case_informed_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet case informed --case ID --moment before|after --on YYYY-MM-DD\n"
		"                             --how post|email|portal|in_person|phone [--reason TEXT]\n"
		"                             [--bsn BSN] [--actor ID --role ROLE]\n"
		"       wijknet case informed --case ID --show [--bsn BSN] [--json]\n"
		"Records that the client was told of the case (G-P 6): each person of the household,\n"
		"or with --bsn one person, such as one added later; told after the case opened,\n"
		"--reason says why. --show: who of the household is recorded as told here; exit\n"
		"status 1 while someone is not (with --bsn: while that person is not).\n");
	return cli_usage("case informed");
}

/* wijknet case informed --case ID --moment before|after --on DATE --how CHANNEL
 * [--reason TEXT] [--bsn BSN]; --show [--bsn BSN] */
int cli_case_informed(wn_client *c, int argc, char **argv)
{
	struct letter_args a;
	int status = letter_parse(&a, "case informed", argc, argv, 1);
	if (status != 0)
		return status;
	if (a.case_id != NULL && a.show)
		return case_informed_show(c, &a);
	if (a.case_id == NULL || a.moment == NULL || a.on == NULL || a.how == NULL)
		return cli_case_informed_usage();
	int rc = a.bsn ? wn_case_person_informed(c, a.case_id, a.bsn, a.moment, a.on, a.how,
						 a.reason, &a.actor)
		       : wn_case_informed(c, a.case_id, a.moment, a.on, a.how, a.reason, &a.actor);
	if (rc != 0)
		return cli_fail("case informed", rc, c);
	return cli_done(json_pack("{s:s,s:s,s:s,s:s,s:b}", "case", a.case_id, "moment", a.moment,
				  "on", a.on, "how", a.how, "one_person", a.bsn != NULL),
			"case %s: %s informed %s, on %s (%s)", a.case_id,
			a.bsn ? "the person" : "each person of the household", a.moment, a.on,
			a.how);
}

int cli_backup_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet backup --out DIR [--actor ID --role ROLE]\n"
		"DIR: a directory the node may write, as the node sees it; the copy of its\n"
		"database and key file (0600) goes into it.\n");
	return cli_usage("backup");
}

/* wijknet backup --out DIR: the node writes the copy; DIR as the node sees it */
int cli_backup(wn_client *c, int argc, char **argv)
{
	struct letter_args a;
	char *text = NULL, abs[4096];
	int status = letter_parse(&a, "backup", argc, argv, 0);
	if (status != 0)
		return status;
	if (a.out == NULL)
		return cli_backup_usage();
	if (a.out[0] != '/') {
		if (getcwd(abs, sizeof(abs) - strlen(a.out) - 2) == NULL)
			return CLI_FAILURE;
		strcat(abs, "/");
		strcat(abs, a.out);
	} else {
		snprintf(abs, sizeof(abs), "%s", a.out);
	}
	int rc = wn_backup(c, abs, &a.actor, &text);
	if (rc != 0)
		return cli_fail("backup", rc, c);
	if (a.json) {
		puts(text);
	} else {
		json_t *r = json_loads(text, 0, NULL);
		printf("backup: %s and %s (%lld ledger entries)\n",
		       json_string_value(json_object_get(r, "database")),
		       json_string_value(json_object_get(r, "keys")),
		       (long long)json_integer_value(json_object_get(r, "ledger_entries")));
		json_decref(r);
	}
	free(text);
	return CLI_OK;
}
