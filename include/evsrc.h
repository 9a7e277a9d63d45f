/* Where events come from on the command line: a .json file (one event), a
 * .jsonl/.ndjson file (one event a line, blank lines skipped), a folder of
 * .json files (in name order), or "-" for standard input (one event, or JSON
 * Lines when the whole input is not one JSON value). Not thread-safe. */
#ifndef EVSRC_H
#define EVSRC_H

#include <stddef.h>
#include <stdio.h>

#include "event.h"

struct evsrc_item {
    const char *file; /* as named by the user; "-" is shown as "<stdin>" */
    size_t line;      /* 1-based line for JSON Lines, 0 for a whole file */
    const char *body; /* NUL-terminated */
    size_t len;
};

/* Called once per event; return 0 to go on, -1 to stop early. */
typedef int (*evsrc_fn)(void *ctx, const struct evsrc_item *it);

/* 0 when every item was handed over, 1 when fn stopped early, -1 on an I/O
 * error (err: "cannot open 'x.json': No such file or directory"). */
int evsrc_each(const char *path, int allow_dir, evsrc_fn fn, void *ctx, char *err, size_t errlen);

/* "file:line" or "file" for messages, into out. */
void evsrc_where(const struct evsrc_item *it, char *out, size_t n);

/* Print every error (and warning) as "where: path: message", one a line. */
void evsrc_print_diags(FILE *f, const struct evsrc_item *it, const struct event_diags *d);

/* 1 when path names a JSON Lines file by its extension. */
int evsrc_is_lines(const char *path);

#endif
