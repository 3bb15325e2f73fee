/*
 * test_cli_status.c — the exit status of every WN_E… code as the README's
 * table and wijknet(1) give it: 1 refused or a negative answer (a policy, a
 * consent, a case membership, a cluster said no), 2 the command line or an
 * input invalid, 4 the node, the broker or this machine failed. Pure: no
 * node, no files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "wijknet.h"
#include "cli.h"

/* What each code means to the person at the command line: the table's
 * words, one code at a time. */
static const struct {
	int rc, status;
} want[] = {
	/* 2: what was typed or the file given is wrong */
	{ WN_EINVAL, 2 }, { WN_EJSON, 2 }, { WN_ESCHEMA, 2 }, { WN_ETOOBIG, 2 },
	{ WN_EBSN, 2 }, { WN_EPURPOSE, 2 }, { WN_ECATEGORY, 2 }, { WN_EGROUND, 2 },
	{ WN_EMOTIVATION, 2 }, { WN_ECONFIG, 2 },
	/* 1: the federation answered no */
	{ WN_ECLUSTER, 1 }, { WN_EREVOKED, 1 }, { WN_EREPLAY, 1 }, { WN_EUNKNOWN_PARTNER, 1 },
	{ WN_ENOTFOUND, 1 }, { WN_EDENIED, 1 }, { WN_ELIMIT, 1 }, { WN_ECONSENT, 1 },
	{ WN_ENOTMEMBER, 1 }, { WN_ENOTINCASE, 1 }, { WN_EEXISTS, 1 }, { WN_EPENDING, 1 },
	{ WN_ENOTICE, 1 },
	/* 4: something failed: unreachable, a database, crypto, a certificate or
	 * CRL that lapsed, a clock off, the node not ready */
	{ WN_ENOMEM, 4 }, { WN_EIO, 4 }, { WN_ESIG, 4 }, { WN_ECERT, 4 }, { WN_EEXPIRED, 4 },
	{ WN_ESKEW, 4 }, { WN_ESEAL, 4 }, { WN_ENORECEIPT, 4 }, { WN_EDB, 4 }, { WN_ECRYPTO, 4 },
	{ WN_ETRANSPORT, 4 }, { WN_ETIMEOUT, 4 }, { WN_EPROTO, 4 }, { WN_EUNAVAILABLE, 4 },
	{ WN_ESTATE, 4 }, { WN_EFORGED, 4 }, { WN_ETAMPERED, 4 },
};

/* Every code from WN_EINVAL to WN_ECODE_MIN has its status here and in the
 * CLI: a code added without deciding its status fails. */
static void test_every_code_has_the_status_the_table_gives(void **state)
{
	(void)state;
	int bad = 0;
	for (int rc = -1; rc >= WN_ECODE_MIN; rc--) {
		int expected = -1;
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (want[i].rc == rc)
				expected = want[i].status;
		if (expected < 0 || cli_status_of(rc) != expected) {
			print_error("%s (%d): exit %d, the table says %d\n", wn_errname(rc), rc,
				    cli_status_of(rc), expected);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
	assert_int_equal(cli_status_of(0), 0);
	/* a code this CLI does not know is no refusal it can vouch for */
	assert_int_equal(cli_status_of(WN_ECODE_MIN - 1), 4);
}

/* A cluster refusal is a refusal wherever the node gives it; a join request
 * or policy change naming no cluster's code is invalid input. */
static void test_cluster_refusal_and_unknown_cluster(void **state)
{
	(void)state;
	static const char *const refused[] = { "lookup", "case join", "request",
					       "thirdparty propose", "case open" };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(cli_status_in(refused[i], WN_ECLUSTER), 1);
	assert_int_equal(cli_status_in("member join", WN_ECLUSTER), 2);
	assert_int_equal(cli_status_in("policy propose", WN_ECLUSTER), 2);
}

/* A step the state does not allow is refused in governance, a failure (the
 * node not ready) elsewhere. */
static void test_state_by_command(void **state)
{
	(void)state;
	assert_int_equal(cli_status_in("member approve", WN_ESTATE), 1);
	assert_int_equal(cli_status_in("policy withdraw", WN_ESTATE), 1);
	assert_int_equal(cli_status_in("member withdraw", WN_ESTATE), 1);
	assert_int_equal(cli_status_in("rights decide", WN_ESTATE), 1);
	assert_int_equal(cli_status_in("outbox retry", WN_ESTATE), 1);
	assert_int_equal(cli_status_in("lookup", WN_ESTATE), 4);
	assert_int_equal(cli_status_in("lookup", WN_EUNAVAILABLE), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_the_status_the_table_gives),
		cmocka_unit_test(test_cluster_refusal_and_unknown_cluster),
		cmocka_unit_test(test_state_by_command),
	};
	return cmocka_run_group_tests_name("cli_status", tests, NULL, NULL);
}
