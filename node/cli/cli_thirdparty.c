/*
 * cli_thirdparty.c — `wijknet thirdparty`: propose a disclosure to an
 * incidental partner, sign its confidentiality declaration as that partner,
 * approve or reject it as a partner of the case, list them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"

int cli_thirdparty_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet thirdparty propose --case ID --bsn BSN --party P [--source S]\n"
		"                 --categories a,b --purpose CODE\n"
		"                 (--ground consent --consent ID | --ground CODE --motivation FILE.json)\n"
		"       wijknet thirdparty declare --approval ID --name NAME --organisation ORG\n"
		"                 --place PLACE [--signed-on YYYY-MM-DD]\n"
		"       wijknet thirdparty approve|reject --approval ID\n"
		"       wijknet thirdparty list [--json]\n"
		"(each with [--actor ID --role ROLE])\n");
	return cli_usage("thirdparty");
}

static int tp_list(wn_client *c, int json)
{
	wn_thirdparty_list *l = NULL;
	int rc = wn_thirdparties(c, &l);
	if (rc != 0)
		return cli_fail("thirdparty list", rc, c);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l->count; i++) {
			wn_thirdparty_info *t = &l->items[i];
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:b}",
							     "id", t->id, "case", t->case_id, "party",
							     t->party, "source", t->source,
							     "categories", t->categories, "purpose",
							     t->purpose, "ground", t->ground, "status",
							     t->status, "declared", t->declared));
		}
		cli_print_json(json_pack("{s:o}", "approvals", arr));
	} else {
		printf("%-32s  %-18s  %-18s  %-8s  %-8s  %s\n", "APPROVAL", "PARTY", "SOURCE",
		       "STATUS", "DECLARED", "CATEGORIES");
		for (size_t i = 0; i < l->count; i++) {
			wn_thirdparty_info *t = &l->items[i];
			printf("%-32s  %-18s  %-18s  %-8s  %-8s  %s\n", t->id, t->party, t->source,
			       t->status, t->declared ? "yes" : "no", t->categories);
		}
	}
	wn_thirdparty_list_free(l);
	return 0;
}

int cli_thirdparty(wn_client *c, int argc, char **argv)
{
	if (argc < 1)
		return cli_thirdparty_usage();
	const char *sub = argv[0], *v, *file = NULL, *id = NULL, *name = NULL, *org = NULL;
	const char *place = NULL, *signed_on = NULL;
	char *cats = NULL, *motivation = NULL, today[16];
	wn_thirdparty_proposal p;
	memset(&p, 0, sizeof(p));
	int json = 0, rc, status = 2;
	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--case")))
			p.case_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--party")))
			p.party = v;
		else if ((v = cli_opt(argc, argv, &i, "--bsn")))
			p.bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--consent")))
			p.consent_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--source")))
			p.source = v;
		else if ((v = cli_opt(argc, argv, &i, "--categories"))) {
			free(cats);
			cats = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--purpose")))
			p.purpose = v;
		else if ((v = cli_opt(argc, argv, &i, "--ground")))
			p.ground = v;
		else if ((v = cli_opt(argc, argv, &i, "--motivation")))
			file = v;
		else if ((v = cli_opt(argc, argv, &i, "--approval")))
			id = v;
		else if ((v = cli_opt(argc, argv, &i, "--name")))
			name = v;
		else if ((v = cli_opt(argc, argv, &i, "--organisation")))
			org = v;
		else if ((v = cli_opt(argc, argv, &i, "--place")))
			place = v;
		else if ((v = cli_opt(argc, argv, &i, "--signed-on")))
			signed_on = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			p.actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			p.actor.role = v;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			free(cats);
			return cli_unknown_option("thirdparty", argv[i]);
		}
	}
	cli_default_actor(&p.actor);
	const char **list = NULL;
	if (strcmp(sub, "list") == 0) {
		status = tp_list(c, json);
	} else if (strcmp(sub, "propose") == 0) {
		char out[WN_ID_LEN + 1];
		if (p.case_id == NULL || p.party == NULL || p.bsn == NULL || cats == NULL ||
		    p.purpose == NULL || p.ground == NULL || (file == NULL) == (p.consent_id == NULL)) {
			status = cli_thirdparty_usage();
			goto out;
		}
		if (file != NULL && (motivation = cli_read_json_file(file)) == NULL) {
			status = CLI_USAGE;
			goto out;
		}
		list = cli_split(cats, &p.ncategories);
		p.categories = list;
		p.motivation_json = motivation;
		if ((rc = wn_thirdparty_propose(c, &p, out)) != 0) {
			status = cli_fail("thirdparty propose", rc, c);
			goto out;
		}
		status = cli_done(json_pack("{s:s,s:s}", "approval", out, "status", "proposed"),
				  "proposed third-party disclosure %s: the third party signs its "
				  "declaration, every partner of the case approves", out);
	} else if (strcmp(sub, "declare") == 0) {
		if (id == NULL || name == NULL || org == NULL || place == NULL) {
			status = cli_thirdparty_usage();
			goto out;
		}
		if (signed_on == NULL) {
			date_today_plus(0, today);
			signed_on = today;
		}
		if ((rc = wn_thirdparty_declare(c, id, name, org, place, signed_on, &p.actor)) != 0) {
			status = cli_fail("thirdparty declare", rc, c);
			goto out;
		}
		status = cli_done(json_pack("{s:s,s:s,s:s}", "approval", id, "declaration",
					    "signed", "signed_on", signed_on),
				  "confidentiality declaration for %s signed", id);
	} else if (strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0) {
		int approve = strcmp(sub, "approve") == 0;
		if (id == NULL) {
			status = cli_thirdparty_usage();
			goto out;
		}
		if ((rc = wn_thirdparty_decide(c, id, approve, &p.actor)) != 0) {
			status = cli_fail(approve ? "thirdparty approve" : "thirdparty reject", rc, c);
			goto out;
		}
		const char *d = approve ? "approved" : "rejected";
		status = cli_done(json_pack("{s:s,s:s}", "approval", id, "decision", d),
				  "third-party disclosure %s %s", id, d);
	} else {
		status = cli_thirdparty_usage();
	}
out:
	free(list);
	free(cats);
	free(motivation);
	return status;
}
