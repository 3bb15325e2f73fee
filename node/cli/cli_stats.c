/*
 * cli_stats.c — `wijknet stats --month YYYY-MM`: the federation's anonymous
 * management information (r25), as a table, CSV or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_stats_usage(void)
{
	fprintf(cli_usage_stream(), "usage: wijknet stats --month YYYY-MM [--csv | --json]"
			" [--actor ID --role ROLE]\n");
	return cli_usage("stats");
}

/* A CSV field: quoted when it holds a separator, a quote or a line break. */
static void csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void stats_print(const json_t *r, int csv)
{
	static const char *const cols[] = { "kind", "cluster", "partner", "ground", "outcome" };
	const char *month = json_string_value(json_object_get(r, "month"));
	json_t *row, *x;
	size_t i;
	if (csv)
		printf("month,kind,cluster,partner,ground,outcome,count,suppressed\n");
	else
		printf("%-8s %-8s %-14s %-26s %-20s %-12s %s\n", "MONTH", "KIND", "CLUSTER",
		       "PARTNER", "GROUND", "OUTCOME", "COUNT");
	json_array_foreach(json_object_get(r, "rows"), i, row) {
		json_t *count = json_object_get(row, "count");
		if (csv) {
			csv_field(month);
			for (size_t k = 0; k < 5; k++) {
				putchar(',');
				csv_field(json_string_value(json_object_get(row, cols[k])));
			}
			if (count != NULL)
				printf(",%lld,no\n", (long long)json_integer_value(count));
			else
				printf(",,yes\n");
			continue;
		}
		printf("%-8s", month);
		for (size_t k = 0; k < 5; k++) {
			const char *v = json_string_value(json_object_get(row, cols[k]));
			printf(" %-*s", k == 2 ? 26 : k == 3 ? 20 : k == 4 ? 12 : k == 1 ? 14 : 8,
			       v && v[0] ? v : "-");
		}
		if (count != NULL)
			printf(" %lld\n", (long long)json_integer_value(count));
		else
			printf(" <%d\n", (int)json_integer_value(json_object_get(r, "threshold")));
	}
	if (!csv) {
		printf("%zu row(s); counts under %d are suppressed\n",
		       json_array_size(json_object_get(r, "rows")),
		       (int)json_integer_value(json_object_get(r, "threshold")));
	}
	json_array_foreach(json_object_get(r, "missing"), i, x)
		fprintf(stderr, "wijknet: stats: partner '%s' did not answer; its counts are missing\n",
			json_string_value(x));
}

int cli_stats(wn_client *c, int argc, char **argv)
{
	const char *month = NULL, *v;
	int csv = 0, json = 0;
	wn_actor actor = { NULL, NULL };
	for (int i = 0; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--month")))
			month = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			actor.role = v;
		else if (strcmp(argv[i], "--csv") == 0)
			csv = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			return cli_unknown_option("stats", argv[i]);
	}
	if (month == NULL || (csv && json))
		return cli_stats_usage();
	cli_default_actor(&actor);
	char *text = NULL;
	int rc = wn_stats(c, month, &actor, &text);
	if (rc != 0)
		return cli_fail("stats", rc, c);
	json_t *r = json_loads(text, 0, NULL);
	/* partners whose counts are missing: done in part */
	int status = r != NULL && (json_is_false(json_object_get(r, "complete")) ||
				   json_array_size(json_object_get(r, "missing")) > 0)
			     ? CLI_PARTIAL
			     : CLI_OK;
	if (json)
		printf("%s\n", text);
	else
		stats_print(r, csv);
	json_decref(r);
	free(text);
	return status;
}
