/*
 * cli_consent.c — `wijknet consent`: register a signed consent declaration
 * or a refusal from a JSON file, revoke one, list them.
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
		"       wijknet consent revoke --consent ID [--actor ID --role ROLE] [--json]\n"
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

/* A member of e as text; def when absent. */
static const char *str_of(const json_t *e, const char *key, const char *def)
{
	const char *v = json_string_value(json_object_get(e, key));
	return v ? v : def;
}

/* Under each row, what ties a refusal to the consents it limits (H 8.2). */
static void print_relations(const json_t *e)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(e, "limits"), i, x)
		printf("  limits consent %s%s\n", str_of(x, "consent", "?"),
		       json_is_true(json_object_get(x, "whole")) ? " (all it covered)" : " (in part)");
	json_array_foreach(json_object_get(e, "limited_by"), i, x)
		printf("  limited by refusal %s of %s%s\n", str_of(x, "refusal", "?"),
		       str_of(x, "on", "?"),
		       json_is_true(json_object_get(x, "whole")) ? ": nothing of it is usable"
								 : ": what it names is not shared");
}

static int consent_list(wn_client *c, const char *bsn, int json)
{
	char *text = NULL;
	int rc = wn_consents_json(c, bsn, &text);
	if (rc != 0)
		return cli_fail("consent list", rc, c);
	json_t *all = json_loads(text, 0, NULL), *list = json_object_get(all, "consents"), *e;
	free(text);
	size_t i;
	if (json) {
		static const char *const keep[] = { "id", "kind", "status", "valid_from",
						    "valid_until", "registered_at", "revoked_at",
						    "limits", "limited_by", NULL };
		json_t *arr = json_array();
		json_array_foreach(list, i, e) {
			json_t *o = json_object();
			for (size_t k = 0; keep[k]; k++)
				if (json_object_get(e, keep[k]) != NULL)
					json_object_set(o, keep[k], json_object_get(e, keep[k]));
			json_array_append_new(arr, o);
		}
		cli_print_json(json_pack("{s:o}", "consents", arr));
	} else {
		printf("%-32s  %-8s  %-8s  %-10s  %-10s  %s\n", "CONSENT", "KIND", "STATUS", "FROM",
		       "UNTIL", "REGISTERED (NL time)");
		json_array_foreach(list, i, e) {
			printf("%-32s  %-8s  %-8s  %-10s  %-10s  ", str_of(e, "id", ""),
			       str_of(e, "kind", ""), str_of(e, "status", ""),
			       str_of(e, "valid_from", ""), str_of(e, "valid_until", "-"));
			print_ms((int64_t)json_integer_value(json_object_get(e, "registered_at")));
			printf("\n");
			print_relations(e);
		}
		printf("%zu consent(s)\n", json_array_size(list));
	}
	json_decref(all);
	return 0;
}

/* `consent refuse`: the refusal, and the consents it limits from now on. */
static int consent_refuse(wn_client *c, const char *doc, const wn_actor *actor, int json)
{
	char *text = NULL;
	int rc = wn_consent_refuse_json(c, doc, actor, &text);
	if (rc != 0)
		return cli_fail("consent refuse", rc, c);
	json_t *r = json_loads(text, 0, NULL), *x;
	free(text);
	size_t i;
	if (json) {
		json_t *o = json_pack("{s:s,s:s}", "consent", str_of(r, "consent", ""), "status",
				      str_of(r, "status", "refused"));
		if (json_object_get(r, "limits") != NULL)
			json_object_set(o, "limits", json_object_get(r, "limits"));
		if (json_object_get(r, "passed_on") != NULL)
			json_object_set(o, "passed_on", json_object_get(r, "passed_on"));
		if (json_is_true(json_object_get(r, "registered_before")))
			json_object_set_new(o, "registered_before", json_true());
		cli_print_json(o);
		json_decref(r);
		return 0;
	}
	/* the same document given again: the refusal it is, told to no one again */
	if (json_is_true(json_object_get(r, "registered_before"))) {
		printf("refusal %s was registered from this document before: nothing is registered "
		       "or passed on again\n", str_of(r, "consent", "?"));
		json_decref(r);
		return 0;
	}
	printf("refusal %s registered\n", str_of(r, "consent", "?"));
	json_array_foreach(json_object_get(r, "limits"), i, x) {
		const char *id = str_of(x, "consent", "?");
		if (json_is_true(json_object_get(x, "whole")))
			printf("it withdraws all that consent %s covered: nothing is shared on it from "
			       "now on; revoke it (wijknet consent revoke --consent %s)\n", id, id);
		else
			printf("it limits consent %s from now on: what the refusal names is no longer "
			       "shared on it, the rest stays usable\n", id);
	}
	if (json_object_get(r, "limits") == NULL)
		printf("the consents it limits could not be listed: see `consent list`\n");
	json_int_t passed = json_integer_value(json_object_get(r, "passed_on"));
	if (passed > 0)
		printf("passed on to the %lld other source(s) it names, which refuse it too, also on "
		       "a consent another partner holds\n", (long long)passed);
	json_decref(r);
	return 0;
}

/* `consent register`: the consent, or the one this document was registered
 * as before (nothing registered again). */
static int consent_register(wn_client *c, const char *doc, const wn_actor *actor)
{
	char *text = NULL;
	int rc = wn_consent_register_json(c, doc, actor, &text);
	if (rc != 0)
		return cli_fail("consent register", rc, c);
	json_t *r = json_loads(text, 0, NULL);
	free(text);
	const char *id = str_of(r, "consent", "?");
	int before = json_is_true(json_object_get(r, "registered_before"));
	json_t *o = json_pack("{s:s,s:s}", "consent", id, "status", str_of(r, "status", "active"));
	if (o != NULL && before)
		json_object_set_new(o, "registered_before", json_true());
	if (before)
		rc = cli_done(o, "consent %s was registered from this document before: nothing is "
			      "registered again", id);
	else
		rc = cli_done(o, "consent %s registered", id);
	json_decref(r);
	return rc;
}

/* `consent revoke`: a consent, or a refusal and the sources told of it. */
static int consent_revoke(wn_client *c, const char *id, const wn_actor *actor)
{
	char *text = NULL;
	int rc = wn_consent_revoke_json(c, id, actor, &text);
	if (rc != 0)
		return cli_fail("consent revoke", rc, c);
	json_t *r = json_loads(text, 0, NULL);
	free(text);
	int refusal = strcmp(str_of(r, "kind", "consent"), "refusal") == 0;
	json_int_t passed = json_integer_value(json_object_get(r, "passed_on"));
	/* the broker out of reach: the operator learns it waits, not only the log */
	int queued = strcmp(str_of(r, "broker", ""), "queued") == 0;
	json_t *o = json_pack("{s:s,s:s}", "consent", id, "status", "revoked");
	if (o != NULL && refusal) {
		json_object_set_new(o, "kind", json_string("refusal"));
		json_object_set_new(o, "passed_on", json_integer(passed));
	}
	if (o != NULL && queued)
		json_object_set_new(o, "broker", json_string("queued"));
	json_decref(r);
	if (!refusal && queued)
		return cli_done(o, "consent %s revoked here: every later request on it is refused; "
				"the broker is out of reach: the revocation waits in the outbox "
				"(wijknet outbox list) and the broker is told once it answers", id);
	if (!refusal)
		return cli_done(o, "consent %s revoked: every later request on it is refused", id);
	if (passed > 0)
		return cli_done(o, "refusal %s revoked: it limits nothing from now on; its "
				"revocation is passed on to the %lld other source(s) it names, which "
				"stop refusing on it too", id, (long long)passed);
	return cli_done(o, "refusal %s revoked: it limits nothing from now on", id);
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
	if (strcmp(sub, "revoke") == 0)
		return id != NULL ? consent_revoke(c, id, &actor) : cli_consent_usage();
	int refuse = strcmp(sub, "refuse") == 0;
	if ((!refuse && strcmp(sub, "register") != 0) || file == NULL)
		return cli_consent_usage();
	char *doc = read_small_file(file);
	if (doc == NULL)
		return CLI_USAGE;
	if (refuse) {
		int rc = consent_refuse(c, doc, &actor, json);
		free(doc);
		return rc;
	}
	int rc = consent_register(c, doc, &actor);
	free(doc);
	return rc;
}
