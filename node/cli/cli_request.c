/*
 * cli_request.c — `wijknet request`: ask one partner, within a case, for
 * the categories of one person on a lawful ground.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_request_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet request --case ID --to PARTNER --bsn BSN --categories a,b,...\n"
		"         --purpose CODE --ground CODE [--consent ID | --motivation FILE.json]\n"
		"         [--note TEXT] [--request-id ID] [--approval ID] [--actor ID --role ROLE]\n"
		"         [--deadline MS] [--json]\n"
		"grounds: consent, legal_obligation, vital_interest, public_task,\n"
		"         legitimate_interest, contract, conflict_of_duties\n");
	return cli_usage("request");
}

static void request_print(const wn_request_result *r, int json)
{
	if (json) {
		json_t *recs = json_array();
		for (size_t i = 0; i < r->count; i++) {
			json_error_t jerr;
			const wn_disclosed_record *d = &r->records[i];
			json_array_append_new(recs, json_pack("{s:s,s:o,s:s,s:I}", "category",
							      d->category, "content",
							      json_loads(d->content_json, 0, &jerr),
							      "professional", d->professional,
							      "updated_at", (json_int_t)d->updated_at));
		}
		json_t *o = json_pack("{s:s,s:s,s:s,s:o}", "request_id", r->request_id, "partner",
				      r->partner, "outcome", r->outcome, "records", recs);
		if (r->reason)
			json_object_set_new(o, "reason", json_string(r->reason));
		if (r->detail)
			json_object_set_new(o, "detail", json_string(r->detail));
		json_object_set_new(o, "repeated", json_boolean(r->repeated));
		cli_print_json(o);
		return;
	}
	printf("request %s to %s: %s", r->request_id, r->partner, r->outcome);
	if (r->reason)
		printf(" (%s)", r->reason);
	/* a retry under the id: the answer the node kept, not asked again */
	printf("%s\n", r->repeated ? ", as answered before" : "");
	if (r->detail)
		printf("  %s\n", r->detail);
	for (size_t i = 0; i < r->count; i++) {
		const wn_disclosed_record *d = &r->records[i];
		printf("  %-34s by %-12s %s\n", d->category, d->professional, d->content_json);
	}
}

int cli_request(wn_client *c, int argc, char **argv)
{
	wn_request_params p;
	memset(&p, 0, sizeof(p));
	char *cats = NULL, *motivation = NULL;
	const char *v, *motivation_file = NULL;
	int json = 0, status = 2;
	for (int i = 0; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--case")))
			p.case_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--to")))
			p.to = v;
		else if ((v = cli_opt(argc, argv, &i, "--bsn")))
			p.bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--categories"))) {
			free(cats);
			cats = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--purpose")))
			p.purpose = v;
		else if ((v = cli_opt(argc, argv, &i, "--ground")))
			p.ground = v;
		else if ((v = cli_opt(argc, argv, &i, "--consent")))
			p.consent_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--motivation")))
			motivation_file = v;
		else if ((v = cli_opt(argc, argv, &i, "--note")))
			p.note = v;
		else if ((v = cli_opt(argc, argv, &i, "--request-id")))
			p.request_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--approval")))
			p.approval = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			p.actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			p.actor.role = v;
		else if ((v = cli_opt(argc, argv, &i, "--deadline"))) {
			long long ms = 0;
			if (cli_int("request", "--deadline", v, 0, 60000, &ms) != 0) {
				free(cats);
				return CLI_USAGE;
			}
			p.deadline_ms = (int)ms;
		} else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			free(cats);
			return cli_unknown_option("request", argv[i]);
		}
	}
	if (p.case_id == NULL || p.to == NULL || p.bsn == NULL || cats == NULL ||
	    p.purpose == NULL || p.ground == NULL) {
		free(cats);
		return cli_request_usage();
	}
	if (strcmp(p.ground, "consent") == 0 && p.consent_id == NULL && p.approval == NULL) {
		free(cats);
		return cli_invalid("request", "--ground consent names the consent: --consent ID");
	}
	cli_default_actor(&p.actor);
	const char **list = cli_split(cats, &p.ncategories);
	p.categories = list;
	if (motivation_file != NULL && (motivation = cli_read_json_file(motivation_file)) == NULL) {
		status = CLI_USAGE;
		goto out;
	}
	p.motivation_json = motivation;
	wn_request_result *r = NULL;
	int rc = wn_request(c, &p, &r);
	if (rc != 0) {
		status = cli_fail("request", rc, c);
		goto out;
	}
	request_print(r, json);
	status = 0;
	if (strcmp(r->outcome, "disclosed") != 0 && strcmp(r->outcome, "not_known") != 0) {
		/* the detail is in the answer printed on stdout: not said twice */
		fflush(stdout);
		fprintf(stderr, "wijknet: request: %s by %s: %s\n", r->outcome, r->partner,
			r->reason ? r->reason : r->outcome);
		status = 1;
	}
	wn_request_result_free(r);
out:
	free(list);
	free(cats);
	free(motivation);
	return status;
}

int cli_duty_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet duty assert --case ID --bsn BSN --to PARTNER --categories a,b,...\n"
		"         --motivation FILE.json [--hours N] [--actor ID --role ROLE]\n"
		"Records this partner's own judgement that a conflict of duties justifies\n"
		"disclosing special-category data without consent, for one request of\n"
		"PARTNER (another partner of the case) about a person of the case.\n");
	return cli_usage("duty");
}

int cli_duty(wn_client *c, int argc, char **argv)
{
	const char *case_id = NULL, *bsn = NULL, *to = NULL, *file = NULL, *v;
	char *cats = NULL, *motivation = NULL;
	wn_actor actor = { NULL, NULL };
	int hours = 0, status = 2;
	if (argc < 1 || strcmp(argv[0], "assert") != 0)
		return cli_duty_usage();
	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--case")))
			case_id = v;
		else if ((v = cli_opt(argc, argv, &i, "--bsn")))
			bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--to")))
			to = v;
		else if ((v = cli_opt(argc, argv, &i, "--categories"))) {
			free(cats);
			cats = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--motivation")))
			file = v;
		else if ((v = cli_opt(argc, argv, &i, "--hours"))) {
			long long n = 0;
			if (cli_int("duty", "--hours", v, 1, 30 * 24, &n) != 0) {
				free(cats);
				return CLI_USAGE;
			}
			hours = (int)n;
		} else if ((v = cli_opt(argc, argv, &i, "--actor")))
			actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			actor.role = v;
		else if (strcmp(argv[i], "--json") != 0) { /* --json: read by main */
			free(cats);
			return cli_unknown_option("duty", argv[i]);
		}
	}
	if (case_id == NULL || bsn == NULL || to == NULL || cats == NULL || file == NULL) {
		free(cats);
		return cli_duty_usage();
	}
	cli_default_actor(&actor);
	size_t n = 0;
	const char **list = cli_split(cats, &n);
	char id[WN_ID_LEN + 1];
	if ((motivation = cli_read_json_file(file)) == NULL) {
		status = CLI_USAGE;
	} else {
		int rc = wn_duty_assert(c, case_id, bsn, to, list, n, motivation, hours, &actor, id);
		if (rc != 0) {
			status = cli_fail("duty assert", rc, c);
		} else {
			status = cli_done(json_pack("{s:s,s:s,s:i}", "assertion", id, "to", to,
						    "hours", hours),
					  "conflict of duties asserted (%s): one request from %s may "
					  "receive these categories", id, to);
		}
	}
	free(list);
	free(cats);
	free(motivation);
	return status;
}
