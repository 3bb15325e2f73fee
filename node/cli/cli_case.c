/*
 * cli_case.c — `wijknet case`: open a case, add and remove partners, close
 * it, list the cases this partner takes part in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_case_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet case open --cluster jeugd|volwassenen|multiprobleem --people BSN,BSN,...\n"
		"                         (--consents ID,ID,... | --urgent FILE.json) [--director P]\n"
		"                         [--regisseur ID --regisseur-role ROLE] [--retention YYYY-MM-DD]\n"
		"                         [--actor ID --role ROLE] [--json]\n"
		"       wijknet case join --case ID --partner P [--actor ID --role ROLE]\n"
		"       wijknet case leave --case ID [--partner P] [--actor ID --role ROLE]\n"
		"       wijknet case close --case ID [--actor ID --role ROLE]\n"
		"       wijknet case person add --case ID --bsn BSN --reason birth|moved_in|other\n"
		"                               [--consent ID]\n"
		"       wijknet case person remove --case ID --bsn BSN --reason moved_out|deceased|other\n"
		"       wijknet case director --case ID [--director P] [--regisseur ID --regisseur-role R]\n"
		"       wijknet case check --case ID --bsn BSN [--actor ID --role ROLE]\n"
		"       wijknet case list [--json]\n"
		"       wijknet case informed --case ID ...   (see wijknet case informed --help)\n"
		"A case is about a household (Heerlen 1.14): --people names its members; it opens on\n"
		"a consent of each of them held by this node, or on an urgent interest {\"interest\": urgent_health|\n"
		"development_delay|serious_harm|serious_nuisance, \"explanation\": \"...\"}.\n");
	return cli_usage("case");
}

static int case_list(wn_client *c, int json)
{
	wn_case_list *l = NULL;
	int rc = wn_cases(c, &l);
	if (rc != 0)
		return cli_fail("case list", rc, c);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l->count; i++) {
			wn_case *k = &l->items[i];
			json_t *m = json_array();
			for (size_t j = 0; j < k->nmembers; j++)
				json_array_append_new(m, json_string(k->members[j]));
			json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o,s:i}", "id", k->id,
					      "cluster", k->cluster, "director", k->director,
					      "status", k->status, "retention", k->retention,
					      "opened_at", (json_int_t)k->opened_at, "members", m,
					      "people", (int)k->npeople);
			if (k->basis != NULL)
				json_object_set_new(e, "basis", json_string(k->basis));
			if (k->regisseur_id != NULL)
				json_object_set_new(e, "regisseur",
						    json_pack("{s:s,s:s}", "id", k->regisseur_id,
							      "role", k->regisseur_role));
			json_array_append_new(arr, e);
		}
		cli_print_json(json_pack("{s:o}", "cases", arr));
	} else {
		printf("%-32s  %-13s  %-6s  %-6s  %-24s  %s\n", "CASE", "CLUSTER", "STATUS", "PEOPLE",
		       "DIRECTOR", "PARTNERS");
		for (size_t i = 0; i < l->count; i++) {
			wn_case *k = &l->items[i];
			printf("%-32s  %-13s  %-6s  %-6zu  %-24s  ", k->id, k->cluster, k->status,
			       k->npeople, k->director);
			for (size_t j = 0; j < k->nmembers; j++)
				printf("%s%s", j ? "," : "", k->members[j]);
			printf("\n");
		}
		printf("%zu case(s)\n", l->count);
	}
	wn_case_list_free(l);
	return 0;
}

/* The arguments of every case subcommand. */
struct case_args {
	const char *cluster, *director, *case_id, *partner, *retention, *bsn, *reason;
	const char *urgent_file, *consent;
	char *people, *consents;
	wn_actor actor, regisseur;
	int json;
};

static int case_parse(struct case_args *a, int argc, char **argv, int first)
{
	const char *v;
	for (int i = first; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--cluster")))
			a->cluster = v;
		else if ((v = cli_opt(argc, argv, &i, "--director")))
			a->director = v;
		else if ((v = cli_opt(argc, argv, &i, "--retention")))
			a->retention = v;
		else if ((v = cli_opt(argc, argv, &i, "--case")))
			a->case_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--partner")))
			a->partner = v;
		else if ((v = cli_opt(argc, argv, &i, "--people"))) {
			free(a->people);
			a->people = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--consents"))) {
			free(a->consents);
			a->consents = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--urgent")))
			a->urgent_file = v;
		else if ((v = cli_opt(argc, argv, &i, "--bsn")))
			a->bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--consent")))
			a->consent = v;
		else if ((v = cli_opt(argc, argv, &i, "--reason")))
			a->reason = v;
		else if ((v = cli_opt(argc, argv, &i, "--regisseur")))
			a->regisseur.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--regisseur-role")))
			a->regisseur.role = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			a->actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			a->actor.role = v;
		else if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else
			return cli_unknown_option("case", argv[i]);
	}
	cli_default_actor(&a->actor);
	return 0;
}

static int case_open(wn_client *c, struct case_args *a)
{
	wn_case_params p;
	char id[WN_ID_LEN + 1], *urgent = NULL;
	const char **people = NULL, **consents = NULL;
	int status = 2, rc;
	memset(&p, 0, sizeof(p));
	if (a->cluster == NULL || a->people == NULL || (a->consents == NULL) == (a->urgent_file == NULL))
		return cli_case_usage();
	if ((a->regisseur.id == NULL) != (a->regisseur.role == NULL))
		return cli_invalid("case open", "--regisseur and --regisseur-role go together");
	if (a->urgent_file != NULL && (urgent = cli_read_json_file(a->urgent_file)) == NULL)
		return CLI_USAGE;
	people = cli_split(a->people, &p.npeople);
	if (a->consents != NULL)
		consents = cli_split(a->consents, &p.nconsents);
	p.cluster = a->cluster;
	p.people = people;
	p.consents = consents;
	p.urgent_json = urgent;
	p.director = a->director;
	p.regisseur = a->regisseur.id ? &a->regisseur : NULL;
	p.retention = a->retention;
	p.actor = a->actor;
	if ((rc = wn_case_open(c, &p, id)) != 0) {
		status = cli_fail("case open", rc, c);
	} else {
		status = 0;
		if (a->json)
			cli_print_json(json_pack("{s:s,s:s,s:s,s:i}", "case", id, "cluster", a->cluster,
						 "director", a->director ? a->director : "",
						 "people", (int)p.npeople));
		else
			printf("opened case %s (cluster %s, a household of %zu)\n", id, a->cluster,
			       p.npeople);
	}
	free(people);
	free(consents);
	free(urgent);
	return status;
}

/* person add|remove, director, check: the subcommands about one case. */
static int case_change(wn_client *c, const char *sub, const char *sub2, struct case_args *a)
{
	int rc;
	if (strcmp(sub, "person") == 0) {
		if (sub2 == NULL || a->bsn == NULL || a->reason == NULL)
			return cli_case_usage();
		if (strcmp(sub2, "add") == 0)
			rc = a->consent ? wn_case_person_add_consent(c, a->case_id, a->bsn, a->reason,
								     a->consent, &a->actor)
					: wn_case_person_add(c, a->case_id, a->bsn, a->reason, &a->actor);
		else if (strcmp(sub2, "remove") == 0 && a->consent == NULL)
			rc = wn_case_person_remove(c, a->case_id, a->bsn, a->reason, &a->actor);
		else
			return cli_case_usage();
	} else if (strcmp(sub, "director") == 0) {
		if ((a->regisseur.id == NULL) != (a->regisseur.role == NULL))
			return cli_case_usage();
		rc = wn_case_director(c, a->case_id, a->director,
				      a->regisseur.id ? &a->regisseur : NULL, &a->actor);
	} else if (strcmp(sub, "check") == 0) {
		if (a->bsn == NULL)
			return cli_case_usage();
		rc = wn_case_has_person(c, a->case_id, a->bsn, &a->actor);
		if (rc == WN_ENOTINCASE || rc == 0) {
			cli_done(json_pack("{s:s,s:b}", "case", a->case_id, "member", rc == 0),
				 "%s member of the household of case %s", rc == 0 ? "a" : "not a",
				 a->case_id);
			return rc == 0 ? 0 : CLI_REFUSED;
		}
	} else if (strcmp(sub, "join") == 0) {
		if (a->partner == NULL)
			return cli_case_usage();
		rc = wn_case_join(c, a->case_id, a->partner, &a->actor);
	} else if (strcmp(sub, "leave") == 0) {
		rc = wn_case_leave(c, a->case_id, a->partner, &a->actor);
	} else if (strcmp(sub, "close") == 0) {
		rc = wn_case_close(c, a->case_id, &a->actor);
	} else {
		return cli_case_usage();
	}
	if (rc != 0) {
		char what[48];
		snprintf(what, sizeof(what), "case %s%s%s", sub, sub2 ? " " : "", sub2 ? sub2 : "");
		return cli_fail(what, rc, c);
	}
	char what[48];
	snprintf(what, sizeof(what), "%s%s%s", sub, sub2 ? " " : "", sub2 ? sub2 : "");
	if (strcmp(sub, "join") == 0 || strcmp(sub, "leave") == 0) /* say who */
		return cli_done(json_pack("{s:s,s:s,s:s?}", "case", a->case_id, "done", what,
					  "partner", a->partner),
				"case %s: %s %s", a->case_id, a->partner ? a->partner : "this partner",
				strcmp(sub, "join") == 0 ? "joined" : "left");
	return cli_done(json_pack("{s:s,s:s}", "case", a->case_id, "done", what),
			"case %s: %s done", a->case_id, what);
}

int cli_case(wn_client *c, int argc, char **argv)
{
	struct case_args a;
	memset(&a, 0, sizeof(a));
	if (argc < 1)
		return cli_case_usage();
	const char *sub = argv[0];
	if (strcmp(sub, "informed") == 0)
		return cli_case_informed(c, argc, argv);
	const char *sub2 = strcmp(sub, "person") == 0 && argc > 1 ? argv[1] : NULL;
	int rc = case_parse(&a, argc, argv, sub2 ? 2 : 1);
	if (rc == 0) {
		if (strcmp(sub, "list") == 0)
			rc = case_list(c, a.json);
		else if (strcmp(sub, "open") == 0)
			rc = case_open(c, &a);
		else if (a.case_id == NULL)
			rc = cli_case_usage();
		else
			rc = case_change(c, sub, sub2, &a);
	}
	free(a.people);
	free(a.consents);
	return rc;
}
