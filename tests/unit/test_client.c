/*
 * test_client.c - libwijknet's refusals of its own arguments, without a
 * node (r20): an argument that is not UTF-8 or missing is WN_EINVAL with the
 * library's message, and whatever the call built for it is freed: an
 * integrator's process calls these for years.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "wijknet.h"

#define BAD "\xff\xfe" /* not UTF-8 */
#define ID "0123456789abcdef0123456789abcdef"

/* JSON values the library holds now: each allocation counted until freed. */
static long live;

static void *count_malloc(size_t n)
{
	void *p = malloc(n);
	if (p != NULL)
		live++;
	return p;
}

static void count_free(void *p)
{
	if (p != NULL)
		live--;
	free(p);
}

static wn_client *client;

static int setup(void **state)
{
	(void)state;
	json_set_alloc_funcs(count_malloc, count_free);
	/* no node is asked: each call is refused before it would be sent */
	return wn_client_open_deferred(&client, "ipc:///nonexistent/wijknet-test.sock");
}

static int teardown(void **state)
{
	(void)state;
	wn_client_close(client);
	return 0;
}

/* rc is WN_EINVAL, the message is the library's about it (not the earlier
 * call's), and nothing the call made is left. */
static void expect_refused(const char *what, int rc, long before)
{
	const char *msg = wn_client_errmsg(client);
	if (rc != WN_EINVAL || live != before || strstr(msg, "cannot reach") != NULL)
		print_error("%s: %s, %ld JSON allocation(s) left, message '%s'\n", what,
			    wn_errname(rc), live - before, msg);
	assert_int_equal(rc, WN_EINVAL);
	assert_int_equal(live, before);
	assert_true(msg[0] != '\0');
	assert_null(strstr(msg, "cannot reach"));
}

/* An earlier call that fails otherwise (no node) leaves its own message;
 * counting starts after it. */
#define REFUSED(call)                                                                      \
	do {                                                                               \
		assert_int_equal(wn_records_purge(client, NULL), WN_EUNAVAILABLE);         \
		long before_ = live;                                                       \
		expect_refused(#call, (call), before_);                                    \
	} while (0)

static void test_r20_integrity_client_text_not_utf8_leaves_nothing(void **state)
{
	(void)state;
	const wn_actor who = { "wk-0042", "wijkcoach" };
	const char *const cats[] = { "leefgebied.huisvesting" };
	char id[WN_ID_LEN + 1], *out = NULL;
	wn_rights_result *rr = NULL;
	REFUSED(wn_consent_revoke(client, BAD, &who));
	REFUSED(wn_consent_revoke_json(client, BAD, &who, &out));
	REFUSED(wn_rights_decide(client, BAD, "done", NULL, &who));
	REFUSED(wn_rights_request(client, &(wn_rights_params){ .bsn = BAD, .kind = "deletion",
							      .actor = who }, &rr));
	REFUSED(wn_rights_ask_again(client, BAD, "999990019", &who, &rr));
	REFUSED(wn_rights_show(client, BAD, &who, &out));
	REFUSED(wn_duty_assert(client, BAD, "999990019", "radar", cats, 1, "{}", 0, &who, id));
	REFUSED(wn_thirdparty_declare(client, BAD, "fictief", "Weller", "Heerlen", "2026-01-01",
				      &who));
	REFUSED(wn_thirdparty_decide(client, BAD, 1, &who));
	REFUSED(wn_thirdparty_propose(client, &(wn_thirdparty_proposal){
		.case_id = BAD, .bsn = "999990019", .party = "weller", .categories = cats,
		.ncategories = 1, .purpose = "intake", .ground = "consent", .actor = who }, id));
	REFUSED(wn_report_access(client, &(wn_report_params){ .bsn = BAD, .actor = who }, &out));
	REFUSED(wn_notice_sent(client, BAD, NULL, "post", &who));
	REFUSED(wn_case_informed(client, BAD, "before", "2026-01-01", "post", NULL, &who));
	REFUSED(wn_case_join(client, BAD, "radar", &who));
	REFUSED(wn_member_vote(client, &who, BAD, 1, NULL, &out));
	REFUSED(wn_stats(client, BAD, &who, &out));
	REFUSED(wn_outbox_retry(client, BAD, &who, &out));
	assert_null(out);
	assert_null(rr);
}

/* As REFUSED, and the message names the argument (name). */
#define REFUSED_NAMING(name, call)                                                         \
	do {                                                                               \
		REFUSED(call);                                                             \
		if (strstr(wn_client_errmsg(client), name) == NULL)                        \
			print_error("%s: message '%s' does not name %s\n", #call,           \
				    wn_client_errmsg(client), name);                       \
		assert_non_null(strstr(wn_client_errmsg(client), name));                   \
	} while (0)

static void test_r20_integrity_client_missing_argument_says_why(void **state)
{
	(void)state;
	const wn_actor who = { "wk-0042", "wijkcoach" };
	const char *const cats[] = { "leefgebied.huisvesting" };
	char *out = NULL;
	wn_lookup_result *lr = NULL;
	wn_request_result *rq = NULL;
	REFUSED(wn_health(client, NULL));
	REFUSED_NAMING("out", wn_records_purge_counts(client, NULL));
	REFUSED_NAMING("timeout_ms", wn_client_set_timeout(client, 0));
	REFUSED_NAMING("deadline_ms", wn_lookup(client, &(wn_lookup_params){
		.bsn = "999990019", .purpose = "intake", .ground = "consent", .actor = who,
		.deadline_ms = -5 }, &lr));
	REFUSED_NAMING("deadline_ms", wn_request(client, &(wn_request_params){
		.case_id = ID, .to = "radar", .bsn = "999990019", .categories = cats,
		.ncategories = 1, .purpose = "intake", .ground = "consent", .consent_id = ID,
		.actor = who, .deadline_ms = -5 }, &rq));
	REFUSED_NAMING("page", wn_report_access_page(client, &(wn_report_params){
		.bsn = "999990019", .actor = who }, 0, &out));
	REFUSED_NAMING("out", wn_consents(client, "123", NULL));
	REFUSED_NAMING("actor", wn_lookup(client, &(wn_lookup_params){
		.bsn = "999990019", .purpose = "intake", .ground = "consent",
		.actor = { NULL, "wijkcoach" } }, &lr));
	REFUSED_NAMING("'to'", wn_request(client, &(wn_request_params){
		.case_id = ID, .to = BAD, .bsn = "999990019", .categories = cats,
		.ncategories = 1, .purpose = "intake", .ground = "consent", .consent_id = ID,
		.actor = who }, &rq));
	/* each missing argument named as the header names it */
	REFUSED_NAMING("argument id is missing", wn_notice_show(client, NULL, &who, &out));
	REFUSED_NAMING("argument json_out is missing", wn_notice_show(client, ID, &who, NULL));
	REFUSED_NAMING("argument partner is missing", wn_case_join(client, ID, NULL, &who));
	REFUSED_NAMING("argument bsn is missing", wn_case_person_remove(client, ID, NULL, "verhuisd",
									 &who));
	REFUSED_NAMING("argument reason is missing", wn_case_person_remove(client, ID, "999990019",
									    NULL, &who));
	wn_rights_result *rr = NULL;
	REFUSED_NAMING("argument p->bsn is missing", wn_rights_request(client, &(wn_rights_params){
		.kind = "deletion", .actor = who }, &rr));
	assert_null(rr);
	char case_id[WN_ID_LEN + 1];
	REFUSED_NAMING("argument p->cluster is missing", wn_case_open(client, &(wn_case_params){
		.npeople = 0 }, case_id));
	/* the day a household was told is evidence: not taken to be today */
	REFUSED_NAMING("argument on", wn_case_informed(client, ID, "before", NULL, "post", NULL,
						       &who));
	assert_null(out);
	assert_null(lr);
	assert_null(rq);
}

/* Content that is JSON but no object says what it is instead. */
static void test_r20_integrity_client_content_not_object_says_what(void **state)
{
	(void)state;
	wn_record r = { "999990019", "leefgebied.huisvesting", "[1]", "prof-1", NULL };
	assert_int_equal(wn_record_put(client, &r), WN_ESCHEMA);
	assert_non_null(strstr(wn_client_errmsg(client), "not an array"));
	assert_null(strstr(wn_client_errmsg(client), "()"));
	r.content_json = "{\"a\":";
	assert_int_equal(wn_record_put(client, &r), WN_ESCHEMA);
	assert_non_null(strstr(wn_client_errmsg(client), "content: expected a JSON object ("));
}

static void *open_msg_thread(void *arg)
{
	*(int *)arg = wn_client_errmsg(NULL)[0] == '\0';
	return NULL;
}

/* With no client made, wn_client_errmsg(NULL) says why the calling
 * thread's last open failed: the socket's path and the system's reason. */
static void test_r20_integrity_client_open_failure_says_why(void **state)
{
	(void)state;
	wn_client *other = (void *)&live;
	assert_int_not_equal(wn_client_open(&other, "ipc:///nonexistent/wijknet-open.sock"), 0);
	assert_null(other);
	const char *why = wn_client_errmsg(NULL);
	assert_non_null(strstr(why, "/nonexistent/wijknet-open.sock"));
	assert_non_null(strstr(why, "cannot reach the node"));
	/* another thread's is its own */
	int empty = 0;
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, open_msg_thread, &empty), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(empty);
	assert_int_equal(wn_client_open(&other, "tcp://127.0.0.1:1"), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(NULL), "argument url"));
	assert_int_equal(wn_client_open(NULL, "ipc:///x.sock"), WN_EINVAL);
	assert_non_null(strstr(wn_client_errmsg(NULL), "argument out"));
	/* the next open that succeeds leaves none */
	assert_int_equal(wn_client_open_deferred(&other, "ipc:///nonexistent/x.sock"), 0);
	assert_string_equal(wn_client_errmsg(NULL), "");
	wn_client_close(other);
}

/* A failed call leaves its pointer out-parameter NULL, whatever it held, so
 * that freeing it is always right. No node runs: each call fails. */
#define EMPTIED(out, call)                                                                 \
	do {                                                                               \
		out = (void *)&live; /* what an integrator's variable held before */      \
		int rc_ = (call);                                                          \
		if (rc_ == 0 || out != NULL)                                               \
			print_error("%s: %s, out %s\n", #call, wn_errname(rc_),              \
				    out != NULL ? "left as it was" : "NULL");                 \
		assert_int_not_equal(rc_, 0);                                              \
		assert_null(out);                                                          \
	} while (0)

static void test_r20_integrity_client_failure_leaves_out_null(void **state)
{
	(void)state;
	const wn_actor who = { "wk-0042", "wijkcoach" };
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_partner_list *pl;
	wn_import *im;
	wn_lookup_result *lr;
	wn_case_list *cl;
	wn_request_result *rq;
	wn_thirdparty_list *tl;
	wn_rights_result *rr;
	wn_rights_list *rl;
	wn_consent_list *kl;
	char *t;
	EMPTIED(pl, wn_health(client, &pl));
	EMPTIED(pl, wn_directory(client, &pl));
	EMPTIED(pl, wn_health(NULL, &pl));
	EMPTIED(im, wn_import_begin(NULL, &im));
	EMPTIED(lr, wn_lookup(client, &(wn_lookup_params){ .bsn = "999990019", .purpose = "intake",
							  .ground = "consent", .actor = who }, &lr));
	EMPTIED(cl, wn_cases(client, &cl));
	EMPTIED(rq, wn_request(client, &(wn_request_params){ .case_id = ID, .to = "radar",
							    .bsn = "999990019", .categories = cats,
							    .ncategories = 1, .purpose = "intake",
							    .ground = "consent", .consent_id = ID,
							    .actor = who }, &rq));
	EMPTIED(tl, wn_thirdparties(client, &tl));
	EMPTIED(rr, wn_rights_request(client, &(wn_rights_params){ .bsn = "999990019",
								  .kind = "deletion",
								  .actor = who }, &rr));
	EMPTIED(rr, wn_rights_ask_again(client, ID, "999990019", &who, &rr));
	EMPTIED(rl, wn_rights_pending(client, &rl));
	EMPTIED(kl, wn_consents(client, NULL, &kl));
	EMPTIED(t, wn_member_join(client, "{}", &t));
	EMPTIED(t, wn_member_status(client, &t));
	EMPTIED(t, wn_member_withdraw(client, &t));
	EMPTIED(t, wn_member_list(client, &t));
	EMPTIED(t, wn_member_vote(client, NULL, ID, 1, NULL, &t));
	EMPTIED(t, wn_member_notice(client, NULL, 0, NULL, &t));
	EMPTIED(t, wn_member_end(client, &who, NULL, "reden", &t));
	EMPTIED(t, wn_member_address(client, &who, "tls+tcp://127.0.0.1:1", &t));
	EMPTIED(t, wn_policy_propose(client, &who, "[", &t));
	EMPTIED(t, wn_policy_withdraw(client, &who, ID, NULL, &t));
	EMPTIED(t, wn_member_exit_withdraw(client, &who, NULL, NULL, &t));
	EMPTIED(t, wn_stats(NULL, "2026-01", &who, &t));
	EMPTIED(t, wn_backup(client, NULL, &who, &t));
	EMPTIED(t, wn_notice_show(client, NULL, &who, &t));
	EMPTIED(t, wn_report_html(NULL, &t));
	EMPTIED(t, wn_outbox_retry(NULL, NULL, &who, &t));
}

/* An id a failed call was to write is empty, not what the buffer held. */
static void test_r20_integrity_client_failure_leaves_id_empty(void **state)
{
	(void)state;
	const wn_actor who = { "wk-0042", "wijkcoach" };
	const char *const cats[] = { "leefgebied.huisvesting" };
	const char *const people[] = { "999990019" };
	const char *const consents[] = { ID };
	char id[WN_ID_LEN + 1];
	memcpy(id, ID, sizeof(id));
	assert_int_not_equal(wn_consent_register(client, "{}", &who, id), 0);
	assert_string_equal(id, "");
	memcpy(id, ID, sizeof(id));
	assert_int_not_equal(wn_consent_refuse(client, "[", &who, id), 0);
	assert_string_equal(id, "");
	memcpy(id, ID, sizeof(id));
	assert_int_not_equal(wn_case_open(client, &(wn_case_params){ .cluster = "jeugd",
		.people = people, .npeople = 1, .consents = consents, .nconsents = 1,
		.actor = who }, id), 0);
	assert_string_equal(id, "");
	memcpy(id, ID, sizeof(id));
	assert_int_not_equal(wn_duty_assert(client, ID, "999990019", "radar", cats, 1, "{}", 0,
					    &who, id), 0);
	assert_string_equal(id, "");
	memcpy(id, ID, sizeof(id));
	assert_int_not_equal(wn_thirdparty_propose(NULL, &(wn_thirdparty_proposal){ 0 }, id), 0);
	assert_string_equal(id, "");
}

/* What can never reach a node is refused when it is given, not at a later
 * call: a socket url without a path, or with one longer than a socket's,
 * and an import line longer than one request carries. */
static void test_r20_integrity_client_refuses_when_given(void **state)
{
	(void)state;
	char url[160];
	wn_client *other = (void *)&live;
	assert_int_equal(wn_client_open_deferred(&other, "ipc://"), WN_EINVAL);
	assert_null(other);
	assert_int_equal(wn_client_open(&other, "ipc://"), WN_EINVAL);
	snprintf(url, sizeof(url), "ipc:///tmp/%0120d.sock", 0);
	assert_int_equal(wn_client_open_deferred(&other, url), WN_EINVAL);
	assert_null(other);
	size_t big = 800 * 1024;
	char *line = malloc(big + 1);
	assert_non_null(line);
	memset(line, 'x', big);
	memcpy(line, "{\"bsn\":\"", 8);
	memcpy(line + big - 2, "\"}", 3);
	wn_import *im = NULL;
	long imported = -1;
	assert_int_equal(wn_import_begin(client, &im), 0);
	assert_int_equal(wn_import_add(im, 3, line), WN_ETOOBIG);
	assert_non_null(strstr(wn_client_errmsg(client), "line 3"));
	assert_int_equal(wn_import_commit(im, &imported), WN_ETOOBIG);
	assert_int_equal(imported, 0);
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r20_integrity_client_text_not_utf8_leaves_nothing),
		cmocka_unit_test(test_r20_integrity_client_missing_argument_says_why),
		cmocka_unit_test(test_r20_integrity_client_content_not_object_says_what),
		cmocka_unit_test(test_r20_integrity_client_open_failure_says_why),
		cmocka_unit_test(test_r20_integrity_client_failure_leaves_out_null),
		cmocka_unit_test(test_r20_integrity_client_failure_leaves_id_empty),
		cmocka_unit_test(test_r20_integrity_client_refuses_when_given),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
