/*
 * date.c — calendar-date validation and arithmetic. A day is a day of
 * Dutch civil time (CET, CEST in EU summer time), whatever the host's
 * TZ: the covenants' dates (a consent's last day, a birthday) are Dutch.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wijknet.h"
#include "date.h"

static int date_parse(const char *s, int *y, int *m, int *d)
{
	char tail;
	if (s == NULL || strlen(s) != DATE_LEN || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < DATE_LEN; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return sscanf(s, "%4d-%2d-%2d%c", y, m, d, &tail) == 3;
}

int date_valid(const char *s)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;
	if (!date_parse(s, &y, &m, &d) || y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= days[m - 1] + (m == 2 && leap);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): no timegm() in C11 or POSIX. */
static int64_t date_days(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The date of a day number of date_days (its inverse, civil_from_days). */
static void date_civil(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* The day number of the last Sunday of a month (day 3, 1970-01-04, was a
 * Sunday). */
static int64_t last_sunday(int y, int m)
{
	int64_t last = (m == 12 ? date_days(y + 1, 1, 1) : date_days(y, m + 1, 1)) - 1;
	return last - (((last - 3) % 7) + 7) % 7;
}

/* A timestamp within the years a date is written for (0000-9999): one from
 * the wire or a file may be anything, and the arithmetic below must not
 * overflow on it. */
static int64_t date_clamp_ms(int64_t ms)
{
	/* hi: two hours before 10000-01-01, so that Dutch time added stays in 9999 */
	const int64_t lo = INT64_C(-62167219200000), hi = INT64_C(253402293599999);
	return ms < lo ? lo : ms > hi ? hi : ms;
}

int64_t date_dutch_offset_ms(int64_t ms)
{
	int y, m, d;
	ms = date_clamp_ms(ms);
	date_civil(floor_div(ms, 86400000), &y, &m, &d);
	/* EU summer time: from 01:00 UTC on the last Sunday of March to 01:00
	 * UTC on the last Sunday of October */
	int64_t from = last_sunday(y, 3) * 86400000 + 3600000;
	int64_t to = last_sunday(y, 10) * 86400000 + 3600000;
	return ms >= from && ms < to ? 7200000 : 3600000;
}

static void date_format(int64_t day, char out[DATE_LEN + 1])
{
	int y, m, d;
	date_civil(day, &y, &m, &d);
	if (y < 0 || y > 9999) /* beyond what a "YYYY-MM-DD" can say */
		y = y < 0 ? 0 : 9999;
	snprintf(out, DATE_LEN + 1, "%04d-%02d-%02d", y, m, d);
}

void date_utc_of_ms(int64_t ms, char out[DATE_LEN + 1])
{
	date_format(floor_div(ms, 86400000), out);
}

void date_of_ms(int64_t ms, char out[DATE_LEN + 1])
{
	ms = date_clamp_ms(ms);
	date_format(floor_div(ms + date_dutch_offset_ms(ms), 86400000), out);
}

void date_time_of_ms(int64_t ms, char out[DATE_TIME_LEN + 1])
{
	ms = date_clamp_ms(ms);
	int64_t local = ms + date_dutch_offset_ms(ms);
	int64_t minute = floor_div(local, 60000) - floor_div(local, 86400000) * 1440;
	date_format(floor_div(local, 86400000), out);
	int h = (int)(minute / 60), m = (int)(minute % 60); /* 0..23, 0..59 */
	out[DATE_LEN] = ' ';
	out[DATE_LEN + 1] = (char)('0' + h / 10);
	out[DATE_LEN + 2] = (char)('0' + h % 10);
	out[DATE_LEN + 3] = ':';
	out[DATE_LEN + 4] = (char)('0' + m / 10);
	out[DATE_LEN + 5] = (char)('0' + m % 10);
	out[DATE_TIME_LEN] = '\0';
}

void date_time_zoned_of_ms(int64_t ms, char out[DATE_TIME_ZONED_LEN + 1])
{
	char when[DATE_TIME_LEN + 1];
	date_time_of_ms(ms, when);
	int hours = (int)(date_dutch_offset_ms(date_clamp_ms(ms)) / 3600000); /* 1 or 2 */
	snprintf(out, DATE_TIME_ZONED_LEN + 1, "%s +%02d00", when, hours);
}

void date_today_plus(int days, char out[DATE_LEN + 1])
{
	int64_t now = (int64_t)time(NULL) * 1000;
	date_format(floor_div(now + date_dutch_offset_ms(now), 86400000) + days, out);
}

/* ms (UTC) plus months, on the same day of the month or the month's last. */
static int64_t date_add_months_utc(int64_t ms, int months)
{
	int y, m, d;
	int64_t day = floor_div(ms, 86400000);
	date_civil(day, &y, &m, &d);
	int64_t mm = (int64_t)y * 12 + (m - 1) + months;
	int ty = (int)floor_div(mm, 12), tm = (int)(mm - (int64_t)ty * 12) + 1;
	int64_t first = date_days(ty, tm, 1);
	int64_t next = tm == 12 ? date_days(ty + 1, 1, 1) : date_days(ty, tm + 1, 1);
	int len = (int)(next - first);
	return (first + (d < len ? d : len) - 1) * 86400000 + (ms - day * 86400000);
}

int64_t date_add_months_ms(int64_t ms, int months)
{
	/* on the Dutch calendar and clock: the same Dutch day and hour */
	int64_t local = date_add_months_utc(ms + date_dutch_offset_ms(ms), months);
	return local - date_dutch_offset_ms(local - date_dutch_offset_ms(local));
}

int date_month_range(const char *month, int64_t *from, int64_t *to)
{
	int y, m;
	char tail;
	if (month == NULL || strlen(month) != 7 || month[4] != '-')
		return WN_EINVAL;
	for (int i = 0; i < 7; i++)
		if (i != 4 && (month[i] < '0' || month[i] > '9'))
			return WN_EINVAL;
	if (sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 || y < 2000 || m < 1 || m > 12)
		return WN_EINVAL;
	/* Dutch midnight: summer time never starts or ends within hours of a
	 * month's first day, so the offset at UTC midnight is the one there */
	int64_t a = date_days(y, m, 1) * 86400000;
	int64_t b = (m == 12 ? date_days(y + 1, 1, 1) : date_days(y, m + 1, 1)) * 86400000;
	*from = a - date_dutch_offset_ms(a);
	*to = b - date_dutch_offset_ms(b);
	return 0;
}

int date_age_years(const char *birth, const char *on)
{
	int by, bm, bd, oy, om, od;
	if (!date_parse(birth, &by, &bm, &bd) || !date_parse(on, &oy, &om, &od))
		return -1;
	int age = oy - by;
	if (om < bm || (om == bm && od < bd))
		age--;
	return age;
}

int date_days_between(const char *from, const char *to, long *days)
{
	int fy, fm, fd, ty, tm, td;
	if (!date_parse(from, &fy, &fm, &fd) || !date_parse(to, &ty, &tm, &td))
		return WN_EINVAL;
	*days = (long)(date_days(ty, tm, td) - date_days(fy, fm, fd));
	return 0;
}
