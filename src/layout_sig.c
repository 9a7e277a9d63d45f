/* The signature block: chooses one name size, the number of cells to a row and how many
 * names are shown so that every shown name is whole, nothing overlaps and nothing leaves
 * the box; names that cannot be shown are counted on an "and N others" line. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "layout.h"
#include "banned.h"

#define SIZE_STEP 0.5
#define MAX_SIZES 64
#define GUTTER 0.05 /* each side of a name, as a share of its cell */

struct plan {
    const char *const *names;
    size_t n;
    const struct layout_sign_spec *sp;
    const struct layout_measure *m;
    double sizes[MAX_SIZES];
    size_t n_sizes, n_upper; /* sizes[0..n_upper) are >= min_size */
    size_t max_cols;
    signed char *lines; /* [name][cols - 1][size]: 0 unknown, -1 does not fit, else lines */
};

/* A candidate: the first k names, cols to a row, at sizes[si], with or without the others
 * line; L is the most lines a shown name takes. */
struct choice {
    size_t k, cols, si;
    int others;
    int L;
};

static double label_size_at(const struct layout_sign_spec *sp, double s)
{
    double ls = sp->label_size * s / sp->size;
    double lo = sp->label_size < LAYOUT_FLOOR_SIZE ? sp->label_size : LAYOUT_FLOOR_SIZE;
    return ls < lo ? lo : ls;
}

static double cell_width(const struct plan *p, size_t cols)
{
    return p->sp->box.w / (double)cols;
}

/* Lines name i takes whole at sizes[si] in a cell of a `cols` row, or -1. */
static int name_lines(struct plan *p, size_t i, size_t cols, size_t si)
{
    signed char *slot = &p->lines[(i * p->max_cols + cols - 1) * p->n_sizes + si];
    const struct layout_sign_spec *sp = p->sp;
    double s = p->sizes[si], lh = s * sp->leading;
    struct layout_spec spec = {cell_width(p, cols) * (1 - 2 * GUTTER),
                               (double)sp->max_lines * lh,
                               s,
                               s,
                               sp->leading,
                               sp->max_lines};
    struct layout_text t;

    if (*slot)
        return *slot;
    *slot = -1;
    if (layout_fit(p->names[i], strlen(p->names[i]), &spec, p->m, &t) == 0 && !t.truncated &&
        t.size == s && t.n_lines <= (size_t)sp->max_lines)
        *slot = (signed char)(t.n_lines ? t.n_lines : 1);
    return *slot;
}

static double others_height(const struct plan *p, size_t si)
{
    return p->sizes[si] * p->sp->leading;
}

/* Height of a row whose names take L lines. */
static double row_need(const struct plan *p, size_t si, int L)
{
    const struct layout_sign_spec *sp = p->sp;
    double s = p->sizes[si];
    double label_h = sp->has_label ? label_size_at(sp, s) * LAYOUT_SIGN_LABEL_LEADING : 0;

    return (LAYOUT_SIGN_GAP + LAYOUT_SIGN_PAD) * s + (double)L * s * sp->leading + label_h;
}

static int feasible(struct plan *p, struct choice *c)
{
    double avail = p->sp->box.h - (c->others ? others_height(p, c->si) : 0);
    size_t rows = (c->k + c->cols - 1) / c->cols;

    c->L = 1;
    if (avail < 0 || (double)rows * row_need(p, c->si, 1) > avail)
        return 0;
    for (size_t i = 0; i < c->k; i++) {
        int l = name_lines(p, i, c->cols, c->si);
        if (l < 0)
            return 0;
        if (l > c->L) {
            c->L = l;
            if ((double)rows * row_need(p, c->si, l) > avail)
                return 0;
        }
    }
    return 1;
}

static int try_cols(struct plan *p, struct choice *c, size_t cols, size_t si)
{
    c->cols = cols;
    c->si = si;
    return feasible(p, c);
}

/* The first candidate for the first c->k names, in the documented order of preference. */
static int search(struct plan *p, struct choice *c, size_t per_row)
{
    size_t natural = c->k < per_row ? c->k : per_row, top = c->k < p->max_cols ? c->k : p->max_cols;

    for (size_t si = 0; si < p->n_upper; si++)
        if (try_cols(p, c, natural, si))
            return 1;
    for (size_t si = 0; si < p->n_upper; si++)
        for (size_t cols = natural + 1; cols <= top; cols++)
            if (try_cols(p, c, cols, si))
                return 1;
    for (size_t si = 0; si < p->n_sizes; si++) {
        for (size_t cols = natural; cols <= top; cols++)
            if (try_cols(p, c, cols, si))
                return 1;
        for (size_t cols = natural - 1; cols >= 1; cols--)
            if (try_cols(p, c, cols, si))
                return 1;
    }
    return 0;
}

static void make_sizes(struct plan *p)
{
    const struct layout_sign_spec *sp = p->sp;
    double floor_size = sp->min_size < LAYOUT_FLOOR_SIZE ? sp->min_size : LAYOUT_FLOOR_SIZE;
    double step = (sp->size - floor_size) / (MAX_SIZES - 2);
    size_t n = 0;

    if (step < SIZE_STEP)
        step = SIZE_STEP;
    for (double s = sp->size; s > sp->min_size + 1e-9 && n < MAX_SIZES - 2; s -= step)
        p->sizes[n++] = s;
    p->sizes[n++] = sp->min_size;
    p->n_upper = n;
    for (double s = sp->min_size - step; s > floor_size + 1e-9 && n < MAX_SIZES - 1; s -= step)
        p->sizes[n++] = s;
    if (floor_size < sp->min_size)
        p->sizes[n++] = floor_size;
    p->n_sizes = n;
}

static int spec_ok(const struct layout_sign_spec *sp)
{
    const struct layout_rect *b = &sp->box;
    return b->w > 0 && b->h > 0 && isfinite(b->x) && isfinite(b->y) && isfinite(b->w) &&
           isfinite(b->h) && sp->size > 0 && isfinite(sp->size) && sp->min_size > 0 &&
           sp->min_size <= sp->size && sp->leading > 0 && isfinite(sp->leading) &&
           sp->max_lines >= 1 && sp->max_lines <= LAYOUT_MAX_LINES &&
           (!sp->has_label || (sp->label_size > 0 && isfinite(sp->label_size)));
}

/* Cells and lines for the chosen candidate. */
static void place(struct plan *p, const struct choice *c, struct layout_sign *out)
{
    const struct layout_sign_spec *sp = p->sp;
    double s = p->sizes[c->si], lh = s * sp->leading, oh = c->others ? others_height(p, c->si) : 0;
    struct layout_rect grid = {sp->box.x, sp->box.y, sp->box.w, sp->box.h - oh}, *rects;

    out->shown = c->k;
    out->others = p->n - c->k;
    out->cols = c->k ? c->cols : 0;
    out->size = s;
    out->label_size = sp->has_label ? label_size_at(sp, s) : 0;
    out->others_size = s;
    out->others_box =
        (struct layout_rect){sp->box.x, sp->box.y + (c->k ? grid.h : 0), sp->box.w, oh};
    if (!c->k)
        return;
    rects = xcalloc(c->k, sizeof(*rects));
    out->cells = xcalloc(c->k, sizeof(*out->cells));
    out->rows = layout_signatures(c->k, grid, (int)c->cols, rects);
    for (size_t i = 0; i < c->k; i++) {
        struct layout_rect r = rects[i];
        struct layout_sign_cell *cell = &out->cells[i];
        double label_h = out->label_size * LAYOUT_SIGN_LABEL_LEADING;
        double room = r.h - LAYOUT_SIGN_PAD * s - (double)c->L * lh - (sp->has_label ? label_h : 0);
        double gap = LAYOUT_SIGN_LINE_AT * r.h;
        int l = name_lines(p, i, c->cols, c->si);

        if (gap > room)
            gap = room;
        if (gap < LAYOUT_SIGN_GAP * s)
            gap = LAYOUT_SIGN_GAP * s;
        cell->line_y = r.y + gap;
        cell->line_x0 = r.x + r.w * 2 * GUTTER;
        cell->line_x1 = r.x + r.w * (1 - 2 * GUTTER);
        cell->name = (struct layout_rect){r.x + r.w * GUTTER, cell->line_y + LAYOUT_SIGN_PAD * s,
                                          r.w * (1 - 2 * GUTTER), (double)l * lh};
        cell->label = (struct layout_rect){cell->name.x, cell->name.y + cell->name.h, cell->name.w,
                                           sp->has_label ? label_h : 0};
    }
    free(rects);
}

int layout_sign(const char *const *names, size_t n, const struct layout_sign_spec *spec,
                const struct layout_measure *m, struct layout_sign *out)
{
    struct plan p;
    struct choice c = {0};
    size_t per_row, wide;

    if (!out)
        return -1;
    memset(out, 0, sizeof(*out));
    if (!spec || !m || !m->width || (n && !names) || !spec_ok(spec))
        return -1;
    if (n == 0)
        return 0;
    memset(&p, 0, sizeof(p));
    p.names = names;
    p.n = n;
    p.sp = spec;
    p.m = m;
    make_sizes(&p);
    per_row = spec->per_row > 0 ? (size_t)spec->per_row : 1;
    if (per_row > LAYOUT_SIGN_MAX_COLS)
        per_row = LAYOUT_SIGN_MAX_COLS;
    wide = (size_t)(spec->box.w / LAYOUT_SIGN_MIN_CELL);
    p.max_cols =
        wide > per_row ? (wide < LAYOUT_SIGN_MAX_COLS ? wide : LAYOUT_SIGN_MAX_COLS) : per_row;
    p.lines = xcalloc(n * p.max_cols * p.n_sizes, 1);

    c.k = n;
    if (!search(&p, &c, per_row)) {
        /* the most names that fit above an "and N others" line: feasible for k is
         * feasible for every smaller k, so bisect */
        size_t lo = 0, hi = n - 1;
        struct choice best = {0};

        c.others = 1;
        while (lo < hi) {
            size_t mid = lo + (hi - lo + 1) / 2;
            c.k = mid;
            if (search(&p, &c, per_row)) {
                lo = mid;
                best = c;
            } else {
                hi = mid - 1;
            }
        }
        if (lo == 0) {
            best = (struct choice){0, 1, 0, 1, 1};
            while (best.si + 1 < p.n_sizes && others_height(&p, best.si) > spec->box.h)
                best.si++;
        }
        c = best;
    }
    place(&p, &c, out);
    free(p.lines);
    return 0;
}

void layout_sign_free(struct layout_sign *s)
{
    if (!s)
        return;
    free(s->cells);
    s->cells = NULL;
}
