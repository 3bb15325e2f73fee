/*
 * cli.h — shared pieces of the wijknet command-line tool.
 */
#ifndef WN_NODE_CLI_H
#define WN_NODE_CLI_H

#include <stdio.h>

#include <jansson.h>

#include "wijknet.h"

#define CLI_NOT_OFFLINE (-1000)

/* Exit statuses, the same for every command (wijknet(1)). */
enum {
	CLI_OK = 0,       /* done */
	CLI_REFUSED = 1,  /* refused, or a negative answer */
	CLI_USAGE = 2,    /* the command line or an input is invalid */
	CLI_PARTIAL = 3,  /* done in part: partners unavailable, a report incomplete */
	CLI_FAILURE = 4,  /* the node, the broker or this machine failed */
};

/* Set when the command line asks for --json: errors are JSON too. */
extern int cli_json;

/* The exit status for an error code (cli_status.c): 0 for 0, else 1, 2 or
 * 4 as wijknet(1) says; 4 for a code this CLI does not know. */
int cli_status_of(int rc);

/* The exit status for an error code of command what: WN_ESTATE is a refusal
 * (1) in membership, policy, admin, breach, rights again|decide|answer and
 * outbox retry commands, a failure (4, the node not ready) elsewhere;
 * WN_ECLUSTER is invalid input (2) in member join
 * and policy propose (a file naming no cluster's code), a refusal (1, a
 * partner outside the cluster) elsewhere. */
int cli_status_in(const char *what, int rc);

/* Prints "wijknet: what: detail (name)" and returns the exit status. */
int cli_fail(const char *what, int rc, wn_client *c);

/* An invalid command line or input (an unreadable file, an unknown option):
 * "wijknet: what: message" on stderr, and as JSON with --json; returns 2. */
int cli_invalid(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Invalid input on the command line (exit 2), said under rc's code and name
 * as the node would name it ("wijknet: what: message (invalid_bsn)"), and as
 * JSON with --json; returns 2 whatever rc's own status. */
int cli_invalid_as(const char *what, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Value of "--name VALUE" at argv[*i] (advancing *i), or NULL when argv[*i]
 * is not --name; exits with status 2 when the value is missing or, for an
 * option cli_arg_check knows, cannot be right. */
const char *cli_opt(int argc, char **argv, int *i, const char *name);

/* The value v of option opt checked, when opt is one whose values every
 * command shares (--bsn, --case and the other ids, --cluster, --purpose,
 * --ground, --categories; cli_args.c): 0, or the exit status (2) with the
 * option and what is wrong said. cli_opt checks every value it reads. */
int cli_arg_check(const char *opt, const char *v);

/* v, an id given without an option (what names it: PROPOSAL), checked as
 * cli_arg_check checks --case. */
int cli_arg_id(const char *what, const char *v);

/* The options command cmd (argv: what follows it, its subcommand first)
 * cannot do without, looked for before the node is asked: 0, or exit
 * status 2 with the first one missing named. */
int cli_args_required(const char *cmd, int argc, char **argv);

/* cli_opt for an option's name before 0.5 (old), which now is now: the
 * value, with a line on stderr naming the new name. */
const char *cli_opt_renamed(int argc, char **argv, int *i, const char *old, const char *now);

/* The text of a small JSON file (a motivation); NULL, with the error given
 * (cli_invalid: the caller exits CLI_USAGE), when it cannot be read. Caller
 * frees. */
char *cli_read_json_file(const char *path);

/* An error that is not the node's answer (the broker's admin socket cannot
 * be reached, a log cannot be read): as cli_invalid, with the status and
 * JSON code of rc. */
int cli_error(const char *what, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A command line that lacks what the command needs (its usage was printed
 * on stderr): with --json, the error on stdout too; returns CLI_USAGE. */
int cli_usage(const char *cmd);

/* Where a command's usage is printed: stderr after a mistake, stdout when
 * it was asked for (--help). */
FILE *cli_usage_stream(void);

/* Each command's full usage, on cli_usage_stream(); each returns CLI_USAGE. */
int cli_admin_usage(void);
int cli_audit_usage(void);
int cli_backup_usage(void);
int cli_case_usage(void);
int cli_consent_usage(void);
int cli_duty_usage(void);
int cli_lookup_usage(void);
int cli_member_usage(void);
int cli_notices_usage(void);
int cli_outbox_usage(void);
int cli_records_usage(void);
int cli_report_usage(void);
int cli_request_usage(void);
int cli_rights_usage(void);
int cli_stats_usage(void);
int cli_thirdparty_usage(void);

/* The whole of v as a decimal integer in [min, max] into *out; otherwise
 * cli_invalid names opt and the range, and CLI_USAGE is returned. */
int cli_int(const char *what, const char *opt, const char *v, long long min, long long max,
	    long long *out);

/* Prints the refusal of an unknown option; returns exit status 2. */
int cli_unknown_option(const char *cmd, const char *opt);

/* Splits "a,b,c" in place into a malloc'd array of n pointers into s
 * (caller frees the array). */
const char **cli_split(char *s, size_t *n);

/* Access is personal (r16): an actor not given on the command line is the
 * logged-in user, in the role "professional". */
void cli_default_actor(wn_actor *a);

/* The name of the account the command runs as ($USER when it has none);
 * static storage. */
const char *cli_login_name(void);

/* A command done: under --json prints result (JSON, owned), else the line
 * fmt makes. Returns 0. */
int cli_done(json_t *result, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints JSON to stdout, indented. Takes ownership of v. */
void cli_print_json(json_t *v);

/* The width of UTF-8 text in characters, for lining up table columns. */
size_t cli_text_width(const char *s);

/* Prints s padded with blanks to width characters, then one blank: a long
 * value pushes its row out rather than running into the next column. */
void cli_print_cell(const char *s, size_t width);

/* wijknet case … (cli_case.c), wijknet consent … (cli_consent.c). */
int cli_case(wn_client *c, int argc, char **argv);
int cli_consent(wn_client *c, int argc, char **argv);
int cli_request(wn_client *c, int argc, char **argv);
int cli_duty(wn_client *c, int argc, char **argv);
int cli_thirdparty(wn_client *c, int argc, char **argv);
int cli_rights(wn_client *c, int argc, char **argv);
/* wijknet notices …, rights status|answer, case informed (cli_notices.c). */
int cli_notices(wn_client *c, int argc, char **argv);
int cli_rights_status(wn_client *c, int argc, char **argv);
int cli_case_informed(wn_client *c, int argc, char **argv);
int cli_case_informed_usage(void);
int cli_backup(wn_client *c, int argc, char **argv);
/* wijknet outbox list|retry (cli_outbox.c). */
int cli_outbox(wn_client *c, int argc, char **argv);
int cli_report(wn_client *c, int argc, char **argv);
int cli_stats(wn_client *c, int argc, char **argv);

/* wijknet report html (offline); CLI_NOT_OFFLINE for the other subcommands. */
int cli_report_offline(int argc, char **argv);

/* wijknet audit … (cli_audit.c): offline, on a database file; config (may
 * be NULL) is a broker's or node's config whose database and certificate
 * are the defaults. */
int cli_audit(const char *config, int argc, char **argv);

/* The value of a path key of a config file, relative to the config's
 * directory as the daemons read it; NULL when absent. Caller frees. */
char *cli_config_path(const char *config, const char *key);

/* wijknet admin … and wijknet breaches … (cli_admin.c): the broker
 * operator's commands over the broker's local admin socket; config is the
 * broker's config (its "admin" key, or next to its database). */
int cli_admin(const char *config, const char *cmd, int argc, char **argv);

/* What an open policy change would change, one key a line ("  changes
 * key: from -> to"), as member list and admin status show it. */
void cli_print_policy_changes(const json_t *changes);

/* wijknet member … and wijknet policy … (cli_member.c). */
int cli_member(wn_client *c, int argc, char **argv);
int cli_policy(wn_client *c, int argc, char **argv);

/* Commands that work on files without a node; CLI_NOT_OFFLINE otherwise. */
int cli_offline_command(const char *cmd, const char *config, int argc, char **argv);

/* Commands that talk to the node; prints usage and returns 2 if unknown. */
int cli_online_command(wn_client *c, const char *cmd, int argc, char **argv);

/* 1 when cmd is a command that talks to the node (health and directory
 * aside), so an unknown one is said before any connection is tried. */
int cli_online_known(const char *cmd);

#endif
