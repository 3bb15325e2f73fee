/*
 * cli_member.c — wijknet member … and wijknet policy …: this partner's join
 * request, its votes, its notice; the municipality ending a membership;
 * proposing a policy change, and taking one's own proposal back (an exit,
 * a policy change).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "date.h"

int cli_member_usage(void)
{
	fprintf(cli_usage_stream(),
		"usage: wijknet member join REQUEST.json [--role member|municipality|incidental]\n"
		"                                       [--json]\n"
		"       wijknet member status [--json]\n"
		"       wijknet member withdraw              (a join request not yet decided)\n"
		"       wijknet member withdraw PROPOSAL [--reason TEXT]  (an exit this partner\n"
		"                                            proposed, while it is open)\n"
		"       wijknet member list [--json]\n"
		"       wijknet member approve|reject PROPOSAL [--reason TEXT]\n"
		"       wijknet member notice [--immediate] [--reason TEXT]\n"
		"       wijknet member end PARTNER --reason TEXT      (the municipality)\n"
		"       wijknet member address tls+tcp://HOST:PORT    (this node moved)\n"
		"       wijknet policy show [--json]\n"
		"       wijknet policy propose CHANGE.json   (the keys it changes)\n"
		"       wijknet policy withdraw PROPOSAL [--reason TEXT]  (this partner's own\n"
		"                                            proposal, while it is open)\n"
		"REQUEST.json: name, address, clusters, role (optional, as --role: the role\n"
		"this partner joins with, member by default), and the accession\n"
		"declaration's organisation, representative, function, place, date and\n"
		"covenant (heerlen, the default, or groningen: the text that is signed).\n"
		"Decisions name the professional: --actor ID --role ROLE (default: the\n"
		"logged-in user).\n");
	return cli_usage("member");
}

void cli_print_policy_changes(const json_t *changes)
{
	const char *k;
	json_t *c;
	json_object_foreach((json_t *)changes, k, c) {
		char *from = json_dumps(json_object_get(c, "from"), JSON_COMPACT | JSON_SORT_KEYS |
					JSON_ENCODE_ANY);
		char *to = json_dumps(json_object_get(c, "to"), JSON_COMPACT | JSON_SORT_KEYS |
				      JSON_ENCODE_ANY);
		printf("  changes %s: %s -> %s\n", k, from ? from : "(default)",
		       to ? to : "(default)");
		free(from);
		free(to);
	}
}

/* Prints a result: JSON as is, or one line per field of a flat object. */
static void member_print(const char *json, int as_json)
{
	json_t *v = json_loads(json, 0, NULL);
	if (as_json || !json_is_object(v)) {
		printf("%s\n", json);
		json_decref(v);
		return;
	}
	const char *k;
	json_t *x;
	json_object_foreach(v, k, x) {
		size_t kl = strlen(k);
		if (strcmp(k, "changes") == 0 && json_is_object(x)) {
			cli_print_policy_changes(x);
			continue;
		}
		if (json_is_integer(x) && kl > 3 && strcmp(k + kl - 3, "_at") == 0) {
			char when[DATE_TIME_LEN + 1];
			date_time_of_ms((int64_t)json_integer_value(x), when);
			printf("%-10s %s\n", k, when);
			continue;
		}
		char *s = json_is_string(x) ? NULL : json_dumps(x, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%-10s %s\n", k, s ? s : json_string_value(x));
		free(s);
	}
	json_decref(v);
}

/* A policy proposal's subject is the version it makes, not a partner: the
 * answer's "partner" is shown as "policy" (*json replaced when it is one). */
static void member_name_policy(char **json)
{
	json_t *v = json_loads(*json, 0, NULL), *subject = json_object_get(v, "partner");
	char *text = NULL;
	if (json_is_string(subject) && strncmp(json_string_value(subject), "policy-v", 8) == 0) {
		json_object_set(v, "policy", subject);
		json_object_del(v, "partner");
		text = json_dumps(v, JSON_COMPACT);
	}
	json_decref(v);
	if (text != NULL) {
		free(*json);
		*json = text;
	}
}

/* What the members decide a join on: who asks, for which clusters, and the
 * accession declaration it signed, named by its text's version. */
static void member_print_candidate(const json_t *e)
{
	const json_t *d = json_object_get(e, "declaration");
	const json_t *doc = json_object_get(e, "document");
	const char *outcome = json_string_value(json_object_get(e, "outcome"));
	const char *reason = json_string_value(json_object_get(doc, "reason"));
	/* what an open policy proposal changes, as the members vote on it */
	if (d == NULL && json_is_object(json_object_get(e, "changes")))
		cli_print_policy_changes(json_object_get(e, "changes"));
	/* why a membership is to end */
	if (d == NULL && reason != NULL && reason[0] != '\0')
		printf("  reason: %s\n", reason);
	/* a decided one: how the vote went (a policy's subject names the version it made) */
	if (d == NULL && outcome != NULL && outcome[0] != '\0')
		printf("  outcome: %s\n", outcome);
	if (d == NULL)
		return;
	const char *role = json_string_value(json_object_get(e, "role"));
	printf("  %s, %s%sclusters", json_string_value(json_object_get(e, "name"))
				    ? json_string_value(json_object_get(e, "name")) : "?",
	       role && strcmp(role, "member") != 0 ? role : "",
	       role && strcmp(role, "member") != 0 ? ", " : "");
	size_t k;
	json_t *c;
	json_array_foreach(json_object_get(e, "clusters"), k, c)
		printf("%s%s", k ? "," : " ", json_string_value(c) ? json_string_value(c) : "?");
	if (json_string_value(json_object_get(e, "address")) != NULL)
		printf(", at %s", json_string_value(json_object_get(e, "address")));
	static const char *const f[] = { "version", "organisation", "representative", "function",
					 "place", "date" };
	const char *v[6];
	for (int i = 0; i < 6; i++) {
		v[i] = json_string_value(json_object_get(d, f[i]));
		if (v[i] == NULL)
			v[i] = "?";
	}
	printf("\n  accession declaration %s: %s, signed by %s (%s), %s, %s\n", v[0], v[1], v[2],
	       v[3], v[4], v[5]);
	if (outcome != NULL && outcome[0] != '\0')
		printf("  outcome: %s\n", outcome);
}

static void member_print_list(const char *json)
{
	json_t *v = json_loads(json, 0, NULL);
	size_t i;
	json_t *e;
	printf("%-32s %-7s %-20s %-9s %s\n", "PROPOSAL", "KIND", "SUBJECT", "STATUS", "VOTES");
	json_array_foreach(json_object_get(v, "proposals"), i, e) {
		printf("%-32s %-7s %-20s %-9s ", json_string_value(json_object_get(e, "id")),
		       json_string_value(json_object_get(e, "kind")),
		       json_string_value(json_object_get(e, "subject")),
		       json_string_value(json_object_get(e, "status")));
		size_t k;
		json_t *vote;
		json_array_foreach(json_object_get(e, "votes"), k, vote)
			printf("%s%s:%s", k ? "," : "", json_string_value(json_object_get(vote, "partner")),
			       json_string_value(json_object_get(vote, "vote")));
		printf("\n");
		member_print_candidate(e);
	}
	printf("\n%-26s %-10s %s\n", "PARTNER", "STATUS", "END");
	json_array_foreach(json_object_get(v, "partners"), i, e) {
		char end[DATE_LEN + 1] = "";
		json_int_t at = json_integer_value(json_object_get(e, "end_at"));
		if (at > 0)
			date_of_ms((int64_t)at, end);
		printf("%-26s %-10s %s\n", json_string_value(json_object_get(e, "id")),
		       json_string_value(json_object_get(e, "status")), end);
	}
	json_decref(v);
}

struct member_opts {
	int json, immediate;
	const char *reason, *file, *target;
	const char *role; /* --role as given: for a join, the role the partner joins with */
	wn_actor actor;
};

static int member_opts_read(const char *cmd, int argc, char **argv, struct member_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--json") == 0)
			o->json = 1;
		else if (strcmp(argv[i], "--immediate") == 0)
			o->immediate = 1;
		else if ((v = cli_opt(argc, argv, &i, "--reason")) != NULL)
			o->reason = v;
		else if ((v = cli_opt(argc, argv, &i, "--actor")) != NULL)
			o->actor.id = v;
		else if ((v = cli_opt(argc, argv, &i, "--role")) != NULL)
			o->actor.role = o->role = v;
		else if (strcmp(argv[i], "--help") == 0)
			return cli_member_usage();
		else if (argv[i][0] != '-' && o->target == NULL)
			o->target = argv[i];
		else
			return cli_unknown_option(cmd, argv[i]);
	}
	cli_default_actor(&o->actor);
	return 0;
}

static char *member_read_file(const char *path)
{
	return path ? cli_read_json_file(path) : NULL;
}

/* A join's --role: the role this partner joins with, put in the request
 * (*doc replaced). One that REQUEST.json names otherwise is refused, exit 2:
 * which of the two was meant is not ours to guess. */
static int member_join_role(char **doc, const char *role)
{
	int rc = 0;
	json_t *r = json_loads(*doc, 0, NULL);
	const char *named = json_string_value(json_object_get(r, "role"));
	if (strcmp(role, "member") != 0 && strcmp(role, "municipality") != 0 &&
	    strcmp(role, "incidental") != 0) {
		rc = cli_invalid("member join", "--role: '%s' is not member, municipality or "
				 "incidental", role);
	} else if (named != NULL && strcmp(named, role) != 0) {
		rc = cli_invalid("member join", "--role %s, but REQUEST.json says \"role\": \"%s\":"
				 " give one", role, named);
	} else if (json_is_object(r)) { /* not JSON: the node says so */
		char *with = NULL;
		json_object_set_new(r, "role", json_string(role));
		if ((with = json_dumps(r, JSON_COMPACT)) == NULL) {
			rc = cli_invalid("member join", "out of memory");
		} else {
			free(*doc);
			*doc = with;
		}
	}
	json_decref(r);
	return rc;
}

/* A command line without what sub needs: named, exit 2. */
static int member_missing(const char *cmd, const char *sub, const char *what)
{
	char both[48];
	snprintf(both, sizeof(both), "%s %.24s", cmd, sub);
	return cli_invalid(both, "missing %s (see wijknet %s --help)", what, cmd);
}

int cli_member(wn_client *c, int argc, char **argv)
{
	struct member_opts o;
	if (argc < 1)
		return cli_member_usage();
	const char *sub = argv[0];
	int rc = member_opts_read("member", argc, argv, &o);
	if (rc != 0)
		return rc;
	/* a proposal's id is checked before the node is asked */
	if (o.target != NULL && (strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0 ||
				 strcmp(sub, "withdraw") == 0) &&
	    (rc = cli_arg_id("PROPOSAL", o.target)) != 0)
		return rc;
	char *out = NULL, *doc = NULL;
	if (strcmp(sub, "join") == 0) {
		if ((doc = member_read_file(o.target)) == NULL)
			return o.target ? CLI_USAGE : member_missing("member", sub, "REQUEST.json");
		if (o.role != NULL && (rc = member_join_role(&doc, o.role)) != 0) {
			free(doc);
			return rc;
		}
		rc = wn_member_join(c, doc, &out);
	} else if (strcmp(sub, "status") == 0) {
		rc = wn_member_status(c, &out);
	} else if (strcmp(sub, "withdraw") == 0) {
		/* a candidate's join request has no id it knows; an exit has one */
		rc = o.target ? wn_member_exit_withdraw(c, &o.actor, o.target, o.reason, &out)
			      : wn_member_withdraw(c, &out);
	} else if (strcmp(sub, "list") == 0) {
		rc = wn_member_list(c, &out);
	} else if (strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0) {
		if (o.target == NULL)
			return member_missing("member", sub, "PROPOSAL");
		rc = wn_member_vote(c, &o.actor, o.target, strcmp(sub, "approve") == 0, o.reason, &out);
	} else if (strcmp(sub, "notice") == 0) {
		rc = wn_member_notice(c, &o.actor, o.immediate, o.reason, &out);
	} else if (strcmp(sub, "address") == 0) {
		if (o.target == NULL)
			return member_missing("member", sub, "tls+tcp://HOST:PORT");
		rc = wn_member_address(c, &o.actor, o.target, &out);
	} else if (strcmp(sub, "end") == 0) {
		if (o.target == NULL || o.reason == NULL)
			return member_missing("member", sub, o.target ? "--reason TEXT" : "PARTNER");
		rc = wn_member_end(c, &o.actor, o.target, o.reason, &out);
	} else {
		return cli_member_usage();
	}
	free(doc);
	if (rc != 0) {
		char what[48];
		snprintf(what, sizeof(what), "member %s", sub);
		return cli_fail(what, rc, c);
	}
	if (strcmp(sub, "list") == 0 && !o.json) {
		member_print_list(out);
	} else {
		/* a vote on, or the withdrawal of, a policy change names its version */
		if (!o.json)
			member_name_policy(&out);
		member_print(out, o.json);
	}
	/* notice given, its immediate exit not proposed: done in part */
	json_t *v = json_loads(out, 0, NULL);
	int partial = json_is_string(json_object_get(v, "exit_error"));
	json_decref(v);
	free(out);
	return partial ? CLI_PARTIAL : 0;
}

int cli_policy(wn_client *c, int argc, char **argv)
{
	struct member_opts o;
	if (argc < 1)
		return cli_member_usage();
	int rc = member_opts_read("policy", argc, argv, &o);
	if (rc != 0)
		return rc;
	char *out = NULL, *doc = NULL;
	if (strcmp(argv[0], "show") == 0) {
		if ((rc = wn_member_list(c, &out)) != 0)
			return cli_fail("policy show", rc, c);
		json_t *v = json_loads(out, 0, NULL);
		char *p = json_dumps(json_object_get(v, "policy"), JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("%s\n", p ? p : "{}");
		free(p);
		json_decref(v);
		free(out);
		return 0;
	}
	if (strcmp(argv[0], "withdraw") == 0) {
		if (o.target == NULL)
			return member_missing("policy", argv[0], "PROPOSAL");
		if ((rc = cli_arg_id("PROPOSAL", o.target)) != 0)
			return rc;
		if ((rc = wn_policy_withdraw(c, &o.actor, o.target, o.reason, &out)) != 0)
			return cli_fail("policy withdraw", rc, c);
	} else if (strcmp(argv[0], "propose") == 0) {
		if ((doc = member_read_file(o.target)) == NULL)
			return o.target ? CLI_USAGE : member_missing("policy", argv[0], "CHANGE.json");
		rc = wn_policy_propose(c, &o.actor, doc, &out);
		free(doc);
		if (rc != 0)
			return cli_fail("policy propose", rc, c);
	} else {
		return cli_member_usage();
	}
	if (!o.json)
		member_name_policy(&out);
	member_print(out, o.json);
	free(out);
	return 0;
}
