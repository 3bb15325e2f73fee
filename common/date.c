/*
 * date.c — calendar-date validation and arithmetic (UTC).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

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
