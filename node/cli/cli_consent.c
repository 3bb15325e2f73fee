/*
 * cli_consent.c — `wijknet consent`: register a signed consent declaration
 * or a refusal from a JSON file, revoke a consent, list them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "date.h"

#define CONSENT_FILE_MAX (64 * 1024)

int cli_consent_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet consent register FILE.json [--actor ID --role ROLE] [--json]\n"
		"       wijknet consent refuse FILE.json [--actor ID --role ROLE] [--json]\n"
		"       wijknet consent revoke --consent ID [--actor ID --role ROLE]\n"
		"       wijknet consent list [--bsn BSN] [--json]\n");
	return cli_usage("consent");
}

/* Reads a whole (small) file; NULL with a message on failure. Caller frees. */
static char *read_small_file(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (f == NULL) {
		cli_invalid(path, "cannot open: %s", strerror(errno));
		return NULL;
	}
	char *buf = malloc(CONSENT_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, CONSENT_FILE_MAX + 1, f) : 0;
	if (f != stdin)
		fclose(f);
	if (buf == NULL || n > CONSENT_FILE_MAX) {
		cli_invalid(path, "larger than %d bytes", CONSENT_FILE_MAX);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static void print_ms(int64_t ms)
{
	char buf[DATE_TIME_LEN + 1];
	date_time_of_ms(ms, buf);
	printf("%-17s", buf);
}

static int consent_list(wn_client *c, const char *bsn, int json)
{
	wn_consent_list *l = NULL;
	int rc = wn_consents(c, bsn, &l);
	if (rc != 0)
		return cli_fail("consent list", rc, c);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < l->count; i++) {
			wn_consent_info *k = &l->items[i];
			json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:I}", "id", k->id, "kind", k->kind,
					      "status", k->status, "valid_from", k->valid_from,
					      "registered_at", (json_int_t)k->registered_at);
			if (k->valid_until)
				json_object_set_new(e, "valid_until", json_string(k->valid_until));
			if (k->revoked_at)
				json_object_set_new(e, "revoked_at", json_integer(k->revoked_at));
			json_array_append_new(arr, e);
		}
		cli_print_json(json_pack("{s:o}", "consents", arr));
	} else {
		printf("%-32s  %-8s  %-8s  %-10s  %-10s  %s\n", "CONSENT", "KIND", "STATUS", "FROM",
		       "UNTIL", "REGISTERED (NL time)");
		for (size_t i = 0; i < l->count; i++) {
			wn_consent_info *k = &l->items[i];
			printf("%-32s  %-8s  %-8s  %-10s  %-10s  ", k->id, k->kind, k->status,
			       k->valid_from, k->valid_until ? k->valid_until : "-");
			print_ms(k->registered_at);
			printf("\n");
		}
		printf("%zu consent(s)\n", l->count);
	}
	wn_consent_list_free(l);
	return 0;
}

int cli_consent(wn_client *c, int argc, char **argv)
{
	if (argc < 1)
		return cli_consent_usage();
	const char *sub = argv[0], *file = NULL, *id = NULL, *bsn = NULL, *v;
	wn_actor actor = { NULL, NULL };
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if ((v = cli_opt(argc, argv, &i, "--consent")))
			id = v;
		else if ((v = cli_opt(argc, argv, &i, "--bsn")))
			bsn = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")))
			actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")))
			actor.role = v;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (argv[i][0] != '-' && file == NULL)
			file = argv[i];
		else
			return cli_unknown_option("consent", argv[i]);
	}
	cli_default_actor(&actor);
	if (strcmp(sub, "list") == 0)
		return consent_list(c, bsn, json);
	if (strcmp(sub, "revoke") == 0) {
		if (id == NULL)
			return cli_consent_usage();
		int rc = wn_consent_revoke(c, id, &actor);
		if (rc != 0)
			return cli_fail("consent revoke", rc, c);
		return cli_done(json_pack("{s:s,s:s}", "consent", id, "status", "revoked"),
				"consent %s revoked: every later request on it is refused", id);
	}
	int refuse = strcmp(sub, "refuse") == 0;
	if ((!refuse && strcmp(sub, "register") != 0) || file == NULL)
		return cli_consent_usage();
	char *doc = read_small_file(file), cid[WN_ID_LEN + 1];
	if (doc == NULL)
		return CLI_USAGE;
	int rc = refuse ? wn_consent_refuse(c, doc, &actor, cid)
			: wn_consent_register(c, doc, &actor, cid);
	free(doc);
	if (rc != 0)
		return cli_fail(refuse ? "consent refuse" : "consent register", rc, c);
	if (json)
		cli_print_json(json_pack("{s:s,s:s}", "consent", cid, "status",
					 refuse ? "refused" : "active"));
	else
		printf("%s %s registered\n", refuse ? "refusal" : "consent", cid);
	return 0;
}
