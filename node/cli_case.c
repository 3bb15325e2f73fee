/*
 * cli_case.c — `wijknet case`: open a case, add and remove partners, close
 * it, list the cases this partner takes part in.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int case_usage(void)
{
	fprintf(stderr,
		"usage: wijknet case open --cluster jeugd|volwassenen|multiprobleem [--director P]\n"
		"                         [--retention YYYY-MM-DD] [--actor ID --role ROLE] [--json]\n"
		"       wijknet case join --case ID --partner P [--actor ID --role ROLE]\n"
		"       wijknet case leave --case ID [--partner P] [--actor ID --role ROLE]\n"
		"       wijknet case close --case ID [--actor ID --role ROLE]\n"
		"       wijknet case list [--json]\n");
	return 2;
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
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:o}", "id",
							     k->id, "cluster", k->cluster, "director",
							     k->director, "status", k->status,
							     "retention", k->retention, "opened_at",
							     (json_int_t)k->opened_at, "members", m));
		}
		cli_print_json(json_pack("{s:o}", "cases", arr));
	} else {
		printf("%-32s  %-13s  %-6s  %-24s  %s\n", "CASE", "CLUSTER", "STATUS", "DIRECTOR",
		       "PARTNERS");
		for (size_t i = 0; i < l->count; i++) {
			wn_case *k = &l->items[i];
			printf("%-32s  %-13s  %-6s  %-24s  ", k->id, k->cluster, k->status, k->director);
			for (size_t j = 0; j < k->nmembers; j++)
				printf("%s%s", j ? "," : "", k->members[j]);
			printf("\n");
		}
		printf("%zu case(s)\n", l->count);
	}
	wn_case_list_free(l);
	return 0;
}

int cli_case(wn_client *c, int argc, char **argv)
{
	if (argc < 1)
		return case_usage();
	const char *sub = argv[0], *v;
	const char *cluster = NULL, *director = NULL, *case_id = NULL, *partner = NULL;
	const char *retention = NULL;
	wn_actor actor = { NULL, NULL };
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--cluster")))
			cluster = v;
		else if ((v = cli_opt(argc, argv, &i, "--director")))
			director = v;
		else if ((v = cli_opt(argc, argv, &i, "--retention")))
			retention = v;
		else if ((v = cli_opt(argc, argv, &i, "--case")))
			case_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--partner")))
			partner = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			actor.role = v;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return cli_unknown_option("case", argv[i]);
	}
	cli_default_actor(&actor);
	int rc;
	if (strcmp(sub, "list") == 0)
		return case_list(c, json);
	if (strcmp(sub, "open") == 0) {
		char id[WN_ID_LEN + 1];
		if (cluster == NULL)
			return case_usage();
		if ((rc = wn_case_open_until(c, cluster, director, retention, &actor, id)) != 0)
			return cli_fail("case open", rc, c);
		if (json)
			cli_print_json(json_pack("{s:s,s:s,s:s}", "case", id, "cluster", cluster,
						 "director", director ? director : ""));
		else
			printf("opened case %s (cluster %s)\n", id, cluster);
		return 0;
	}
	if (case_id == NULL)
		return case_usage();
	if (strcmp(sub, "join") == 0) {
		if (partner == NULL)
			return case_usage();
		rc = wn_case_join(c, case_id, partner, &actor);
	} else if (strcmp(sub, "leave") == 0) {
		rc = wn_case_leave(c, case_id, partner, &actor);
	} else if (strcmp(sub, "close") == 0) {
		rc = wn_case_close(c, case_id, &actor);
	} else {
		return case_usage();
	}
	if (rc != 0) {
		char what[32];
		snprintf(what, sizeof(what), "case %s", sub);
		return cli_fail(what, rc, c);
	}
	printf("case %s: %s done\n", case_id, sub);
	return 0;
}
