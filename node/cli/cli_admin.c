/*
 * cli_admin.c — wijknet admin … and wijknet breaches …: the broker
 * operator's commands, over the broker's local socket (mode 0600): the
 * federation's state, suspending, resuming and revoking a partner,
 * registering a partner's new key,
 * reloading the CA and CRL, and the breach register (GDPR art. 33-34).
 */
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "cli.h"
#include "date.h"
#include "fileio.h"

#define ADMIN_TIMEOUT_MS 15000
#define ADMIN_CERT_MAX 16384 /* a PEM certificate */

int cli_admin_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet --config BROKER.json admin status|partners [--json]\n"
		"       wijknet --config BROKER.json admin suspend|resume|revoke PARTNER --reason TEXT\n"
		"       wijknet --config BROKER.json admin rekey PARTNER --cert FILE --reason TEXT\n"
		"       wijknet --config BROKER.json admin reload\n"
		"       wijknet --config BROKER.json admin backup --out DIR\n"
		"       wijknet --config BROKER.json breaches list [--json]\n"
		"       wijknet --config BROKER.json breaches show ID\n"
		"       wijknet --config BROKER.json breaches assess ID --risk none|risk|high --text T\n"
		"       wijknet --config BROKER.json breaches notify ID --to authority|subjects --text T\n"
		"The broker's admin socket: --admin ipc://PATH, else the config's \"admin\" key,\n"
		"else next to its database.\n");
	return cli_usage("admin");
}

/* The operator's name: who ran the command (sudo's caller when there). */
static const char *admin_operator(void)
{
	const char *s = getenv("SUDO_USER");
	if (s != NULL && s[0])
		return s;
	struct passwd *pw = getpwuid(getuid());
	return pw ? pw->pw_name : "unknown";
}

/* 1 when key names a moment the broker gives in epoch milliseconds. */
static int admin_time_key(const char *k)
{
	size_t n = strlen(k);
	return (n > 3 && strcmp(k + n - 3, "_at") == 0) || strcmp(k, "first_seen") == 0 ||
	       strcmp(k, "last_seen") == 0 || strcmp(k, "due") == 0;
}

/* One "key value" line per member, an object's members indented below its
 * key; moments as dates (--json keeps the milliseconds), with zoned their
 * offset from UTC. */
static void admin_print_fields(const json_t *o, int indent, int zoned)
{
	const char *k;
	json_t *x;
	json_object_foreach((json_t *)o, k, x) {
		if (json_is_object(x) && json_object_size(x) > 0) {
			printf("%*s%s\n", indent, "", k);
			admin_print_fields(x, indent + 2, zoned);
			continue;
		}
		if (json_is_integer(x) && admin_time_key(k) && json_integer_value(x) > 0) {
			char when[DATE_TIME_ZONED_LEN + 1];
			if (zoned)
				date_time_zoned_of_ms((int64_t)json_integer_value(x), when);
			else
				date_time_of_ms((int64_t)json_integer_value(x), when);
			printf("%*s%-*s %s\n", indent, "", 24 - indent > 8 ? 24 - indent : 8, k, when);
			continue;
		}
		char *v = json_is_string(x) ? NULL : json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%*s%-*s %s\n", indent, "", 24 - indent > 8 ? 24 - indent : 8, k,
		       v ? v : json_string_value(x));
		free(v);
	}
}

/* What an action did, or the record shown, as text (--json: the object). */
static void admin_print_done(const char *op, const json_t *r)
{
	size_t len = strlen(op);
	/* the breach register's 72 hours are read by an authority too */
	int zoned = strncmp(op, "breaches.", 9) == 0;
	if (len > 5 && strcmp(op + len - 5, ".show") == 0) {
		admin_print_fields(r, 0, zoned);
		return;
	}
	printf("done: %s\n", op);
	admin_print_fields(r, 2, zoned);
}

/* The WN_E code of an error name the broker answered (WN_EPROTO when it
 * names none). */
static int admin_code_of(const char *name)
{
	for (int code = -1; name != NULL && code >= -100; code--)
		if (strcmp(wn_errname(code), name) == 0 && strcmp(name, "unknown") != 0)
			return code;
	return WN_EPROTO;
}

/* The broker's admin socket: given, the config's "admin", else beside its
 * database. *node is 1 (and NULL returned) when config is a node's (it has
 * a "local" socket): its database has no admin socket beside it. */
static char *admin_url(const char *config, const char *given, int *node)
{
	*node = 0;
	if (given != NULL)
		return strdup(given);
	if (config == NULL)
		return NULL;
	json_t *root = json_load_file(config, 0, NULL);
	const char *a = json_string_value(json_object_get(root, "admin"));
	char *url = a ? strdup(a) : NULL;
	*node = url == NULL && json_object_get(root, "local") != NULL;
	json_decref(root);
	if (url != NULL || *node)
		return url;
	char *db = cli_config_path(config, "database");
	if (db != NULL) {
		size_t n = strlen(db) + 16;
		if ((url = malloc(n)) != NULL)
			snprintf(url, n, "ipc://%s.admin", db);
	}
	free(db);
	return url;
}

/* One request to the admin socket for command what; *out: the answer
 * (json_decref). */
static int admin_call(const char *what, const char *url, json_t *req, json_t **out)
{
	nng_socket s;
	char *text = json_dumps(req, JSON_COMPACT), *buf = NULL;
	size_t len = 0;
	int rv = text ? nng_req0_open(&s) : NNG_ENOMEM;
	if (rv == 0) {
		nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, ADMIN_TIMEOUT_MS);
		nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, ADMIN_TIMEOUT_MS);
		if ((rv = nng_dial(s, url, NULL, 0)) == 0 &&
		    (rv = nng_send(s, text, strlen(text), 0)) == 0)
			rv = nng_recv(s, &buf, &len, NNG_FLAG_ALLOC);
		nng_close(s);
	}
	free(text);
	if (rv != 0) {
		return cli_error(what, WN_EUNAVAILABLE, "the broker's admin socket %s: %s", url,
				 nng_strerror(rv)); /* exit 4 */
	}
	*out = json_loadb(buf, len, 0, NULL);
	nng_free(buf, len);
	return *out ? 0 : CLI_FAILURE;
}

/* In Dutch time, as the operator's clock shows it. */
static void admin_time(json_int_t ms, char *out, size_t cap)
{
	char when[DATE_TIME_LEN + 1];
	date_time_of_ms((int64_t)ms, when);
	snprintf(out, cap, "%s", when);
}

/* Nodes that witnessed more of the audit log than it holds: said plainly,
 * since the registry and policy went back with it. */
static void admin_print_behind(const json_t *behind)
{
	size_t i, n = json_array_size(json_object_get(behind, "partners"));
	json_t *x;
	if (n == 0)
		return;
	printf("WARNING: audit log behind what %zu partner%s witnessed (", n, n == 1 ? "" : "s");
	json_array_foreach(json_object_get(behind, "partners"), i, x)
		printf("%s%s", i ? ", " : "", json_string_value(x));
	printf("): a checkpoint of %lld entries, the log holds %lld: restored from an older backup? "
	       "the registry, the policy and the entries since went back with it; restore the "
	       "newest backup\n",
	       (long long)json_integer_value(json_object_get(behind, "witnessed")),
	       (long long)json_integer_value(json_object_get(behind, "log_size")));
}

static void admin_print_status(const json_t *r)
{
	size_t i;
	json_t *e;
	json_int_t crl = json_integer_value(json_object_get(r, "crl_seconds_left"));
	const char *covenant = json_string_value(json_object_get(r, "covenant"));
	printf("broker %s (%s), covenant %s, policy version %lld, ",
	       json_string_value(json_object_get(r, "broker")),
	       json_string_value(json_object_get(r, "version")), covenant ? covenant : "?",
	       (long long)json_integer_value(json_object_get(json_object_get(r, "policy"), "version")));
	if (crl > 0)
		printf("CRL lapses in %lld days\n", (long long)crl / 86400);
	else if (crl == 0)
		printf("CRL HAS LAPSED: every handshake is refused\n");
	else
		printf("no CRL\n");
	json_array_foreach(json_object_get(r, "warnings"), i, e) {
		json_int_t left = json_integer_value(json_object_get(e, "seconds_left"));
		const char *who = json_string_value(json_object_get(e, "partner"));
		printf("WARNING: %s%s%s ", json_string_value(json_object_get(e, "what")),
		       who ? " of " : "", who ? who : "");
		if (left > 0)
			printf("lapses in %lld hours\n", (long long)left / 3600);
		else
			printf("has lapsed\n");
	}
	admin_print_behind(json_object_get(r, "audit_behind"));
	printf("%-26s %-10s %-9s %-9s %s\n", "PARTNER", "STATUS", "NODE", "CERT DAYS", "END");
	json_array_foreach(json_object_get(r, "partners"), i, e) {
		char end[32] = "";
		if (json_integer_value(json_object_get(e, "end_at")) > 0)
			admin_time(json_integer_value(json_object_get(e, "end_at")), end, sizeof(end));
		char days[24];
		const char *cert = json_string_value(json_object_get(e, "cert"));
		if (cert != NULL && strcmp(cert, "valid") != 0) /* revoked, expired: not a count */
			snprintf(days, sizeof(days), "%s", cert);
		else
			snprintf(days, sizeof(days), "%lld",
				 (long long)json_integer_value(json_object_get(e,
									"cert_seconds_left")) /
					 86400);
		printf("%-26s %-10s %-9s %-9s %s\n", json_string_value(json_object_get(e, "id")),
		       json_string_value(json_object_get(e, "status")),
		       json_string_value(json_object_get(e, "state")), days, end);
	}
	json_array_foreach(json_object_get(r, "proposals"), i, e) {
		/* a join names the accession text its representative signed */
		const char *signed_text = json_string_value(
			json_object_get(json_object_get(e, "declaration"), "version"));
		size_t votes = json_array_size(json_object_get(e, "votes"));
		const char *status = json_string_value(json_object_get(e, "status"));
		if (status == NULL || strcmp(status, "open") != 0)
			continue;
		printf("pending approval: %s %s %s (%zu vote%s)%s%s\n",
		       json_string_value(json_object_get(e, "id")),
		       json_string_value(json_object_get(e, "kind")),
		       json_string_value(json_object_get(e, "subject")), votes,
		       votes == 1 ? "" : "s", signed_text ? ", accession declaration " : "",
		       signed_text ? signed_text : "");
		/* a policy change: what it would change, as member list says it */
		if (json_is_object(json_object_get(e, "changes")))
			cli_print_policy_changes(json_object_get(e, "changes"));
	}
}

static void admin_print_breaches(const json_t *r)
{
	size_t i;
	json_t *e;
	printf("%-5s %-10s %-16s %-18s %-20s %-21s %7s %s\n", "ID", "STATE", "SOURCE", "KIND",
	       "CLAIMED", "ADDRESS", "COUNT", "DUE");
	json_array_foreach(json_object_get(r, "breaches"), i, e) {
		char due[DATE_TIME_ZONED_LEN + 1] = "-"; /* recorded or closed: on no clock */
		if (json_is_integer(json_object_get(e, "due")))
			date_time_zoned_of_ms(json_integer_value(json_object_get(e, "due")), due);
		printf("%-5lld %-10s %-16s %-18s %-20s %-21s %7lld %s%s\n",
		       (long long)json_integer_value(json_object_get(e, "id")),
		       json_string_value(json_object_get(e, "state")),
		       json_string_value(json_object_get(e, "source")),
		       json_string_value(json_object_get(e, "kind")),
		       json_string_value(json_object_get(e, "peer")),
		       json_string_value(json_object_get(e, "addr")),
		       (long long)json_integer_value(json_object_get(e, "count")), due,
		       json_is_true(json_object_get(e, "overdue")) ? "  OVERDUE" : "");
	}
}

/* The certificate in the file at path, as the broker takes it in "cert";
 * else the usage error's exit status, reported. */
static int admin_cert_file(const char *path, json_t *req)
{
	char *pem = NULL;
	size_t len = 0;
	if (file_read_all(path, ADMIN_CERT_MAX, &pem, &len) != 0)
		return cli_invalid("admin", "--cert %s: cannot read a certificate file of at most "
				   "%d bytes", path, ADMIN_CERT_MAX);
	if (strstr(pem, "-----BEGIN CERTIFICATE-----") == NULL || strstr(pem, "PRIVATE KEY")) {
		free(pem);
		return cli_invalid("admin", "--cert %s: not a PEM certificate alone (the partner's "
				   "key stays with the partner)", path);
	}
	json_object_set_new(req, "cert", json_string(pem));
	free(pem);
	return 0;
}

/* The request for argv (after the command) in *out (caller frees); else the
 * exit status of the usage error, already reported once. */
static int admin_request(const char *cmd, int argc, char **argv, const char **url, int *json,
			 json_t **out)
{
	*out = NULL;
	if (argc < 1)
		return cli_admin_usage();
	json_t *req = json_object();
	char op[64];
	snprintf(op, sizeof(op), "%s%s", strcmp(cmd, "breaches") == 0 ? "breaches." : "", argv[0]);
	json_object_set_new(req, "op", json_string(op));
	json_object_set_new(req, "operator", json_string(admin_operator()));
	for (int i = 1; i < argc; i++) {
		static const char *const keys[] = { "--reason", "--risk", "--to", "--text", NULL };
		const char *v;
		int done = 0;
		for (size_t k = 0; keys[k] != NULL && !done; k++) {
			if ((v = cli_opt(argc, argv, &i, keys[k])) != NULL) {
				json_object_set_new(req, keys[k] + 2, json_string(v));
				done = 1;
			}
		}
		if (done)
			continue;
		if ((v = cli_opt(argc, argv, &i, "--admin")) != NULL) {
			*url = v;
		} else if ((v = cli_opt(argc, argv, &i, "--cert")) != NULL) {
			int rc = admin_cert_file(v, req);
			if (rc != 0) {
				json_decref(req);
				return rc;
			}
		} else if ((v = cli_opt(argc, argv, &i, "--out")) != NULL) {
			/* the broker writes it: a path as the broker sees it */
			char *abs = v[0] == '/' ? strdup(v) : realpath(".", NULL);
			if (abs != NULL && v[0] != '/') {
				char *joined = malloc(strlen(abs) + strlen(v) + 2);
				if (joined != NULL)
					sprintf(joined, "%s/%s", abs, v);
				free(abs);
				abs = joined;
			}
			if (abs == NULL) {
				json_decref(req);
				return CLI_FAILURE;
			}
			json_object_set_new(req, "dir", json_string(abs));
			free(abs);
		} else if (strcmp(argv[i], "--json") == 0) {
			*json = 1;
		} else if (argv[i][0] != '-' && strcmp(cmd, "breaches") == 0) {
			long long id = 0;
			int rc = cli_int(cmd, "the entry's id", argv[i], 1, LLONG_MAX, &id);
			if (rc != 0) {
				json_decref(req);
				return rc;
			}
			json_object_set_new(req, "id", json_integer((json_int_t)id));
		} else if (argv[i][0] != '-') {
			json_object_set_new(req, "partner", json_string(argv[i]));
		} else {
			json_decref(req);
			return cli_unknown_option(cmd, argv[i]);
		}
	}
	*out = req;
	return 0;
}

int cli_admin(const char *config, const char *cmd, int argc, char **argv)
{
	const char *given = NULL;
	int json = 0;
	json_t *req = NULL, *r = NULL;
	int usage = admin_request(cmd, argc, argv, &given, &json, &req);
	if (usage != 0)
		return usage;
	int node = 0;
	char *url = admin_url(config, given, &node);
	if (url == NULL) {
		json_decref(req);
		if (node)
			return cli_invalid(cmd, "%s is a node's config: %s is the broker operator's, "
					   "with --config BROKER.json or --admin URL", config, cmd);
		return cli_invalid(cmd, "no broker given: --config BROKER.json or --admin URL");
	}
	/* named as every command is: "admin suspend", "breaches assess" */
	char what[48];
	snprintf(what, sizeof(what), "%s %.24s", cmd, argv[0]);
	int status = admin_call(what, url, req, &r);
	free(url);
	const char *op = json_string_value(json_object_get(req, "op"));
	if (status == 0 && !json_is_true(json_object_get(r, "ok"))) {
		const char *err = json_string_value(json_object_get(r, "error"));
		const char *msg = json_string_value(json_object_get(r, "message"));
		int code = admin_code_of(err);
		if (json)
			cli_print_json(json_pack("{s:{s:s,s:i,s:s,s:s,s:i}}", "error", "command", what,
						 "code", code, "name", err ? err : "error", "message",
						 msg ? msg : "", "exit", cli_status_in(what, code)));
		fprintf(stderr, "wijknet: %s: %s (%s)\n", what, msg ? msg : "", err ? err : "error");
		status = cli_status_in(what, code);
	} else if (status == 0 && json) {
		cli_print_json(json_incref(r));
	} else if (status == 0 && (strcmp(op, "status") == 0 || strcmp(op, "partners") == 0)) {
		admin_print_status(r);
	} else if (status == 0 && strcmp(op, "breaches.list") == 0) {
		admin_print_breaches(r);
	} else if (status == 0) {
		json_object_del(r, "ok");
		admin_print_done(op, r);
	}
	json_decref(req);
	json_decref(r);
	return status;
}
