/*
 * error.h — internal helpers around the public WN_E… codes.
 */
#ifndef WN_ERROR_H
#define WN_ERROR_H

#include "wijknet.h"

/* Maps a wn_errname() string back to its code; WN_EPROTO if unknown. */
int error_from_name(const char *name);

#endif
