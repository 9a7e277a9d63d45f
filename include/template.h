/* Certificate templates: a JSON file describing the page, the fonts by role,
 * colours, a background, and positioned elements whose text holds
 * {{placeholders}} and optional {{#sections}}. This module parses and checks
 * a template file and expands placeholder text; it draws nothing.
 * The format is documented in README.md ("Templates").
 * Loaded templates are read-only and may be shared between threads. */
#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stddef.h>

#include "buf.h"

/* The names a template may use in {{...}}; anything else is a load error. */
#define TEMPLATE_VARS                                                                              \
    "student", "course", "workload", "school", "enrolled_at", "concluded_at", "certified_at",      \
        "approval_rate", "type", "cpf", "nickname", "code", "verify_url", "institution_id",        \
        "user_id", "course_id", "school_id", "achievement", "participation", "expires_at",         \
        "syllabus"

#define TEMPLATE_MAX_PAGES 8 /* "page": 1..8 */

enum tpl_kind { TPL_TEXT, TPL_LINE, TPL_RECT, TPL_IMAGE, TPL_SIGNATURES, TPL_QR, TPL_LIST };
enum tpl_align { TPL_LEFT, TPL_CENTER, TPL_RIGHT };
enum tpl_valign { TPL_TOP, TPL_MIDDLE, TPL_BOTTOM };

struct tpl_color {
    float r, g, b; /* 0..1 */
};

/* One entry of a font role's "fallback" list. */
struct tpl_fallback {
    char *chain; /* a chain of fonts/FALLBACK ("serif", "sans", ...), or NULL */
    char *path;  /* else a font file, resolved like the role's own */
    int index;   /* its face in a collection ("file.ttc:1") */
};

struct tpl_font {
    char *role; /* "title", "body", ... as named in the template */
    char *path; /* resolved file path */
    int index;  /* face index in a .ttc collection, else 0 */
    /* "fallback": fonts tried for characters this one lacks. has_fallback 0:
     * the key is absent, the default chain for the font's style applies. */
    int has_fallback;
    struct tpl_fallback *fallback;
    size_t n_fallback;
};

struct tpl_element {
    enum tpl_kind kind;
    double x, y, w, h; /* box, points from the top-left corner */
    double x2, y2;     /* TPL_LINE: end point (x, y is the start) */
    char *cond;        /* "if": draw only when this variable is non-empty;
                          a leading '!' inverts; NULL: always */
    int page;          /* "page": 1 (the default) .. TEMPLATE_MAX_PAGES. A page after the
                          first is left out when none of its texts with placeholders
                          prints anything (its only content is an empty section) */
    /* text and signatures */
    int font; /* index into template.fonts */
    double size, min_size, leading;
    int max_lines;
    enum tpl_align align;
    enum tpl_valign valign;
    struct tpl_color color;
    char *text; /* TPL_TEXT: with placeholders */
    /* signatures: one cell per manager, a line over the name, label under it */
    int per_row; /* default 4 */
    char *label; /* text under each name, may be NULL; placeholders allowed */
    int label_font;
    double label_size;
    struct tpl_color line_color;
    /* lines and rectangles */
    double line_width;
    int has_fill, has_stroke;
    struct tpl_color fill;   /* TPL_RECT */
    struct tpl_color stroke; /* TPL_RECT, TPL_LINE */
    /* images */
    char *image_path; /* TPL_IMAGE: resolved path of a PNG or JPEG */
    /* lists: "items" names the list ("syllabus"), flowed through up to `columns` columns
     * and continued on copies of its page; at most one list to a page */
    int columns;
};

struct template
{
    char *path;            /* the file it came from */
    double page_w, page_h; /* points; "A4" landscape is 841.89 x 595.28 */
    struct tpl_font *fonts;
    size_t n_fonts;
    int has_background;
    struct tpl_color background;
    char *background_image; /* resolved path, stretched over the page, or NULL */
    struct tpl_element *elems;
    size_t n_elems;
};

/* Load and check a template. Font file names are looked up as given when
 * absolute, else in the template's own folder, else in fonts_dir; image paths
 * likewise. Every check error names the file and the key:
 * "templates/x.json: elements[3].font: unknown font role 'titel'".
 * All problems are reported, one per line in err, as many whole lines as fit
 * and then "(and N more errors)".
 * Returns the template (free with template_free) or NULL with err set. */
struct template *template_load(const char *path, const char *fonts_dir, char *err, size_t errlen);
/* The same for template text held in memory, buf[0..len) (it may contain NUL bytes,
 * which are reported as invalid). name stands for the file: it is the name in messages
 * and the stored path, and its folder is where fonts and images are looked up. */
struct template *template_load_mem(const char *buf, size_t len, const char *name,
                                   const char *fonts_dir, char *err, size_t errlen);
void template_free(struct template *t);

/* Check placeholder syntax and names: 0, or -1 with a message in err. */
int template_check_text(const char *text, char *err, size_t errlen);

/* Look a variable up: return its value (non-NULL; "" when empty). */
typedef const char *(*template_lookup_fn)(void *ctx, const char *name);

/* Expand text into out: {{name}} is replaced by its value; {{#name}}...{{/name}}
 * keeps its inside only when name is non-empty, {{^name}}...{{/name}} only
 * when it is empty; sections nest. Text must have passed template_check_text.
 * Values are inserted verbatim (no re-expansion). */
void template_expand(const char *text, template_lookup_fn lookup, void *ctx, struct buf *out);

/* " (did you mean 'x'?)" with the nearest of cands[0..n) to word, or "", in
 * hint[size]; returns hint. The same rule as the template loader's keys. */
const char *template_suggest(const char *word, const char *const *cands, size_t n, char *hint,
                             size_t size);

/* Colour "#RRGGBB" or "#RGB" into c: 0 / -1. */
int template_parse_color(const char *s, struct tpl_color *c);

#endif
