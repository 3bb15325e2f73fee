/*
 * test_date.c — the calendar the covenants count in: Dutch days for a
 * consent's last day and a child's birthday (r10, r11), and the notice
 * period of calendar months (r23).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "date.h"

/* 2027-03-14T23:30:00Z, 00:30 on 15 March in the Netherlands (CET). */
#define MS_2027_03_14_2330Z INT64_C(1805067000000)

static void r10_consent_day_is_dutch(void **state)
{
	(void)state;
	char day[DATE_LEN + 1];
	date_of_ms(MS_2027_03_14_2330Z, day);
	assert_string_equal(day, "2027-03-15");
	date_of_ms(MS_2027_03_14_2330Z - 3600000, day); /* 23:30 CET */
	assert_string_equal(day, "2027-03-14");
	/* summer time: 22:30 UTC on 20 July is 00:30 on the 21st */
	date_of_ms(INT64_C(1816122600000), day);
	assert_string_equal(day, "2027-07-21");
	date_of_ms(INT64_C(1816119000000), day); /* 21:30 UTC: 23:30 CEST */
	assert_string_equal(day, "2027-07-20");
}

/* What the client's letter and the CLI show: the Dutch clock, in winter and
 * in summer, whatever the machine's own zone (r17). */
static void r17_times_shown_are_dutch(void **state)
{
	(void)state;
	char when[DATE_TIME_LEN + 1];
	date_time_of_ms(MS_2027_03_14_2330Z, when);
	assert_string_equal(when, "2027-03-15 00:30");
	date_time_of_ms(INT64_C(1816119000000), when); /* 21:30 UTC in July */
	assert_string_equal(when, "2027-07-20 23:30");
	date_time_of_ms(INT64_C(1816119000000) + 59999, when); /* the minute, not rounded */
	assert_string_equal(when, "2027-07-20 23:30");
	/* the breach register's moments say their offset from UTC (ISO 8601) */
	char zoned[DATE_TIME_ZONED_LEN + 1];
	date_time_zoned_of_ms(MS_2027_03_14_2330Z, zoned);
	assert_string_equal(zoned, "2027-03-15 00:30 +0100");
	date_time_zoned_of_ms(INT64_C(1816119000000), zoned);
	assert_string_equal(zoned, "2027-07-20 23:30 +0200");
	/* a timestamp from the wire may be anything: written as the last or first
	 * day a date can say, without overflowing on the way */
	date_time_of_ms(INT64_MAX, when);
	assert_string_equal(when, "9999-12-31 22:59");
	char day[DATE_LEN + 1];
	date_of_ms(INT64_MIN, day);
	assert_string_equal(day, "0000-01-01");
}

static void r11_summer_time_boundaries(void **state)
{
	(void)state;
	/* 2027: last Sunday of March is the 28th, of October the 31st */
	const int64_t spring = INT64_C(1806195600000); /* 2027-03-28T01:00:00Z */
	const int64_t autumn = INT64_C(1824944400000); /* 2027-10-31T01:00:00Z */
	assert_int_equal(date_dutch_offset_ms(spring - 1), 3600000);
	assert_int_equal(date_dutch_offset_ms(spring), 7200000);
	assert_int_equal(date_dutch_offset_ms(autumn - 1), 7200000);
	assert_int_equal(date_dutch_offset_ms(autumn), 3600000);
	assert_int_equal(date_dutch_offset_ms(MS_2027_03_14_2330Z), 3600000);
	/* 2024 (a leap year): 31 March and 27 October */
	assert_int_equal(date_dutch_offset_ms(INT64_C(1711846800000)), 7200000);
	assert_int_equal(date_dutch_offset_ms(INT64_C(1711846799999)), 3600000);
	assert_int_equal(date_dutch_offset_ms(INT64_C(1729990800000)), 3600000);
	/* a child born on 15 March is 12 from the first Dutch minute of the day */
	char day[DATE_LEN + 1];
	date_of_ms(MS_2027_03_14_2330Z, day);
	assert_int_equal(date_age_years("2015-03-15", day), 12);
}

static void r23_notice_months_end_on_the_month_end(void **state)
{
	(void)state;
	const int64_t noon = 12 * INT64_C(3600000);
	/* 2025-12-31T12:00Z + 2 months = 2026-02-28T12:00Z */
	assert_int_equal(date_add_months_ms(INT64_C(1767139200000) + noon, 2),
			 INT64_C(1772236800000) + noon);
	/* 2023-12-31 + 2 = 2024-02-29 (leap year) */
	assert_int_equal(date_add_months_ms(INT64_C(1703980800000), 2), INT64_C(1709164800000));
	/* 2026-07-31 + 2 = 2026-09-30 */
	assert_int_equal(date_add_months_ms(INT64_C(1785456000000), 2), INT64_C(1790726400000));
	/* 2026-11-15 + 2 = 2027-01-15, the same day of the month */
	assert_int_equal(date_add_months_ms(INT64_C(1794700800000), 2), INT64_C(1799971200000));
	char day[DATE_LEN + 1];
	date_of_ms(date_add_months_ms(INT64_C(1767139200000) + noon, 2), day);
	assert_string_equal(day, "2026-02-28");
	/* the Dutch day counts: 2025-12-30T23:30Z is 00:30 on 31 December there,
	 * so the end is 00:30 on 28 February (23:30Z on the 27th) */
	const int64_t half_past_23 = 23 * INT64_C(3600000) + 30 * INT64_C(60000);
	assert_int_equal(date_add_months_ms(INT64_C(1767052800000) + half_past_23, 2),
			 INT64_C(1772150400000) + half_past_23);
	/* and the Dutch hour, across the change to summer time: 2026-01-31T12:00Z
	 * (13:00 CET) + 2 = 31 March 13:00 CEST, 11:00Z */
	assert_int_equal(date_add_months_ms(INT64_C(1769860800000), 2), INT64_C(1774954800000));
	date_utc_of_ms(INT64_C(1767052800000) + half_past_23, day);
	assert_string_equal(day, "2025-12-30");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(r10_consent_day_is_dutch),
		cmocka_unit_test(r11_summer_time_boundaries),
		cmocka_unit_test(r17_times_shown_are_dutch),
		cmocka_unit_test(r23_notice_months_end_on_the_month_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
