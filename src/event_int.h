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

/* A name's string node and the value validation made of it (owned by struct event). */
struct ev_name {
    const cJSON *node;
    const char *value;
};

/* Where a number node's text is in the body. */
struct ev_num {
    const cJSON *node;
    size_t off, len;
};

/* One parse: the tree, what was found wrong with it, the text of its numbers and the
 * names as cleaned. */
struct ev_ctx {
    const cJSON *root;
    const char *body;
    size_t body_len, scan; /* scan: how far ev_check_tree has looked for numbers */
    struct ev_num *nums;   /* sorted by node after ev_check_tree */
    size_t n_nums, cap_nums;
    struct ev_diag_list err, warn;
    size_t seq;
    struct ev_name *names;
    size_t n_names, cap_names;
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
/* Report every duplicate key, every \u0000 and every number that is not written as JSON
 * allows (00312, 1., -.5: cJSON reads them) in the tree of c->body; path is restored on
 * return. Afterwards ev_number_text finds the text of each number. */
void ev_check_tree(struct ev_ctx *c, const cJSON *root, struct buf *path);
/* The number node's text in the body (*len bytes), or NULL when it was reported as not
 * a JSON number. */
const char *ev_number_text(const struct ev_ctx *c, const cJSON *node, size_t *len);
/* Report a second member named key in obj as a duplicate at path; 1 when there was one. */
int ev_report_second(struct ev_ctx *c, const cJSON *obj, const char *key, const char *path);

/* ---- canonical form (event_canon.c) ---- */

/* Compact JSON of data with object keys sorted bytewise at every depth, each name node
 * written as its cleaned value; caller frees. */
char *ev_canonical(const cJSON *data, const struct ev_name *names, size_t n_names);
/* Remember value as the cleaned form of the name at node (value must outlive c). */
void ev_name_note(struct ev_ctx *c, const cJSON *node, const char *value);

/* ---- text (event_text.c) ---- */

int ev_is_control_cp(uint32_t cp);
/* A line or paragraph separator (U+2028, U+2029: general categories Zl, Zp). */
int ev_is_break_cp(uint32_t cp);
/* Removed from names: a format character (general category Cf: the bidi controls
 * U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069, U+00AD, U+200B, U+2060, U+FEFF,
 * the tags U+E0001-U+E007F...) or another default-ignorable code point (U+034F, U+115F,
 * U+3164...), except U+200C/U+200D, which join or part letters, and the variation
 * selectors, which choose a glyph's form. */
int ev_is_hidden_cp(uint32_t cp);
/* Draws something: a letter, mark, number, punctuation or symbol (general categories
 * L, M, N, P, S) that is not default-ignorable. */
int ev_is_visible_cp(uint32_t cp);
/* A copy of s (caller frees) without its hidden code points. */
char *ev_strip_hidden(const char *s);
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
/* A copy of s (caller frees) without surrounding white space (Unicode White_Space); with
 * collapse, each inner run of U+0020/U+00A0 becomes one U+0020. */
char *ev_tidy(const char *s, int collapse);

#endif
