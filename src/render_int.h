/* Internals shared by the files of the render module (render.c: contexts,
 * templates, drawing; render_cover.c: what can be printed). */
#ifndef RENDER_INT_H
#define RENDER_INT_H

#include "fallback.h"
#include "render.h"
#include "shape.h"
#include "template.h"
#include "tenant.h"

#define CACHE_MAX 32

/* A font role's chain: the template's own font, then the fallbacks. */
struct chain {
    struct shape_font *f;
    size_t n;
};

struct cached_template {
    char *path;
    struct template *t;
    struct chain *chains; /* one per font role */
    unsigned *prints;     /* per element: bit i set when it prints render_vars[i] */
};

struct cached_font {
    char *path;
    int index;
    struct font *f;
};

struct render_ctx {
    char *home;
    char *fonts_dir;
    char *templates_dir;
    struct fallback *fallback;
    struct tenants *tenants; /* checked at start; never NULL once open */
    struct cached_template templates[CACHE_MAX];
    size_t n_templates;
    struct cached_font *fonts;
    size_t n_fonts;
    struct buf icc; /* fonts/sRGB.icc, read when the first PDF/A needs it */
};

#define RENDER_ICC_FILE "sRGB.icc"
/* The colour profile of PDF/A certificates, read once: 0, or -1 with err naming the
 * file and the package that ships it. */
int render_icc(struct render_ctx *c, char *err, size_t errlen);

/* Read and check the tenants folder (NULL: $CERTIFICA_TENANTS, else
 * home/tenants) into c->tenants. 0, or -1 with err naming file and key. */
int render_tenants_open(struct render_ctx *c, const char *dir, char *err, size_t errlen);
/* o, or a copy of it in *copy with the locale of ev's tenant when o's is not fixed. */
const struct render_opts *render_tenant_opts(const struct render_ctx *c, const struct event *ev,
                                             const struct render_opts *o, struct render_opts *copy);
struct pdf;
struct layout_sign;
/* Draw each shown manager's scanned signature of ev's tenant above that manager's line,
 * scaled to the room between the line and the row above it (or top, the block's top),
 * aspect kept. 0, or -1 with err. */
int render_signature_images(struct render_ctx *c, struct pdf *p, const struct event *ev,
                            const struct layout_sign *sg, double top, char *err, size_t errlen);
/* The course file of ev's tenant, or NULL. */
const struct tenant_course *render_course(const struct render_ctx *c, const struct event *ev);

/* The template at path with the chain of each font role, loaded once per
 * context (and its texts checked against the chains). NULL with err set. */
struct cached_template *render_get_template(struct render_ctx *c, const char *path, char *err,
                                            size_t errlen);
/* The chain of a template's font role into *ch (ch->f malloc'd, even on failure): its
 * own font, then those its "fallback" key names, else the fonts/FALLBACK chain its style
 * calls for. Fonts are taken from the process-wide set. 0, or -1 with err. */
int render_make_chain(struct render_ctx *c, const struct tpl_font *tf, struct chain *ch, char *err,
                      size_t errlen);
/* Give back a font a context took for a chain. */
void render_font_release(struct font *f);

/* The placeholders of event fields, whose elements render_check_template notes in
 * cached_template.prints. */
extern const char *const render_vars[4];

/* Template texts that no font of their chain can print: 0, or -1 with err
 * naming the file, the element and the character. Fills ct->prints. */
int render_check_template(struct cached_template *ct, char *err, size_t errlen);
/* The coverage check of render_check_coverage on a template already found:
 * the number of diagnostics added to d. */
int render_cover_check(const struct cached_template *ct, const struct render_field *fields,
                       size_t n, struct event_diags *d);

#endif
