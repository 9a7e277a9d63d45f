/* Where events come from on the command line: a .json file (one event), a
 * .jsonl/.ndjson file (one event a line, blank lines skipped), a folder of
 * .json files (in name order), or "-" for standard input (one event, or JSON
 * Lines when the whole input is not one JSON value). Every file and line is
 * read with a bound, in memory that does not grow with the input: one larger
 * than the limit is handed over as too large, without its text. Not
 * thread-safe. */
#ifndef EVSRC_H
#define EVSRC_H

#include <stddef.h>
#include <stdio.h>

#include "event.h"

#include "buf.h"

struct evsrc_item {
    const char *file; /* as named by the user; "-" is shown as "<stdin>" */
    size_t line;      /* 1-based line for JSON Lines, 0 for a whole file */
    const char *body; /* NUL-terminated; NULL when too_large */
    size_t len;
    size_t too_large; /* the limit, when the file or line is larger than it; else 0 */
};

/* Called once per event; return 0 to go on, -1 to stop early. */
typedef int (*evsrc_fn)(void *ctx, const struct evsrc_item *it);

/* Hand each event of path over, none larger than max bytes (a line's ending
 * not counted). 0 when every item was handed over, 1 when fn stopped early,
 * -1 on an I/O error (err: "cannot open 'x.json': No such file or
 * directory"). */
int evsrc_each(const char *path, int allow_dir, size_t max, evsrc_fn fn, void *ctx, char *err,
               size_t errlen);

/* The limit of the commands that read events: $CERTIFICA_MAX_BODY as the
 * server reads it (262144 by default, suffix k or m), or -1 with err. */
int evsrc_max(size_t *max, char *err, size_t errlen);

/* "file:line" or "file" for messages, into out, the name escaped. */
void evsrc_where(const struct evsrc_item *it, char *out, size_t n);

/* Append a file name for a message, one line that shows what it holds:
 * backslash, control characters, bidi controls, line separators and bytes
 * that are not UTF-8 as escapes (\\, \n, \t, \r, \xHH, \u202E). */
void evsrc_add_name(struct buf *b, const char *name);

/* Print every error (and warning) as "where: path: message", one a line. */
void evsrc_print_diags(FILE *f, const struct evsrc_item *it, const struct event_diags *d);

/* When it is too large, print "where: larger than N bytes ..." and return 1;
 * else 0. */
int evsrc_refuse(FILE *f, const struct evsrc_item *it);

/* 1 when path names a JSON Lines file by its extension. */
int evsrc_is_lines(const char *path);

#endif
