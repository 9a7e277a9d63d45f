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
#include "tenant.h"

struct render_ctx;

struct render_opts {
    const char *template; /* NULL: "<type>" by the event's type; a NAME is looked up
                             as templates/NAME.<locale>.json, then templates/NAME.json;
                             anything with a '/' or ending in ".json" is a path */
    enum i18n_locale locale;
    const char *code;       /* verification code, or NULL (no code, no QR) */
    const char *verify_url; /* what the QR code points to, or NULL */
    int locale_fixed;       /* 1: locale was asked for and beats the tenant's "locale" */
    int pdfa_off;           /* 1: a plain PDF; 0 (the default): PDF/A-1b, whose sRGB
                               profile is fonts/sRGB.icc in the home */
};

/* A checked configuration: the tenants folder and the text of every template
 * (global templates/ and each tenant's templates/), read at one moment.
 * Contexts made on it use exactly that, whatever changes on disk later; fonts
 * and images are read from disk. Immutable once loaded: share it between
 * threads, each with its own context. */
struct render_conf;

/* Read and check the configuration: home as for render_ctx_new, tenants as
 * for render_ctx_new_tenants; every tenant file is checked (tenants_load) and,
 * when o is not NULL, the templates o chooses for both certificate types are
 * loaded with their fonts. The one check of start-up, SIGHUP and `tenants
 * check`. NULL with err naming each file and key that is wrong, one a line. */
struct render_conf *render_conf_load(const char *home, const char *tenants,
                                     const struct render_opts *o, char *err, size_t errlen);
/* Free it after every context made on it. NULL is fine. */
void render_conf_free(struct render_conf *conf);
const struct tenants *render_conf_tenants(const struct render_conf *conf);
/* A context drawing with conf, which must outlive it. NULL with err set. */
struct render_ctx *render_ctx_new_conf(const struct render_conf *conf, char *err, size_t errlen);

/* home: the folder holding fonts/ and templates/ (NULL: the folder of the
 * running program, else CERTIFICA_HOME when set). Returns NULL with err set. */
struct render_ctx *render_ctx_new(const char *home, char *err, size_t errlen);
/* The same with the tenants folder named (NULL: $CERTIFICA_TENANTS, else
 * home/tenants); every tenant file is checked now: NULL with err naming the
 * file and key when one is wrong. */
struct render_ctx *render_ctx_new_tenants(const char *home, const char *tenants, char *err,
                                          size_t errlen);
void render_ctx_free(struct render_ctx *ctx);

/* The tenants the context checked at its start (never NULL). */
const struct tenants *render_tenants(const struct render_ctx *ctx);

/* The verification base URL of ev's institution when its tenant.json names
 * one, else NULL. */
const char *render_public_url(const struct render_ctx *ctx, long long institution_id);

/* When ev's certificate expires: certified_at plus the validity_months of its
 * tenant's course file (tenant_add_months). 1 and *out, or 0 when it never
 * expires. What {{expires_at}} prints and what the archive keeps. */
int render_expires_at(const struct render_ctx *ctx, const struct event *ev, struct caltime *out);

/* Append the PDF to out. The same event and options give the same bytes.
 * 0, or -1 with err naming the template, font or libharu error. */
int render_pdf(struct render_ctx *ctx, const struct event *ev, const struct render_opts *o,
               struct buf *out, char *err, size_t errlen);

/* Load the template render_pdf would use for an event of this type (with
 * o's template and locale) and its fonts, so that a missing or damaged file
 * is reported before the first event. 0, or -1 with err naming the file. */
int render_preload(struct render_ctx *ctx, enum cert_type type, const struct render_opts *o,
                   char *err, size_t errlen);

/* A text of the event that a template may print. */
struct render_field {
    const char *var;  /* its placeholder ("student", "course", "school", "nickname"), or
                         "manager" for a name under a signature line */
    char path[96];    /* its JSON path, for messages: "data.user.name" */
    const char *text; /* UTF-8 */
};

/* The event's printable fields, into *out (free it with free()); their number. */
size_t render_event_fields(const struct event *ev, struct render_field **out);

/* Check that every character of every field that the template chosen for ev
 * (by o's template and locale) prints is in a font of the chain of the role
 * that prints it. Each character that is not adds one error to d, once per
 * field: {path, "U+E000 cannot be printed: no font has it"}. Returns the
 * number of errors added, or -1 with err when the template or its fonts
 * cannot be loaded. */
int render_check_coverage(struct render_ctx *ctx, const struct event *ev,
                          const struct render_opts *o, const struct render_field *fields, size_t n,
                          struct event_diags *d, char *err, size_t errlen);

/* Both: every printable field of ev checked against the template chosen for
 * it; the same return values. */
int render_check_event(struct render_ctx *ctx, const struct event *ev, const struct render_opts *o,
                       struct event_diags *d, char *err, size_t errlen);

/* The template file render_pdf would use: o's template, else the first
 * matching rule of the event's tenant, else the type's; a NAME is looked up
 * in the tenant's templates/ before the global ones. NULL with
 * err set when it does not exist. Points into ctx's cache. */
const char *render_template_path(struct render_ctx *ctx, const struct event *ev,
                                 const struct render_opts *o, char *err, size_t errlen);

#endif
