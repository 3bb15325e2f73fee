/*
 * bsn.h — the Dutch citizen service number (BSN): syntax and 11-proef.
 */
#ifndef WN_BSN_H
#define WN_BSN_H

#define BSN_LEN 9

/* 0 when bsn is nine digits passing the 11-proef, else WN_EBSN. */
int bsn_validate(const char *bsn);

#endif
