/*
 * error.h — internal helpers around the public WN_E… codes.
 */
#ifndef WN_ERROR_H
#define WN_ERROR_H

#include "wijknet.h"

/* Maps a wn_errname() string back to its code; WN_EPROTO if unknown. */
int error_from_name(const char *name);

/* 1 when a recipient's refusal with code is one the same message would meet
 * again (its form, its content, what the rules allow); 0 when it may pass
 * (a database, a clock, a key or a directory not yet in step). */
int error_permanent(int code);

#endif
