/*
 * date.h — calendar dates as the covenants use them ("YYYY-MM-DD", UTC):
 * retention dates, consent validity, birth dates and ages.
 */
#ifndef WN_DATE_H
#define WN_DATE_H

#include <stdint.h>

#define DATE_LEN 10 /* "YYYY-MM-DD" */

/* 1 when s is "YYYY-MM-DD" of a real calendar day (years 1900–9999). */
int date_valid(const char *s);

/* Today (the Dutch calendar day) plus days into out[DATE_LEN + 1]. */
void date_today_plus(int days, char out[DATE_LEN + 1]);

/* The Dutch calendar date of a millisecond timestamp (UTC epoch). */
void date_of_ms(int64_t ms, char out[DATE_LEN + 1]);

#define DATE_TIME_LEN 16 /* "YYYY-MM-DD HH:MM" */

/* The Dutch civil date and time of a millisecond timestamp (UTC epoch), to
 * the minute: what a person in the Netherlands reads on a clock. */
void date_time_of_ms(int64_t ms, char out[DATE_TIME_LEN + 1]);

#define DATE_TIME_ZONED_LEN 22 /* "YYYY-MM-DD HH:MM +0100" */

/* The same with its offset from UTC (ISO 8601), for moments read where the
 * Dutch clock is not the reader's own: a deadline told to an authority. */
void date_time_zoned_of_ms(int64_t ms, char out[DATE_TIME_ZONED_LEN + 1]);

/* Dutch civil time's offset from UTC at ms: one hour, two in EU summer
 * time (last Sunday of March to last Sunday of October, 01:00 UTC). */
int64_t date_dutch_offset_ms(int64_t ms);

/* The UTC date of a millisecond timestamp (the day security events are
 * counted by). */
void date_utc_of_ms(int64_t ms, char out[DATE_LEN + 1]);

/* ms plus whole calendar months, on the same Dutch day of the month and
 * time of day, or on the month's last day when it is shorter (31 December
 * + 2 months: 28 or 29 February). */
int64_t date_add_months_ms(int64_t ms, int months);

/* A calendar month "YYYY-MM" (years 2000–9999) as the UTC milliseconds
 * (management information counts by UTC months)
 * [*from, *to). 0, or WN_EINVAL when month is not such a month. */
int date_month_range(const char *month, int64_t *from, int64_t *to);

/* Whole years from birth to on (both valid dates); negative when on is
 * before birth. */
int date_age_years(const char *birth, const char *on);

/* Days from one valid date to another (negative when to is earlier): 0, or
 * WN_EINVAL when either is not a date. */
int date_days_between(const char *from, const char *to, long *days);

/* Months are compared as text: "YYYY-MM-DD" sorts like the dates it names. */

#endif
