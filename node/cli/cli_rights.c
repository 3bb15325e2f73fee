/*
 * cli_rights.c — `wijknet rights`: route a client's rights request to the
 * partners, list the requests this partner registered (open and overdue
 * first), show one (what the client asks, whom it concerns) and decide it;
 * list what partners carried out of data they disclosed to this one, and
 * record that this one carried it out on its own copy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"

int cli_rights_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet rights request --bsn BSN\n"
		"                 --kind correction|completion|deletion|shielding|objection\n"
		"                 [--case ID] [--categories a,b] [--text TEXT] [--partners a,b] [--json]\n"
		"                 (--text: the changes to make; a correction or completion needs it)\n"
		"       wijknet rights again --request ID --bsn BSN  (ask the partners that did not answer)\n"
		"       wijknet rights list [--json]\n"
		"       wijknet rights show --request ID [--json]  (what the client asks, the BSN)\n"
		"       wijknet rights decide --request ID --decision done|granted|executed|refused\n"
		"                 [--motivation TEXT]\n"
		"       wijknet rights notices [--json]  (corrections and deletions passed on to us)\n"
		"       wijknet rights notices --done NOTICE [--from PARTNER] [--note TEXT]\n"
		"                 (we carried it out on our own copy; the partner is told)\n"
		"       wijknet rights status [--request ID]  (at the municipality: each partner's state)\n"
		"       wijknet rights answer --request ID [--out FILE|-]   (the letter to the client)\n"
		"(each with [--actor ID --role ROLE])\n");
	return cli_usage("rights");
}


/* The categories a request covers, from the list's JSON array text: NULL
 * (none named) covers every category. */
static json_t *rights_categories(const char *text)
{
	json_t *a = json_loads(text, 0, NULL);
	if (json_is_array(a))
		return a;
	json_decref(a);
	return json_string(text);
}

/* One line's categories, "a,b", or what none named means: the partner's
 * professional sees what a request covers without opening it. */
static void rights_categories_print(const char *text)
{
	json_t *a = text != NULL ? rights_categories(text) : NULL, *x;
	size_t i;
	if (json_is_string(a))
		printf("%s", text);
	else if (json_array_size(a) == 0)
		printf("every category");
	json_array_foreach(a, i, x)
		printf("%s%s", i ? "," : "", json_string_value(x) ? json_string_value(x) : "?");
	printf("\n");
	json_decref(a);
}

static int rights_list(wn_client *c, int json)
{
	wn_rights_list *l = NULL;
	int rc = wn_rights_pending(c, &l);
	if (rc != 0)
		return cli_fail("rights list", rc, c);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l->count; i++) {
			wn_rights_item *t = &l->items[i];
			json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:I}", "id", t->id, "kind",
					      t->kind, "requester", t->requester, "deadline",
					      t->deadline, "status", t->status, "overdue", t->overdue,
					      "received_at", (json_int_t)t->received_at);
			if (l->requester_roles != NULL && l->requester_roles[i][0])
				json_object_set_new(e, "requester_role",
						    json_string(l->requester_roles[i]));
			if (t->categories)
				json_object_set_new(e, "categories", rights_categories(t->categories));
			if (t->motivation)
				json_object_set_new(e, "motivation", json_string(t->motivation));
			if (t->decided_at)
				json_object_set_new(e, "decided_at", json_integer(t->decided_at));
			json_array_append_new(arr, e);
		}
		cli_print_json(json_pack("{s:o}", "requests", arr));
	} else {
		printf("%-32s  %-10s  %-18s  %-10s  %-10s  %-8s  %-7s  %s\n", "REQUEST", "KIND",
		       "FROM", "RECEIVED", "DEADLINE", "STATUS", "", "CATEGORIES");
		for (size_t i = 0; i < l->count; i++) {
			wn_rights_item *t = &l->items[i];
			char rec[11];
			date_of_ms(t->received_at, rec);
			printf("%-32s  %-10s  %-18s  %-10s  %-10s  %-8s  %-7s  ", t->id, t->kind,
			       t->requester, rec, t->deadline, t->status,
			       t->overdue ? "OVERDUE" : "");
			rights_categories_print(t->categories);
		}
		printf("%zu request(s)\n", l->count);
	}
	wn_rights_list_free(l);
	return 0;
}

/* A string member of o, or "-". */
static const char *show_str(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v != NULL ? v : "-";
}

/* One request as its professional reads it: its state, whom it concerns,
 * what the client asks, then the decision so far. */
/* How far a recipient was told: a notice follows its delivery through the
 * outbox; a third party, or a partner not named, the organisation tells. */
static const char *rights_show_delivery(const json_t *x)
{
	const char *d = json_string_value(json_object_get(x, "delivery"));
	if (strcmp(show_str(x, "informed"), "notice") != 0)
		return "to be informed by this organisation itself";
	if (d != NULL && strcmp(d, "carried_out") == 0)
		return "informed, and it carried the notice out on its own copy";
	if (d != NULL && strcmp(d, "delivered") == 0)
		return "informed: the notice was delivered";
	if (d != NULL && strcmp(d, "failed") == 0)
		return "NOT informed: the notice was given up (see outbox list --failed)";
	return "notice queued, not yet delivered";
}

static int rights_show_print(const char *text)
{
	json_t *r = json_loads(text, 0, NULL), *x;
	size_t i;
	char day[DATE_TIME_LEN + 1];
	if (r == NULL)
		return cli_error("rights show", WN_EJSON, "the node's answer is not JSON");
	printf("rights request %s  %s  %s, deadline %s%s\n", show_str(r, "id"),
	       show_str(r, "kind"), show_str(r, "status"), show_str(r, "deadline"),
	       json_is_true(json_object_get(r, "overdue")) ? " (OVERDUE)" : "");
	if (json_string_value(json_object_get(r, "bsn")) != NULL)
		printf("  %-16s %s\n", "client (BSN)", show_str(r, "bsn"));
	else
		printf("  %-16s %s\n", "client (BSN)", "no longer held here: no record of the "
		       "person is left");
	printf("  %-16s %s\n", "asks", show_str(r, "text"));
	printf("  %-16s", "data");
	if (json_array_size(json_object_get(r, "categories")) == 0)
		printf(" every category");
	json_array_foreach(json_object_get(r, "categories"), i, x)
		printf("%s%s", i ? ", " : " ", json_string_value(x) ? json_string_value(x) : "?");
	printf("\n  %-16s %s (%s)\n", "from", show_str(r, "requester"),
	       show_str(r, "requester_role"));
	date_time_of_ms(json_integer_value(json_object_get(r, "received_at")), day);
	printf("  %-16s %s\n", "received", day);
	if (json_integer_value(json_object_get(r, "decided_at")) > 0) {
		date_time_of_ms(json_integer_value(json_object_get(r, "decided_at")), day);
		printf("  %-16s %s by %s\n", "decided", day, show_str(r, "decided_by_role"));
	}
	if (json_integer_value(json_object_get(r, "executed_at")) > 0) {
		date_time_of_ms(json_integer_value(json_object_get(r, "executed_at")), day);
		printf("  %-16s %s\n", "carried out", day);
	}
	if (json_string_value(json_object_get(r, "motivation")) != NULL)
		printf("  %-16s %s\n", "motivation", show_str(r, "motivation"));
	/* those it disclosed the data to, told of what was carried out (AVG 19) */
	json_array_foreach(json_object_get(r, "recipients"), i, x) {
		printf("  %-16s %s%s: %s", i ? "" : "recipients", show_str(x, "partner"),
		       json_is_true(json_object_get(x, "third_party")) ? " (third party)" : "",
		       rights_show_delivery(x));
		if (json_integer_value(json_object_get(x, "carried_out_at")) > 0) {
			date_time_of_ms(json_integer_value(json_object_get(x, "carried_out_at")), day);
			printf(" (%s)", day);
		}
		printf("\n");
	}
	json_decref(r);
	return 0;
}

/* The notices of what partners carried out of data they disclosed to this
 * node: one paragraph each, naming this node's requests the data came in. */
static int rights_notices_print(const char *text)
{
	json_t *r = json_loads(text, 0, NULL), *x, *y;
	size_t i, j;
	char day[DATE_TIME_LEN + 1];
	if (r == NULL)
		return cli_error("rights notices", WN_EJSON, "the node's answer is not JSON");
	json_array_foreach(json_object_get(r, "notices"), i, x) {
		date_time_of_ms(json_integer_value(json_object_get(x, "executed_at")), day);
		printf("%s carried out a %s on %s (rights request %s)\n", show_str(x, "from"),
		       show_str(x, "kind"), day, show_str(x, "request"));
		printf("  %-16s", "data");
		json_array_foreach(json_object_get(x, "categories"), j, y)
			printf("%s%s", j ? ", " : " ", json_string_value(y) ? json_string_value(y) : "?");
		printf("\n  %-16s", "received in");
		json_array_foreach(json_object_get(x, "requests"), j, y)
			printf("%s%s", j ? ", " : " ", json_string_value(y) ? json_string_value(y) : "?");
		printf("\n");
		if (json_string_value(json_object_get(x, "case")) != NULL)
			printf("  %-16s %s\n", "case", show_str(x, "case"));
		if (json_string_value(json_object_get(x, "text")) != NULL)
			printf("  %-16s %s\n", "to change", show_str(x, "text"));
		/* the request covers more than this node received: the change is asked */
		if (json_is_true(json_object_get(x, "ask_partner")))
			printf("  %-16s not passed on (the request covers data not disclosed to "
			       "this node): ask %s for it\n", "to change", show_str(x, "from"));
		printf("  %-16s %s\n", "notice", show_str(x, "id"));
		if (json_integer_value(json_object_get(x, "done_at")) > 0) {
			date_time_of_ms(json_integer_value(json_object_get(x, "done_at")), day);
			printf("  %-16s %s by %s (%s)\n", "carried out here", day,
			       show_str(x, "done_by"), show_str(x, "done_by_role"));
		} else {
			printf("  %-16s not yet recorded (rights notices --done %s)\n",
			       "carried out here", show_str(x, "id"));
		}
		if (json_string_value(json_object_get(x, "done_note")) != NULL)
			printf("  %-16s %s\n", "note", show_str(x, "done_note"));
	}
	printf("%zu notice(s)\n", json_array_size(json_object_get(r, "notices")));
	json_decref(r);
	return 0;
}

/* The partners' answers to a request sent or asked again; a partner that
 * did not answer has decided nothing: done in part. Frees r. */
static int rights_print(wn_rights_result *r, const char *kind, int json)
{
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < r->count; i++) {
			json_t *e = json_pack("{s:s,s:s}", "partner", r->answers[i].partner,
					      "status", r->answers[i].status);
			if (r->answers[i].deadline)
				json_object_set_new(e, "deadline", json_string(r->answers[i].deadline));
			json_array_append_new(arr, e);
		}
		cli_print_json(json_pack("{s:s,s:o}", "request_id", r->request_id, "answers", arr));
	} else {
		if (kind != NULL)
			printf("rights request %s (%s)\n", r->request_id, kind);
		else
			printf("rights request %s, asked again\n", r->request_id);
		printf("%-26s %-12s %s\n", "PARTNER", "STATUS", "DEADLINE");
		for (size_t i = 0; i < r->count; i++)
			printf("%-26s %-12s %s\n", r->answers[i].partner, r->answers[i].status,
			       r->answers[i].deadline ? r->answers[i].deadline : "");
	}
	int status = CLI_OK;
	for (size_t i = 0; i < r->count; i++) {
		const char *st = r->answers[i].status;
		if (strcmp(st, "unavailable") == 0 || strcmp(st, "invalid") == 0 ||
		    strcmp(st, "error") == 0 || strcmp(st, "not_checked") == 0)
			status = CLI_PARTIAL;
	}
	wn_rights_result_free(r);
	return status;
}

int cli_rights(wn_client *c, int argc, char **argv)
{
	if (argc < 1)
		return cli_rights_usage();
	wn_rights_params p;
	memset(&p, 0, sizeof(p));
	const char *sub = argv[0], *v, *id = NULL, *decision = NULL, *motivation = NULL;
	const char *done = NULL, *from = NULL, *note = NULL;
	char *cats = NULL, *partners = NULL;
	const char **clist = NULL, **plist = NULL;
	int json = 0, status = 2;
	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--bsn")))
			p.bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--case")))
			p.case_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--kind")))
			p.kind = v;
		else if ((v = cli_opt(argc, argv, &i, "--categories"))) {
			free(cats);
			cats = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--partners"))) {
			free(partners);
			partners = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--text")))
			p.text = v;
		else if ((v = cli_opt(argc, argv, &i, "--request")) ||
			 (v = cli_opt_renamed(argc, argv, &i, "--id", "--request")))
			id = v;
		else if ((v = cli_opt(argc, argv, &i, "--decision")))
			decision = v;
		else if ((v = cli_opt(argc, argv, &i, "--motivation")))
			motivation = v;
		else if ((v = cli_opt(argc, argv, &i, "--done")))
			done = v;
		else if ((v = cli_opt(argc, argv, &i, "--from")))
			from = v;
		else if ((v = cli_opt(argc, argv, &i, "--note")))
			note = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			p.actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			p.actor.role = v;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			status = cli_unknown_option("rights", argv[i]);
			goto out;
		}
	}
	cli_default_actor(&p.actor);
	/* the partner and the note belong to a notice carried out, to no other */
	if ((from != NULL || note != NULL) && (strcmp(sub, "notices") != 0 || done == NULL)) {
		status = cli_invalid("rights", "%s goes with 'rights notices --done NOTICE' only",
				     from != NULL ? "--from" : "--note");
		goto out;
	}
	if (strcmp(sub, "list") == 0) {
		status = rights_list(c, json);
	} else if (strcmp(sub, "show") == 0 && id != NULL) {
		char *text = NULL;
		int rc = wn_rights_show(c, id, &p.actor, &text);
		if (rc != 0)
			status = cli_fail("rights show", rc, c);
		else
			status = json ? puts(text) < 0 : rights_show_print(text);
		free(text);
	} else if (strcmp(sub, "notices") == 0 && done != NULL) {
		int rc = wn_rights_notice_done(c, done, from, note, &p.actor);
		if (rc != 0)
			status = cli_fail("rights notices --done", rc, c);
		else
			status = cli_done(json_pack("{s:s,s:b}", "notice", done, "done", 1),
					  "rights notice %s: carried out here, recorded for %s; the "
					  "partner that sent it is told", done, p.actor.id);
	} else if (strcmp(sub, "notices") == 0) {
		char *text = NULL;
		int rc = wn_rights_notices(c, &p.actor, &text);
		if (rc != 0)
			status = cli_fail("rights notices", rc, c);
		else
			status = json ? puts(text) < 0 : rights_notices_print(text);
		free(text);
	} else if (strcmp(sub, "decide") == 0 && id != NULL && decision != NULL) {
		int rc = wn_rights_decide(c, id, decision, motivation, &p.actor);
		if (rc != 0)
			status = cli_fail("rights decide", rc, c);
		else
			status = cli_done(json_pack("{s:s,s:s}", "request", id, "decision", decision),
					  "rights request %s: %s", id, decision);
	} else if (strcmp(sub, "request") == 0 && p.bsn != NULL && p.kind != NULL) {
		if (cats != NULL)
			p.categories = clist = cli_split(cats, &p.ncategories);
		if (partners != NULL)
			p.partners = plist = cli_split(partners, &p.npartners);
		wn_rights_result *r = NULL;
		int rc = wn_rights_request(c, &p, &r);
		status = rc != 0 ? cli_fail("rights request", rc, c) : rights_print(r, p.kind, json);
	} else if (strcmp(sub, "again") == 0 && id != NULL && p.bsn != NULL) {
		wn_rights_result *r = NULL;
		int rc = wn_rights_ask_again(c, id, p.bsn, &p.actor, &r);
		status = rc != 0 ? cli_fail("rights again", rc, c) : rights_print(r, NULL, json);
	} else {
		status = cli_rights_usage();
	}
out:
	free(clist);
	free(plist);
	free(cats);
	free(partners);
	return status;
}
