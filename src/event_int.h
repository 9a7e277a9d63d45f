/* Internals shared by the event's source files (not part of the interface):
 * diagnostics (event_diag.c), the raw-text pre-pass and whole-document checks
 * (event_json.c), the canonical form (event_canon.c) and text helpers
 * (event_text.c). event.c holds the validation proper. */
#ifndef EVENT_INT_H
#define EVENT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "event.h"

#define PATH_LEN 128

/* A \u0000 escape is rewritten to NUL_MARK_LEN bytes of NUL_MARK before cJSON sees it:
 * 0xFF never occurs in valid UTF-8, so decoded strings carry the NUL visibly. */
#define NUL_MARK '\xff'
#define NUL_MARK_LEN 6

/* ---- diagnostics (event_diag.c) ---- */

/* A diag waiting to be sorted into document order. */
struct ev_pending {
    const cJSON *node; /* where it belongs */
    int after;         /* 1: after node's whole subtree (a missing member of node) */
    size_t seq;
    long long order;
    struct event_diag diag;
};

struct ev_diag_list {
    struct ev_pending *v;
    size_t n, cap;
    size_t dropped;
};

/* One parse: the tree and what was found wrong with it. */
struct ev_ctx {
    const cJSON *root;
    struct ev_diag_list err, warn;
    size_t seq;
};

/* An error about node, at path. Returns -1 so that checks can `return ev_error(...)`. */
__attribute__((format(printf, 4, 5))) int ev_error(struct ev_ctx *c, const cJSON *node,
                                                   const char *path, const char *fmt, ...);
void ev_warning(struct ev_ctx *c, const cJSON *node, const char *path, const char *msg);
/* A required member of parent is absent: the error sorts after parent's contents.
 * Returns -1. */
int ev_missing(struct ev_ctx *c, const cJSON *parent, const char *path);
/* Sort the collected diags into document order and hand them to d (c's lists are
 * freed). */
void ev_diags_finish(struct ev_ctx *c, struct event_diags *d);
/* The one diag of a body that is not JSON: what is wrong, at which byte (from 0). */
void ev_bad_json(struct event_diags *d, const char *what, size_t at);

/* ---- the raw text and the whole document (event_json.c) ---- */

/* Parse body into a tree (free with cJSON_Delete), or fill d with the one BAD_JSON
 * diag and return NULL. Each \u0000 in a string comes out as NUL_MARKs. */
cJSON *ev_parse_text(const char *body, size_t len, struct event_diags *d);
/* Report every duplicate key and every \u0000 in node's subtree; path holds node's
 * path and is restored on return. */
void ev_check_tree(struct ev_ctx *c, const cJSON *node, struct buf *path);
/* Report a second member named key in obj as a duplicate at path; 1 when there was one. */
int ev_report_second(struct ev_ctx *c, const cJSON *obj, const char *key, const char *path);

/* ---- canonical form (event_canon.c) ---- */

/* Compact JSON of data with object keys sorted bytewise at every depth; caller frees. */
char *ev_canonical(const cJSON *data);

/* ---- text (event_text.c) ---- */

int ev_is_control_cp(uint32_t cp);
/* s holds a NUL mark (a \u0000 escape). */
int ev_has_mark(const char *s);
/* Decode one code point of (normally valid) UTF-8; a stray byte counts as U+FFFD. */
size_t ev_next_cp(const char *s, size_t n, uint32_t *cp);
int ev_ascii_lower(int c);
/* strcasecmp for ASCII only, whatever the locale. */
int ev_ascii_casecmp(const char *a, const char *b);
/* Copy src into dst[size], cutting on a character boundary and ending with "..." when
 * it does not fit. */
void ev_copy_trunc(char *dst, size_t size, const char *src);
/* A short printable rendering of a value for a message: control characters become '?'
 * and long values are cut with "...". */
void ev_quote_short(char *out, size_t size, const char *s);
/* A copy of s (caller frees), each NUL mark run written as the text \u0000. */
char *ev_unmarked_dup(const char *s);
/* A copy of s (caller frees) without surrounding white space (ASCII and U+00A0); with
 * collapse, each inner run of U+0020/U+00A0 becomes one U+0020. */
char *ev_tidy(const char *s, int collapse);

#endif
