/*
 * test_bsn.c — unit tests for common/bsn.c: the BSN syntax and the 11-proef
 * (9*d1 + 8*d2 + … + 2*d8 − 1*d9 ≡ 0 mod 11). The expected values were
 * computed by hand (sums shown next to each number).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wijknet.h"
#include "bsn.h"

static void expect_valid(const char *bsn)
{
	int rc = bsn_validate(bsn);
	if (rc != 0)
		print_error("bsn_validate(\"%s\") = %d, want 0\n", bsn, rc);
	assert_int_equal(rc, 0);
}

static void expect_invalid(const char *bsn)
{
	int rc = bsn_validate(bsn);
	if (rc != WN_EBSN)
		print_error("bsn_validate(\"%s\") = %d, want WN_EBSN\n", bsn ? bsn : "(null)", rc);
	assert_int_equal(rc, WN_EBSN);
}

static void test_r03_pseudonym_bsn_valid(void **state)
{
	(void)state;
	expect_valid("111222333"); /* 9+8+7+12+10+8+9+6-3 = 66 = 6*11 */
	expect_valid("123456782"); /* 9+16+21+24+25+24+21+16-2 = 154 = 14*11 */
	expect_valid("999999990"); /* 9*44-0 = 396 = 36*11 */
	expect_valid("111111110"); /* 44-0 = 44 = 4*11 */
	expect_valid("100000009"); /* 9-9 = 0 */
	expect_valid("010000008"); /* 8-8 = 0 */
	expect_valid("000000012"); /* 2-2 = 0 */
}

static void test_r03_pseudonym_bsn_bad_checksum(void **state)
{
	(void)state;
	expect_invalid("111222334"); /* 65 */
	expect_invalid("123456789"); /* 147 = 13*11 + 4 */
	expect_invalid("999999999"); /* 387 = 35*11 + 2 */
	expect_invalid("876543210"); /* 240 = 21*11 + 9 */
	expect_invalid("900000001"); /* 80 */
	expect_invalid("000000011"); /* 1 */
	expect_invalid("000000019"); /* -7: negative sums are not multiples */
	expect_invalid("123456783");
}

/* The 11-proef catches every single-digit error and every swap of two
 * adjacent different digits; the checker must too. */
static void test_r03_pseudonym_bsn_single_errors_detected(void **state)
{
	(void)state;
	const char *valid = "123456782";
	char b[10];
	int tried = 0;
	for (int pos = 0; pos < 9; pos++) {
		for (char c = '0'; c <= '9'; c++) {
			if (c == valid[pos])
				continue;
			memcpy(b, valid, 10);
			b[pos] = c;
			expect_invalid(b);
			tried++;
		}
	}
	assert_int_equal(tried, 81);
	for (int pos = 0; pos < 8; pos++) {
		memcpy(b, valid, 10);
		char t = b[pos];
		b[pos] = b[pos + 1];
		b[pos + 1] = t;
		expect_invalid(b); /* all adjacent digits of 123456782 differ */
	}
}

static void test_r03_pseudonym_bsn_wrong_length(void **state)
{
	(void)state;
	expect_invalid("12345678");   /* 8 digits */
	expect_invalid("1234567820"); /* 10 digits */
	expect_invalid("0111222333"); /* 10 digits, leading zero added */
	expect_invalid("11122233");
	expect_invalid("1");
	expect_invalid("123456782\n");
	expect_invalid("");
}

static void test_r03_pseudonym_bsn_not_digits(void **state)
{
	(void)state;
	expect_invalid("12345678a");
	expect_invalid("a23456782");
	expect_invalid("1234S6782");
	expect_invalid("123 45678");
	expect_invalid(" 12345678");
	expect_invalid("12345678 ");
	expect_invalid("1234-5678");
	expect_invalid("+12345678");
	expect_invalid("12345678\xd9"); /* a non-ASCII byte */
	/* characters just outside '0'..'9': '/' = '0'-1 and ':' = '9'+1 */
	expect_invalid("12345678/");
	expect_invalid("12345678:");
}

static void test_r03_pseudonym_bsn_null_and_zero(void **state)
{
	(void)state;
	expect_invalid(NULL);
	/* all zeros passes the arithmetic but is never issued */
	expect_invalid("000000000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r03_pseudonym_bsn_valid),
		cmocka_unit_test(test_r03_pseudonym_bsn_bad_checksum),
		cmocka_unit_test(test_r03_pseudonym_bsn_single_errors_detected),
		cmocka_unit_test(test_r03_pseudonym_bsn_wrong_length),
		cmocka_unit_test(test_r03_pseudonym_bsn_not_digits),
		cmocka_unit_test(test_r03_pseudonym_bsn_null_and_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
