/*
 * test_client_host.c - libwijknet inside an integrator's program (r20),
 * against a stand-in node on an ipc socket: the text a call hands back is
 * the caller's to free(), also in a program that gave jansson allocators of
 * its own, and a client's timeout is set while another thread's call waits
 * for its answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>

#include "wijknet.h"

#define ID "0123456789abcdef0123456789abcdef"

/* ---- the host's allocator: blocks from an arena of its own, never malloc's.
 * free() of one is what ASan (and glibc) catch; in_arena() says so first. */

#define ARENA_SIZE ((size_t)256 << 20)
static unsigned char *arena;
static atomic_size_t arena_used;

static int in_arena(const void *p)
{
	const unsigned char *b = p;
	return arena != NULL && b >= arena && b < arena + ARENA_SIZE;
}

static void *arena_malloc(size_t n)
{
	size_t size = (n + 15) & ~(size_t)15;
	size_t off = atomic_fetch_add(&arena_used, size);
	return off + size <= ARENA_SIZE ? arena + off : NULL;
}

/* The library gave jansson's free a block jansson did not allocate. */
static void arena_free(void *p)
{
	if (p != NULL && !in_arena(p)) {
		fprintf(stderr, "jansson's free was given %p, which its allocator did not give\n",
			p);
		abort();
	}
}

/* ---- the stand-in node ------------------------------------------------ */

static char dir[128], url[160];
static nng_socket node_sock;
static pthread_t node_thread;
static atomic_int node_hold_ms; /* how long it keeps the next requests before answering */
static atomic_int node_release; /* answer the one held now */
static atomic_int node_got, node_answered, node_stop;

/* One result for every operation: each call reads what it needs of it. */
static const char node_reply[] =
	"{\"ok\":true,\"result\":{\"request_id\":\"" ID "\",\"consent\":\"" ID "\","
	"\"assertion\":\"" ID "\",\"approval\":{\"id\":\"" ID "\"},\"case\":{\"id\":\"" ID "\"},"
	"\"partner\":\"radar\",\"outcome\":\"disclosed\",\"self\":\"gemeente\","
	"\"broker\":\"broker\",\"imported\":1,\"purged\":0,"
	"\"records\":[{\"category\":\"leefgebied.huisvesting\",\"content\":{\"b\":[1,2],"
	"\"a\":\"x\"},\"professional\":\"p-1\",\"updated_at\":1}],"
	"\"answers\":[{\"partner\":\"radar\",\"status\":\"registered\",\"outcome\":\"known\","
	"\"deadline\":\"2026-02-01\",\"bsn\":\"999990019\"}],"
	"\"partners\":[{\"id\":\"radar\",\"name\":\"Radar\",\"status\":\"active\"}],"
	"\"cases\":[{\"id\":\"" ID "\",\"cluster\":\"jeugd\",\"director\":\"gemeente\","
	"\"status\":\"open\",\"members\":[\"gemeente\"]}],"
	"\"consents\":[{\"id\":\"" ID "\",\"kind\":\"consent\",\"status\":\"active\","
	"\"valid_from\":\"2026-01-01\"}],"
	"\"approvals\":[{\"id\":\"" ID "\",\"categories\":[\"leefgebied.huisvesting\"]}],"
	"\"requests\":[{\"id\":\"" ID "\",\"kind\":\"deletion\",\"status\":\"open\"}]}}";

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };
	nanosleep(&ts, NULL);
}

/* Answers each request, after holding it node_hold_ms (or until released). */
static void *node_run(void *arg)
{
	(void)arg;
	while (!atomic_load(&node_stop)) {
		nng_msg *m = NULL;
		int rv = nng_recvmsg(node_sock, &m, 0);
		if (rv == NNG_ETIMEDOUT)
			continue;
		if (rv != 0)
			break;
		atomic_fetch_add(&node_got, 1);
		int64_t until = now_ms() + atomic_load(&node_hold_ms);
		while (now_ms() < until && !atomic_exchange(&node_release, 0))
			pause_ms(5);
		nng_msg_clear(m);
		nng_msg_append(m, node_reply, strlen(node_reply));
		if (nng_sendmsg(node_sock, m, 0) != 0)
			nng_msg_free(m);
		atomic_fetch_add(&node_answered, 1);
	}
	return NULL;
}

/* Waits, at most ms, until *v reaches want. */
static int wait_for(atomic_int *v, int want, int ms)
{
	int64_t until = now_ms() + ms;
	while (atomic_load(v) < want && now_ms() < until)
		pause_ms(5);
	return atomic_load(v) >= want;
}

static wn_client *client;

static int setup(void **state)
{
	(void)state;
	arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		return -1;
	/* as a host program does, before anything uses jansson */
	json_set_alloc_funcs(arena_malloc, arena_free);
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/wn-host-XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(url, sizeof(url), "ipc://%s/node.sock", dir);
	if (nng_rep0_open(&node_sock) != 0 || nng_listen(node_sock, url, NULL, 0) != 0)
		return -1;
	nng_socket_set_ms(node_sock, NNG_OPT_RECVTIMEO, 100);
	if (pthread_create(&node_thread, NULL, node_run, NULL) != 0)
		return -1;
	return wn_client_open(&client, url);
}

static int teardown(void **state)
{
	(void)state;
	wn_client_close(client);
	atomic_store(&node_stop, 1);
	pthread_join(node_thread, NULL);
	nng_close(node_sock);
	char sock[160];
	snprintf(sock, sizeof(sock), "%s/node.sock", dir);
	unlink(sock);
	rmdir(dir);
	return 0;
}

/* The call succeeds and its text is malloc's: free() is right for it. */
#define CALLERS(out, call)                                                                 \
	do {                                                                               \
		out = NULL;                                                                \
		int rc_ = (call);                                                          \
		if (rc_ != 0)                                                              \
			print_error("%s: %s (%s)\n", #call, wn_errname(rc_),                \
				    wn_client_errmsg(client));                              \
		assert_int_equal(rc_, 0);                                                  \
		assert_non_null(out);                                                      \
		if (in_arena(out))                                                         \
			fail_msg("%s: the text is jansson's allocator's, not malloc's", #call); \
		free(out);                                                                 \
	} while (0)

static void test_r20_integrity_client_text_is_malloc_under_host_allocator(void **state)
{
	(void)state;
	const wn_actor who = { "wk-0042", "wijkcoach" };
	const wn_report_params rp = { .bsn = "999990019", .actor = who };
	char *t;
	CALLERS(t, wn_stats(client, "2026-01", &who, &t));
	CALLERS(t, wn_backup(client, "/var/backups/wijknet", &who, &t));
	CALLERS(t, wn_report_access(client, &rp, &t));
	CALLERS(t, wn_report_access_page(client, &rp, 2, &t));
	CALLERS(t, wn_consent_refuse_json(client, "{}", &who, &t));
	CALLERS(t, wn_consent_revoke_json(client, ID, &who, &t));
	CALLERS(t, wn_consents_json(client, NULL, &t));
	CALLERS(t, wn_member_join(client, "{}", &t));
	CALLERS(t, wn_member_status(client, &t));
	CALLERS(t, wn_member_withdraw(client, &t));
	CALLERS(t, wn_member_list(client, &t));
	CALLERS(t, wn_member_vote(client, &who, ID, 1, NULL, &t));
	CALLERS(t, wn_member_notice(client, &who, 0, "reden", &t));
	CALLERS(t, wn_member_end(client, &who, "radar", "reden", &t));
	CALLERS(t, wn_member_address(client, &who, "tls+tcp://127.0.0.1:1", &t));
	CALLERS(t, wn_policy_propose(client, &who, "{\"notice_months\":3}", &t));
	CALLERS(t, wn_policy_withdraw(client, &who, ID, NULL, &t));
	CALLERS(t, wn_member_exit_withdraw(client, &who, ID, NULL, &t));
	CALLERS(t, wn_rights_show(client, ID, &who, &t));
	CALLERS(t, wn_rights_notices(client, &who, &t));
	CALLERS(t, wn_rights_status(client, NULL, &who, &t));
	CALLERS(t, wn_notices_list(client, 1, &who, &t));
	CALLERS(t, wn_notice_show(client, ID, &who, &t));
	CALLERS(t, wn_case_informed_show(client, ID, NULL, &who, &t));
	CALLERS(t, wn_outbox_list(client, 0, &who, &t));
	CALLERS(t, wn_outbox_retry(client, NULL, &who, &t));
}

/* The lists keep the node's answer and free it with it; a disclosed
 * record's content is text of the library's own. */
static void test_r20_integrity_client_lists_free_under_host_allocator(void **state)
{
	(void)state;
	const wn_actor who = { "wk-0042", "wijkcoach" };
	const char *const cats[] = { "leefgebied.huisvesting" };
	wn_request_result *rq = NULL;
	assert_int_equal(wn_request(client, &(wn_request_params){
		.case_id = ID, .to = "radar", .bsn = "999990019", .categories = cats,
		.ncategories = 1, .purpose = "intake", .ground = "consent", .consent_id = ID,
		.actor = who }, &rq), 0);
	assert_int_equal(rq->count, 1);
	assert_string_equal(rq->records[0].content_json, "{\"a\":\"x\",\"b\":[1,2]}");
	assert_false(in_arena(rq->records[0].content_json));
	wn_request_result_free(rq);
	wn_partner_list *pl = NULL;
	assert_int_equal(wn_health(client, &pl), 0);
	wn_partner_list_free(pl);
	wn_case_list *cl = NULL;
	assert_int_equal(wn_cases(client, &cl), 0);
	wn_case_list_free(cl);
	wn_consent_list *kl = NULL;
	assert_int_equal(wn_consents(client, NULL, &kl), 0);
	wn_consent_list_free(kl);
	wn_thirdparty_list *tl = NULL;
	assert_int_equal(wn_thirdparties(client, &tl), 0);
	assert_string_equal(tl->items[0].categories, "leefgebied.huisvesting");
	wn_thirdparty_list_free(tl);
	wn_rights_list *rl = NULL;
	assert_int_equal(wn_rights_pending(client, &rl), 0);
	wn_rights_list_free(rl);
	wn_import *im = NULL;
	long imported = 0;
	assert_int_equal(wn_import_begin(client, &im), 0);
	assert_int_equal(wn_import_add(im, 1, "{\"bsn\":\"999990019\"}"), 0);
	assert_int_equal(wn_import_commit(im, &imported), 0);
	assert_int_equal(imported, 1);
}

/* Run by a second thread: a call the stand-in node holds. */
static void *held_call(void *arg)
{
	char *t = NULL;
	int *rc = arg;
	*rc = wn_member_status(client, &t);
	free(t);
	return NULL;
}

/* wn_client_set_timeout returns at once while another thread's call waits
 * for its answer, and the new deadline holds from the next call. */
static void test_r20_integrity_client_timeout_set_during_call(void **state)
{
	(void)state;
	int held_rc = -1000, answered = atomic_load(&node_answered);
	pthread_t th;
	atomic_store(&node_hold_ms, 3000);
	assert_int_equal(pthread_create(&th, NULL, held_call, &held_rc), 0);
	assert_true(wait_for(&node_got, answered + 1, 5000));
	int64_t t0 = now_ms();
	assert_int_equal(wn_client_set_timeout(client, 300), 0);
	int64_t took = now_ms() - t0;
	atomic_store(&node_release, 1);
	pthread_join(th, NULL);
	if (took >= 1000)
		print_error("wn_client_set_timeout waited %lld ms for the call in flight\n",
			    (long long)took);
	assert_true(took < 1000);
	/* the call in flight kept the deadline it began with */
	assert_int_equal(held_rc, 0);
	/* the next call has the new one: the node holds it past 300 ms */
	char *t = NULL;
	t0 = now_ms();
	assert_int_equal(wn_member_status(client, &t), WN_ETIMEOUT);
	took = now_ms() - t0;
	assert_null(t);
	assert_true(took < 2500);
	atomic_store(&node_release, 1);
	assert_true(wait_for(&node_answered, answered + 2, 5000));
	atomic_store(&node_hold_ms, 0);
	assert_int_equal(wn_client_set_timeout(client, 10000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r20_integrity_client_text_is_malloc_under_host_allocator),
		cmocka_unit_test(test_r20_integrity_client_lists_free_under_host_allocator),
		cmocka_unit_test(test_r20_integrity_client_timeout_set_during_call),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
