/*
 * cli_args.c — the values of the options that mean the same thing in every
 * command (a BSN, an id, a cluster, a purpose, a ground, categories),
 * checked as the command line is read: before the node is asked, so a value
 * that cannot be right is invalid input (exit 2) naming the option, also
 * when no node runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wijknet.h"
#include "bsn.h"
#include "cli.h"
#include "ids.h"
#include "vocab.h"

enum cli_arg_kind { ARG_BSN, ARG_BSNS, ARG_ID, ARG_IDS, ARG_CLUSTER, ARG_PURPOSE, ARG_GROUND,
		    ARG_CATEGORIES };

static const struct {
	const char *opt;
	enum cli_arg_kind kind;
} cli_arg_opts[] = {
	{ "--bsn", ARG_BSN },		{ "--people", ARG_BSNS },
	{ "--case", ARG_ID },		{ "--consent", ARG_ID },
	{ "--approval", ARG_ID },	{ "--request-id", ARG_ID },
	{ "--request", ARG_ID },	{ "--notice", ARG_ID },
	{ "--id", ARG_ID },		{ "--consents", ARG_IDS },
	{ "--item", ARG_ID },		{ "--done", ARG_ID },
	{ "--cluster", ARG_CLUSTER },	{ "--purpose", ARG_PURPOSE },
	{ "--ground", ARG_GROUND },	{ "--categories", ARG_CATEGORIES },
};

/* The codes of a vocabulary list, "a, b, c", for saying what is allowed. */
static const char *cli_arg_codes(const char *const *codes, char *buf, size_t cap)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; codes[i] != NULL && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", codes[i]);
	return buf;
}

/* One value of kind (item pos of a list, 0 for a single value); 0 or the
 * exit status, said. A wrong BSN is named by its place, never repeated:
 * one mistyped digit would put the rest of a person's number in a log. */
static int cli_arg_one(const char *what, enum cli_arg_kind kind, const char *v, size_t pos)
{
	char codes[256];
	switch (kind) {
	case ARG_BSN:
	case ARG_BSNS:
		if (bsn_validate(v) == 0)
			return 0;
		if (pos > 0)
			return cli_invalid_as(what, WN_EBSN, "item %zu is not a BSN: nine digits that "
					      "pass the 11-proef", pos);
		return cli_invalid_as(what, WN_EBSN, "the value is not a BSN: nine digits that pass "
				      "the 11-proef");
	case ARG_ID:
	case ARG_IDS:
		if (id_validate(v) == 0)
			return 0;
		return cli_invalid_as(what, WN_EINVAL, "'%.40s' is not an id: %d lowercase "
				      "hexadecimal digits, as wijknet prints it", v, ID_HEX_LEN);
	case ARG_CLUSTER:
		if (vocab_cluster(v) != 0)
			return 0;
		return cli_invalid_as(what, WN_ECLUSTER, "'%.40s' is not a cluster (%s)", v,
				   cli_arg_codes(vocab_clusters, codes, sizeof(codes)));
	case ARG_PURPOSE:
		if (vocab_purpose_known(v))
			return 0;
		return cli_invalid_as(what, WN_EPURPOSE, "'%.40s' is not a purpose (%s)", v,
				 cli_arg_codes(vocab_purposes, codes, sizeof(codes)));
	case ARG_GROUND:
		if (vocab_ground_known(v))
			return 0;
		return cli_invalid_as(what, WN_EGROUND, "'%.40s' is not a lawful ground (%s)", v,
				 cli_arg_codes(vocab_grounds, codes, sizeof(codes)));
	case ARG_CATEGORIES:
		if (vocab_category(v) != NULL)
			return 0;
		return cli_invalid_as(what, WN_ECATEGORY, "'%.60s' is not a data category of the "
				 "vocabulary", v);
	}
	return 0;
}

/* A comma-separated list: each item, the first wrong one named. */
static int cli_arg_list(const char *opt, enum cli_arg_kind kind, const char *v)
{
	char *copy = strdup(v), *save = NULL;
	int status = copy ? 0 : cli_error(opt, WN_ENOMEM, "out of memory");
	size_t n = 0;
	for (char *item = copy ? strtok_r(copy, ",", &save) : NULL; item != NULL && status == 0;
	     item = strtok_r(NULL, ",", &save)) {
		n++;
		status = cli_arg_one(opt, kind, item, n);
	}
	if (status == 0 && copy != NULL && n == 0)
		status = cli_invalid(opt, "the list is empty");
	free(copy);
	return status;
}

int cli_arg_check(const char *opt, const char *v)
{
	for (size_t i = 0; i < sizeof(cli_arg_opts) / sizeof(cli_arg_opts[0]); i++) {
		if (strcmp(opt, cli_arg_opts[i].opt) != 0)
			continue;
		enum cli_arg_kind kind = cli_arg_opts[i].kind;
		int list = kind == ARG_BSNS || kind == ARG_IDS || kind == ARG_CATEGORIES;
		return list ? cli_arg_list(opt, kind, v) : cli_arg_one(opt, kind, v, 0);
	}
	return 0;
}

int cli_arg_id(const char *what, const char *v)
{
	return cli_arg_one(what, ARG_ID, v, 0);
}

/* What a command cannot do without, whatever else it is given: named when
 * missing, before the node is asked. sub NULL: the command has none. An
 * option's old name (--id) counts as given; "a/b" is a choice of two, both
 * named when neither is given. What depends on other options
 * (--consent with --ground consent) each command says itself. */
static const struct {
	const char *cmd, *sub;
	const char *need[7];
} cli_required[] = {
	{ "lookup", NULL, { "--purpose", "--ground" } },
	{ "request", NULL, { "--case", "--to", "--bsn", "--categories", "--purpose", "--ground" } },
	{ "duty", "assert", { "--case", "--bsn", "--to", "--categories", "--motivation" } },
	{ "thirdparty", "propose", { "--case", "--party", "--bsn", "--categories", "--purpose",
				     "--ground" } },
	{ "thirdparty", "declare", { "--approval", "--name", "--organisation", "--place" } },
	{ "thirdparty", "approve", { "--approval" } },
	{ "thirdparty", "reject", { "--approval" } },
	{ "rights", "request", { "--bsn", "--kind" } },
	{ "rights", "again", { "--request|--id", "--bsn" } },
	{ "rights", "show", { "--request|--id" } },
	{ "rights", "decide", { "--request|--id", "--decision" } },
	{ "rights", "answer", { "--request|--id" } },
	{ "report", "access", { "--bsn" } },
	{ "stats", NULL, { "--month" } },
	{ "records", "put", { "--bsn", "--category", "--content" } },
	{ "records", "delete", { "--bsn", "--category" } },
	{ "backup", NULL, { "--out" } },
	{ "case", "open", { "--cluster", "--people", "--consents/--urgent" } },
	{ "case", "join", { "--case", "--partner" } },
	{ "case", "leave", { "--case" } },
	{ "case", "close", { "--case" } },
	{ "case", "director", { "--case" } },
	{ "case", "check", { "--case", "--bsn" } },
	{ "case", "person", { "--case", "--bsn", "--reason" } },
	{ "consent", "revoke", { "--consent" } },
	{ "member", "end", { "--reason" } },
	{ "outbox", "retry", { "--item/--failed" } },
};

/* 1 when one of the names in alts ("--request|--id") is among argv. */
static int cli_arg_given(const char *alts, int argc, char **argv)
{
	size_t n = 0;
	for (const char *p = alts; *p != '\0'; p += n + (p[n] != '\0')) {
		n = strcspn(p, "|/");
		for (int i = 0; i < argc; i++)
			if (strlen(argv[i]) == n && strncmp(argv[i], p, n) == 0)
				return 1;
	}
	return 0;
}

int cli_args_required(const char *cmd, int argc, char **argv)
{
	const char *sub = argc > 0 && argv[0][0] != '-' ? argv[0] : NULL;
	for (size_t i = 0; i < sizeof(cli_required) / sizeof(cli_required[0]); i++) {
		if (strcmp(cmd, cli_required[i].cmd) != 0 ||
		    (cli_required[i].sub != NULL && (sub == NULL || strcmp(sub, cli_required[i].sub)
						       != 0)))
			continue;
		for (size_t k = 0; k < 7 && cli_required[i].need[k] != NULL; k++) {
			const char *need = cli_required[i].need[k];
			if (cli_arg_given(need, argc, argv))
				continue;
			char what[64];
			size_t first = strcspn(need, "|/");
			snprintf(what, sizeof(what), "%s%s%s", cmd, cli_required[i].sub ? " " : "",
				 cli_required[i].sub ? cli_required[i].sub : "");
			if (need[first] == '/')
				return cli_invalid(what, "missing %.*s or %s (see wijknet %s --help)",
						   (int)first, need, need + first + 1, what);
			return cli_invalid(what, "missing %.*s (see wijknet %s --help)", (int)first,
					   need, what);
		}
	}
	return 0;
}
