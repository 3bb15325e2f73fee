/*
 * cli_report.c — `wijknet report`: the client's access report (r17), as
 * JSON or as a page in Dutch for the client; and a saved JSON report
 * rendered as that page, offline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"

int cli_report_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet report access --bsn BSN [--partners a,b | --own] [--deadline MS]\n"
		"                 [--page N] [--json] [--out FILE|-] [--actor ID --role ROLE]\n"
		"                 (--out: the page for the client; --page: 500 rows a list each)\n"
		"       wijknet report html REPORT.json [--out FILE|-]\n");
	return cli_usage("report");
}

/* Writes text to path ("-": stdout) through a temporary file, so a page is
 * never left half-written; readable by the owner only (it is about a person). */
static int report_write(const char *path, const char *text)
{
	if (strcmp(path, "-") == 0)
		return fputs(text, stdout) < 0 ? CLI_FAILURE : 0;
	int rc = file_write_private(path, text, strlen(text));
	if (rc != 0)
		return cli_error("report", rc, "cannot write '%s': %s", path, wn_strerror(rc));
	return 0;
}

static void report_summary(const char *text)
{
	json_t *r = json_loads(text, 0, NULL), *x;
	size_t i;
	json_int_t page = json_integer_value(json_object_get(r, "page"));
	const char *scope = json_string_value(json_object_get(r, "scope"));
	/* a partner's own part (Heerlen 9.3) is whole unless cut; it is said as
	 * that part, never as the federation's complete report */
	const char *state = scope != NULL && strcmp(scope, "own") == 0
				    ? (json_object_get(r, "next_page") ? "this partner's own part, CUT"
								       : "this partner's own part, whole")
			    : json_is_true(json_object_get(r, "complete")) ? "complete"
									   : "INCOMPLETE";
	printf("access report %s%s (%s)\n", json_string_value(json_object_get(r, "request_id")),
	       page > 1 ? ", a later page" : "", state);
	if (page > 1)
		printf("page %lld: rows %lld to %lld of each organisation's lists\n", (long long)page,
		       (long long)(page - 1) * 500 + 1, (long long)page * 500);
	/* what each organisation holds, and how often it logged being asked about the person */
	printf("%-36s %8s %8s %8s\n", "ORGANISATION", "RECORDS", "LOGGED", "RIGHTS");
	json_array_foreach(json_object_get(r, "organisations"), i, x) {
		const char *id = json_string_value(json_object_get(x, "partner"));
		size_t logged = 0, k;
		json_t *d;
		json_array_foreach(json_object_get(r, "disclosures"), k, d) {
			const char *src = json_string_value(json_object_get(d, "source"));
			logged += id != NULL && src != NULL && strcmp(id, src) == 0;
		}
		printf("%-36s %8zu %8zu %8zu\n", json_string_value(json_object_get(x, "name")),
		       json_array_size(json_object_get(x, "records")), logged,
		       json_array_size(json_object_get(x, "rights")));
	}
	printf("%zu disclosure(s) logged about the person\n",
	       json_array_size(json_object_get(r, "disclosures")));
	/* changes carried out elsewhere and passed on (AVG art. 19) */
	json_array_foreach(json_object_get(r, "organisations"), i, x) {
		size_t done = 0, k;
		json_t *n, *got = json_object_get(x, "rights_received");
		json_array_foreach(got, k, n)
			done += json_integer_value(json_object_get(n, "done_at")) > 0;
		if (json_array_size(got) > 0)
			printf("%s received %zu rights notice(s) from partners, %zu carried out "
			       "there\n", json_string_value(json_object_get(x, "name")),
			       json_array_size(got), done);
	}
	json_array_foreach(json_object_get(r, "missing"), i, x)
		printf("missing: %s (%s)\n", json_string_value(json_object_get(x, "name")),
		       json_string_value(json_object_get(x, "reason")));
	json_array_foreach(json_object_get(r, "organisations"), i, x)
		if (json_is_true(json_object_get(x, "truncated")))
			printf("cut: %s holds more than one page gives\n",
			       json_string_value(json_object_get(x, "name")));
	if (json_object_get(r, "next_page") != NULL)
		printf("the rest: report access --bsn ... --page %lld\n",
		       (long long)json_integer_value(json_object_get(r, "next_page")));
	json_decref(r);
}

static int report_html_file(int argc, char **argv)
{
	const char *in = NULL, *out = "-", *v;
	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--out")))
			out = v;
		else if (argv[i][0] != '-' && in == NULL)
			in = argv[i];
		else
			return cli_unknown_option("report html", argv[i]);
	}
	if (in == NULL)
		return cli_report_usage();
	char *text = NULL, *html = NULL;
	size_t len = 0;
	int rc = file_read_all(in, 16 * 1024 * 1024, &text, &len);
	if (rc != 0)
		return cli_invalid("report html", "%s: cannot read the report (%s)", in,
				   wn_strerror(rc));
	rc = wn_report_html(text, &html);
	free(text);
	if (rc != 0)
		return rc == WN_EJSON ? cli_invalid("report html", "%s: not an access report (JSON "
						    "from 'wijknet report access --json')", in)
				      : cli_fail("report html", rc, NULL);
	rc = report_write(out, html);
	free(html);
	return rc;
}

int cli_report_offline(int argc, char **argv)
{
	if (argc >= 1 && strcmp(argv[0], "html") == 0)
		return report_html_file(argc, argv);
	return CLI_NOT_OFFLINE;
}

int cli_report(wn_client *c, int argc, char **argv)
{
	if (argc < 1 || strcmp(argv[0], "access") != 0)
		return cli_report_usage();
	wn_report_params p;
	memset(&p, 0, sizeof(p));
	const char *v, *html = NULL;
	char *partners = NULL, *text = NULL, *page = NULL;
	const char **plist = NULL;
	int json = 0, status = 2, pageno = 1;
	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--bsn")))
			p.bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--partners"))) {
			free(partners);
			partners = strdup(v);
		} else if ((v = cli_opt(argc, argv, &i, "--deadline"))) {
			long long ms = 0;
			if ((status = cli_int("report", "--deadline", v, 0, 60000, &ms)) != 0)
				goto out;
			p.deadline_ms = (int)ms;
		} else if ((v = cli_opt(argc, argv, &i, "--page"))) {
			long long n = 0;
			if ((status = cli_int("report", "--page", v, 1, 10000, &n)) != 0)
				goto out;
			pageno = (int)n;
		} else if ((v = cli_opt(argc, argv, &i, "--out")) ||
			 (v = cli_opt_renamed(argc, argv, &i, "--html", "--out")))
			html = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			p.actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			p.actor.role = v;
		else if (strcmp(argv[i], "--own") == 0)
			p.own = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else {
			status = cli_unknown_option("report", argv[i]);
			goto out;
		}
	}
	if (p.bsn == NULL) {
		status = cli_report_usage();
		goto out;
	}
	cli_default_actor(&p.actor);
	if (partners != NULL)
		p.partners = plist = cli_split(partners, &p.npartners);
	int rc = wn_report_access_page(c, &p, pageno, &text);
	if (rc != 0) {
		status = cli_fail("report access", rc, c);
		goto out;
	}
	status = 0;
	if (html != NULL) {
		if ((rc = wn_report_html(text, &page)) != 0) {
			status = cli_fail("report access (html)", rc, NULL);
			goto out;
		}
		status = report_write(html, page);
		if (status != 0)
			goto out; /* said once, in JSON too: no report after it */
	}
	if (json)
		printf("%s\n", text);
	else if (html == NULL || strcmp(html, "-") != 0)
		report_summary(text);
	json_t *rep = json_loads(text, 0, NULL);
	/* a partner's part is missing; this partner's own part (--own) is whole
	 * unless it was cut short */
	int own = json_is_string(json_object_get(rep, "scope")) &&
		  strcmp(json_string_value(json_object_get(rep, "scope")), "own") == 0;
	int cut = 0;
	size_t k;
	json_t *o;
	json_array_foreach(json_object_get(rep, "organisations"), k, o)
		cut |= json_is_true(json_object_get(o, "truncated"));
	if (status == CLI_OK && (own ? cut : !json_is_true(json_object_get(rep, "complete"))))
		status = CLI_PARTIAL;
	json_decref(rep);
out:
	free(plist);
	free(partners);
	free(text);
	free(page);
	return status;
}
