/* Render one validated event into PDF bytes: pick the template, expand its
 * text in the chosen locale, lay it out, and draw it with libharu. Knows
 * nothing of HTTP or the archive.
 * A render_ctx caches parsed templates and loaded fonts; it is NOT
 * thread-safe: use one per thread. */
#ifndef RENDER_H
#define RENDER_H

#include <stddef.h>

#include "buf.h"
#include "event.h"
#include "i18n.h"

struct render_ctx;

struct render_opts {
    const char *template; /* NULL: "<type>" by the event's type; a NAME is looked up
                             as templates/NAME.<locale>.json, then templates/NAME.json;
                             anything with a '/' or ending in ".json" is a path */
    enum i18n_locale locale;
    const char *code;       /* verification code, or NULL (no code, no QR) */
    const char *verify_url; /* what the QR code points to, or NULL */
};

/* home: the folder holding fonts/ and templates/ (NULL: the folder of the
 * running program, else CERTIFICA_HOME when set). Returns NULL with err set. */
struct render_ctx *render_ctx_new(const char *home, char *err, size_t errlen);
void render_ctx_free(struct render_ctx *ctx);

/* Append the PDF to out. The same event and options give the same bytes.
 * 0, or -1 with err naming the template, font or libharu error. */
int render_pdf(struct render_ctx *ctx, const struct event *ev, const struct render_opts *o,
               struct buf *out, char *err, size_t errlen);

/* Load the template render_pdf would use for an event of this type (with
 * o's template and locale) and its fonts, so that a missing or damaged file
 * is reported before the first event. 0, or -1 with err naming the file. */
int render_preload(struct render_ctx *ctx, enum cert_type type, const struct render_opts *o,
                   char *err, size_t errlen);

/* The template file render_pdf would use (for messages and tests); NULL with
 * err set when it does not exist. Points into ctx's cache. */
const char *render_template_path(struct render_ctx *ctx, const struct event *ev,
                                 const struct render_opts *o, char *err, size_t errlen);

#endif
