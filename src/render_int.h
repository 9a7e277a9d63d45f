/* Internals shared by the files of the render module (render.c: contexts,
 * templates, drawing; render_plan.c: the page plan and lists; render_cover.c:
 * what can be printed). */
#ifndef RENDER_INT_H
#define RENDER_INT_H

#include "fallback.h"
#include "layout.h"
#include "render.h"
#include "shape.h"
#include "template.h"
#include "tenant.h"
#include "typeset.h"

#define CACHE_MAX 32
#define RENDER_LIST_MAX_COPIES 8 /* a list continues on at most this many copies of its page */
#define RENDER_BULLET "\u2022"

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

/* A laid-out block of text ready to draw. */
struct block {
    struct tpl_color color;
    struct typeset ts; /* its text points into owned storage */
    int copy;          /* 0: on every copy of its page; k: on copy k only (a list's items) */
};

struct page_plan {
    struct block *blocks;
    size_t n_blocks, cap_blocks;
    char **texts; /* owned expanded strings */
    size_t n_texts, cap_texts;
    struct layout_sign *signs; /* one per signatures element planned, in element order */
    size_t n_signs;
    int copies[TEMPLATE_MAX_PAGES + 1]; /* how many times each page is drawn: 1, more for a
                                           list that continues */
};

/* Keep s (malloc'd) with the plan; returns s. */
char *render_plan_keep(struct page_plan *pl, char *s);
void render_plan_free(struct page_plan *pl);
/* Lay out one text box (text owned by the plan, or static) as a new block. 0, or -1 with
 * err. */
int render_add_block(struct page_plan *pl, const struct chain *chains, int font, const char *text,
                     struct layout_rect box, double size, double min_size, double leading,
                     int max_lines, enum tpl_align align, enum tpl_valign valign,
                     struct tpl_color color, char *err, size_t errlen);
/* A layout_measure width: the shaped width of s[0..n) in the chain ctx at size points. */
double render_chain_width(void *ctx, const char *s, size_t n, double size);
/* Plan list element e with items[0..n): a bullet and a text block per item, at one size,
 * through its columns and as many copies of its page as it needs (pl->copies). When they
 * do not fit on RENDER_LIST_MAX_COPIES copies even at the smallest size: -1 with err naming
 * source (the course file) and its syllabus. */
int render_plan_list(struct page_plan *pl, const struct tpl_element *e, const struct chain *fonts,
                     const char *const *items, size_t n, const char *source, char *err,
                     size_t errlen);

struct render_ctx {
    const struct render_conf *conf; /* what it draws with */
    struct render_conf *own_conf;   /* conf, when the context frees it (render_ctx_new_tenants) */
    const char *home;               /* these three and tenants are conf's */
    const char *fonts_dir;
    const char *templates_dir;
    struct fallback *fallback;
    const struct tenants *tenants; /* checked at start; never NULL once open */
    struct cached_template templates[CACHE_MAX];
    size_t n_templates;
    struct cached_font *fonts;
    size_t n_fonts;
    struct buf icc; /* fonts/sRGB.icc, read when the first PDF/A needs it */
};

struct conf_text {
    char *path; /* as render_template_path builds it: "<dir>/<file>.json" */
    char *text;
    size_t len;
};

struct render_conf {
    char *home, *fonts_dir, *templates_dir;
    struct tenants *tenants;
    struct conf_text *texts;
    size_t n_texts;
    struct render_ctx *probe; /* the context the checks used: keeps their fonts open */
};

/* The tenants folder (checked) and every template's text, without a context
 * (render_conf_load adds the checks that need one). NULL with err set. */
struct render_conf *render_conf_read(const char *home, const char *tenants, char *err,
                                     size_t errlen);
/* Free what render_conf_read made (not the probe). NULL is fine. */
void render_conf_drop(struct render_conf *cf);
/* 1 when the configuration holds the template file at path (as read at its load). */
int render_conf_has(const struct render_conf *cf, const char *path);
/* The template at path as the configuration read it (a path it does not hold, one named
 * on the command line, is read now). NULL with err set; free with template_free. */
struct template *render_conf_template(const struct render_conf *cf, const char *path, char *err,
                                      size_t errlen);

#define RENDER_ICC_FILE "sRGB.icc"
/* The colour profile of PDF/A certificates, read once: 0, or -1 with err naming the
 * file and the package that ships it. */
int render_icc(struct render_ctx *c, char *err, size_t errlen);
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
/* Every font of every fonts/FALLBACK chain, regular faces, into *ch (ch->f malloc'd, even
 * on failure; empty without chains): what "no font has it" means before a template is
 * chosen. 0, or -1 with err. */
int render_all_fonts(struct render_ctx *c, struct chain *ch, char *err, size_t errlen);
/* Give back a font a context took for a chain. */
void render_font_release(struct font *f);

/* The placeholders of event fields, whose elements render_check_template notes in
 * cached_template.prints. */
extern const char *const render_vars[4];

/* Template texts that no font of their chain can print: 0, or -1 with err
 * naming the file, the element and the character. Fills ct->prints. */
int render_check_template(struct cached_template *ct, char *err, size_t errlen);
/* The course files of every tenant: a display_name or syllabus item with a character no
 * font of fonts/FALLBACK has. 0, or -1 with err, a line for each such character naming
 * the file and the key. */
int render_check_courses(struct render_ctx *c, char *err, size_t errlen);
/* The course file texts ev's certificate prints, as fields (display_name replacing the
 * event's course name), appended to *f (n entries, realloc'd); the new count. */
size_t render_course_fields(const struct render_ctx *c, const struct event *ev,
                            struct render_field **f, size_t n);
/* The coverage check of render_check_coverage on a template already found:
 * the number of diagnostics added to d. */
int render_cover_check(const struct cached_template *ct, const struct render_field *fields,
                       size_t n, struct event_diags *d);

#endif
