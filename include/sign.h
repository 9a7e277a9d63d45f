/* PAdES signatures: a finished PDF in, the same bytes plus an incremental
 * update carrying an invisible signature field and a CAdES detached CMS
 * (baseline B-B; B-T with an RFC 3161 timestamp when a TSA is named).
 * Thread safety: a loaded struct sign_key is read-only and may sign in many
 * threads at once. No message ever holds a key or a password: they name the
 * files only. */
#ifndef SIGN_H
#define SIGN_H

#include <stddef.h>
#include <time.h>

#include "buf.h"

/* The settings as configured (file names; NULL when not set). Either cert +
 * key (PEM, key_pass_file for an encrypted key) or p12 (PKCS#12, an
 * ICP-Brasil A1 .pfx, with p12_pass_file); chain adds PEM certificates of
 * the issuers; tsa_url makes every signature B-T. */
struct sign_settings {
    const char *cert, *key, *key_pass_file;
    const char *p12, *p12_pass_file;
    const char *chain;
    const char *tsa_url;
};

struct sign_key;

/* 1 when any key file is named (signing is asked for), else 0. */
int sign_settings_any(const struct sign_settings *s);

/* Load and check the key: files readable, a password where one is needed,
 * the certificate valid now, the key its own. NULL with err naming the file
 * ("certificate 'c.pem' expired on 2025-01-31 12:00:00 UTC"). Caller frees
 * with sign_key_free. */
struct sign_key *sign_key_load(const struct sign_settings *s, char *err, size_t errlen);
void sign_key_free(struct sign_key *k);

/* One line for the start-up log: subject, key type, B-B or B-T. */
void sign_key_describe(const struct sign_key *k, char *out, size_t outlen);

/* Sign pdf in place (a classic-xref PDF as libharu writes it), with /M at
 * time now: the update is appended to pdf. 0, or -1 with err and pdf
 * unchanged (no TSA answer in 10 s, a PDF it cannot parse, ...). */
int sign_pdf(const struct sign_key *k, struct buf *pdf, time_t now, char *err, size_t errlen);

/* What the signature of a PDF says (sign_check_pdf): present (a /ByteRange
 * was found), valid (the CMS verifies over the bytes it names, with the
 * certificate it carries; the signer's chain is not judged), whole (those
 * bytes reach the end of the file: nothing was appended after signing),
 * signer (its certificate's common name), why (when not valid). */
struct sign_check {
    int present, valid, whole;
    char signer[128];
    char why[96];
};
/* Check the last signature of pdf[0..len): never fails, fills *out. */
void sign_check_pdf(const void *pdf, size_t len, struct sign_check *out);

#endif
