/*
 * date.c — calendar-date validation and arithmetic (UTC).
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

void date_of_ms(int64_t ms, char out[DATE_LEN + 1])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, DATE_LEN + 1, "%Y-%m-%d", &tm);
}

void date_today_plus(int days, char out[DATE_LEN + 1])
{
	date_of_ms(((int64_t)time(NULL) + (int64_t)days * 86400) * 1000, out);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): no timegm() in C11 or POSIX. */
static int64_t date_days(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = y / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
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
	*from = date_days(y, m, 1) * 86400000;
	*to = (m == 12 ? date_days(y + 1, 1, 1) : date_days(y, m + 1, 1)) * 86400000;
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
