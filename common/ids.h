/*
 * ids.h — 128-bit random message ids and millisecond wall-clock timestamps.
 */
#ifndef WN_IDS_H
#define WN_IDS_H

#include <stddef.h>
#include <stdint.h>

#define ID_HEX_LEN 32 /* 128 bits as lowercase hex */

/* Writes a fresh random id (32 hex digits + NUL) into out[ID_HEX_LEN + 1]. */
int id_generate(char out[ID_HEX_LEN + 1]);

/* 0 if s is exactly 32 lowercase hex digits. */
int id_validate(const char *s);

/* Milliseconds since the Unix epoch (wall clock). */
int64_t time_now_ms(void);

/* Monotonic milliseconds, for deadlines and latency. */
int64_t time_mono_ms(void);

/* Monotonic microseconds. */
int64_t time_mono_us(void);

/* ISO-8601 UTC with milliseconds, e.g. 2026-11-24T10:00:00.123Z. */
void time_format_iso(int64_t ms, char *out, size_t cap);

#endif
