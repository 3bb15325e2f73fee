/*
 * cli_outbox.c — `wijknet outbox list|retry`: what the node has still to
 * deliver through the broker, what its receiver refused and was given up,
 * and putting that back in the queue (a receiver upgraded since takes it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"

struct outbox_args {
	const char *item;
	wn_actor actor;
	int failed, json;
};

int cli_outbox_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet outbox list [--failed] [--json]\n"
		"       wijknet outbox retry --item ID | --failed\n"
		"(each with [--actor ID --role ROLE])\n"
		"list: what waits to be delivered through the broker (notices, rights decisions,\n"
		"consent revocations, refusals passed on) and what its receiver refused and was\n"
		"given up, with why; never what an item says. retry: puts the given-up item, or\n"
		"with --failed every given-up one, back in the queue; exit 1 for an item not\n"
		"given up or unknown.\n");
	return cli_usage("outbox");
}

static int outbox_parse(struct outbox_args *a, int argc, char **argv)
{
	const char *v;
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--item")))
			a->item = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			a->actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			a->actor.role = v;
		else if (strcmp(argv[i], "--failed") == 0)
			a->failed = 1;
		else if (strcmp(argv[i], "--json") == 0)
			a->json = 1;
		else
			return cli_unknown_option("outbox", argv[i]);
	}
	cli_default_actor(&a->actor);
	return 0;
}

/* A moment in ms as "YYYY-MM-DD HH:MM", or "-". */
static const char *outbox_when(const json_t *o, const char *key, char out[DATE_TIME_LEN + 1])
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		return "-";
	date_time_of_ms(json_integer_value(v), out);
	return out;
}

static int outbox_print(const char *text)
{
	json_t *r = json_loads(text, 0, NULL), *x;
	char queued[DATE_TIME_LEN + 1], when[DATE_TIME_LEN + 1];
	size_t i;
	if (r == NULL)
		return cli_error("outbox list", WN_EJSON, "the node's answer is not JSON");
	printf("%-32s  %-15s  %-20s  %-16s  %-8s  %-8s  %-16s  %s\n", "ITEM", "KIND", "TO",
	       "QUEUED", "STATE", "ATTEMPTS", "NEXT/GIVEN UP", "LAST ERROR");
	json_array_foreach(json_object_get(r, "items"), i, x) {
		int given_up = json_object_get(x, "failed_at") != NULL;
		const char *to = json_string_value(json_object_get(x, "recipient"));
		const char *error = json_string_value(json_object_get(x, "last_error"));
		printf("%-32s  %-15s  %-20s  %-16s  %-8s  %-8lld  %-16s  %s\n",
		       json_string_value(json_object_get(x, "id")),
		       json_string_value(json_object_get(x, "kind")), to ? to : "-",
		       outbox_when(x, "queued_at", queued), given_up ? "GIVEN-UP" : "waiting",
		       (long long)json_integer_value(json_object_get(x, "attempts")),
		       outbox_when(x, given_up ? "failed_at" : "next_at", when), error ? error : "");
	}
	printf("%lld waiting, %lld given up\n",
	       (long long)json_integer_value(json_object_get(r, "waiting")),
	       (long long)json_integer_value(json_object_get(r, "given_up")));
	json_decref(r);
	return 0;
}

static int outbox_retry_run(wn_client *c, const struct outbox_args *a)
{
	char *text = NULL;
	if ((a->item != NULL) == a->failed)
		return cli_invalid("outbox retry", "name one item (--item ID) or every given-up one "
				   "(--failed), not both");
	int rc = wn_outbox_retry(c, a->item, &a->actor, &text);
	if (rc != 0)
		return cli_fail("outbox retry", rc, c);
	json_t *r = json_loads(text, 0, NULL);
	free(text);
	if (r == NULL)
		return cli_error("outbox retry", WN_EJSON, "the node's answer is not JSON");
	long long count = (long long)json_integer_value(json_object_get(r, "count"));
	if (a->item != NULL)
		return cli_done(r, "outbox item %s: back in the queue, sent now", a->item);
	return cli_done(r, "%lld given-up item(s) back in the queue, sent now", count);
}

int cli_outbox(wn_client *c, int argc, char **argv)
{
	struct outbox_args a;
	char *text = NULL;
	int rc, status;
	if (argc < 1)
		return cli_outbox_usage();
	if ((status = outbox_parse(&a, argc, argv)) != 0)
		return status;
	if (strcmp(argv[0], "retry") == 0)
		return outbox_retry_run(c, &a);
	if (strcmp(argv[0], "list") != 0 || a.item != NULL)
		return cli_outbox_usage();
	if ((rc = wn_outbox_list(c, a.failed, &a.actor, &text)) != 0)
		return cli_fail("outbox list", rc, c);
	status = a.json ? (puts(text) < 0) : outbox_print(text);
	free(text);
	return status;
}
