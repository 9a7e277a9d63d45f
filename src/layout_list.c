/* Lists (a course's syllabus): how many lines each item takes in a column at a size, how
 * the items flow through the columns and repetitions of a box, and the choice of size,
 * columns and pages. Widths are measured once per word at size 1 (they scale with the
 * size); line counts are the greedy word wrap a little narrower than the column, so that
 * the renderer's own wrap of each item never needs more lines than planned. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "layout.h"
#include "banned.h"

#define NARROW 0.96 /* plan the wrap this share of the column wide */

struct word {
    double w;   /* at size 1 */
    int break_before; /* a '\n' before it */
};

struct measured {
    struct word *words;
    size_t n;
};

struct planner {
    const struct layout_list_spec *spec;
    struct measured *items;
    size_t n;
    double space; /* at size 1 */
};

static void measure_item(const char *s, const struct layout_measure *m, struct measured *out)
{
    size_t len = strlen(s), i = 0, cap = 0;
    int brk = 0;
    out->words = NULL;
    out->n = 0;
    while (i < len) {
        size_t j = i;
        if (s[i] == ' ' || s[i] == '\n') {
            brk |= s[i] == '\n';
            i++;
            continue;
        }
        while (j < len && s[j] != ' ' && s[j] != '\n')
            j++;
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->words = xrealloc(out->words, cap * sizeof(*out->words));
        }
        out->words[out->n].w = m->width(m->ctx, s + i, j - i, 1.0);
        out->words[out->n++].break_before = brk;
        brk = 0;
        i = j;
    }
}

/* Lines item it takes at size s in a column whose text is tw wide. */
static int count_lines(const struct planner *pl, const struct measured *it, double s, double tw)
{
    double x = 0, space = pl->space * s;
    int lines = 1;
    tw *= NARROW;
    for (size_t k = 0; k < it->n; k++) {
        double w = it->words[k].w * s;
        if (it->words[k].break_before && k > 0) {
            lines++;
            x = 0;
        }
        if (x > 0 && x + space + w <= tw) {
            x += space + w;
            continue;
        }
        if (x > 0)
            lines++;
        if (w > tw) { /* broken between characters: whole lines of it, then the rest */
            double full = floor(w / tw);
            lines += (int)full - (fmod(w, tw) < 1e-9);
            x = w - full * tw;
            if (x < 1e-9)
                x = tw;
        } else {
            x = w;
        }
    }
    return lines;
}

/* Flow every item at size s in cols columns; the number of boxes used, or -1 when one item
 * is taller than the box or the column too narrow. Line counts from exact when given, else
 * estimated. With out, the places are kept. */
static int flow(const struct planner *pl, double s, int cols, const int *exact,
                struct layout_list *out)
{
    const struct layout_list_spec *sp = pl->spec;
    double lh = s * sp->leading, gap = LAYOUT_LIST_GAP * s, cgap = LAYOUT_LIST_COL_GAP * s;
    double colw = (sp->box.w - (cols - 1) * cgap) / cols, tw = colw - sp->bullet_w * s, y = 0;
    int col = 0, page = 0;

    if (tw < 4 * s)
        return -1;
    for (size_t i = 0; i < pl->n; i++) {
        int nl = exact ? exact[i] : count_lines(pl, &pl->items[i], s, tw);
        double h = nl * lh;
        if (h > sp->box.h + 1e-6)
            return -1;
        if (y > 0 && y + h > sp->box.h + 1e-6) {
            y = 0;
            if (++col == cols) {
                col = 0;
                page++;
            }
        }
        if (out) {
            struct layout_list_item *it = &out->items[i];
            it->page = page;
            it->bullet_x = sp->box.x + col * (colw + cgap);
            it->text = (struct layout_rect){it->bullet_x + sp->bullet_w * s, sp->box.y + y, tw, h};
            it->n_lines = nl;
        }
        y += h + gap;
    }
    return page + 1;
}

/* How many lines layout_fit gives each item at size s in cols columns (at most the
 * estimate: an item whose real wrap needs more, or a smaller size, keeps the estimate). */
static int *exact_lines(const struct planner *pl, const char *const *items,
                        const struct layout_measure *m, double s, int cols)
{
    const struct layout_list_spec *sp = pl->spec;
    double cgap = LAYOUT_LIST_COL_GAP * s, tw = (sp->box.w - (cols - 1) * cgap) / cols -
                                               sp->bullet_w * s;
    int *n = xcalloc(pl->n, sizeof(*n));
    for (size_t i = 0; i < pl->n; i++) {
        int est = count_lines(pl, &pl->items[i], s, tw);
        struct layout_spec ls = {tw, est * s * sp->leading + 0.01, s, s, sp->leading,
                                 est < LAYOUT_MAX_LINES ? est : LAYOUT_MAX_LINES};
        struct layout_text lt;
        n[i] = est;
        if (est > 1 && layout_fit(items[i], strlen(items[i]), &ls, m, &lt) == 0 &&
            !lt.truncated && lt.size >= s - 1e-9 && lt.n_lines >= 1 && (int)lt.n_lines < est)
            n[i] = (int)lt.n_lines;
    }
    return n;
}

int layout_list(const char *const *items, size_t n, const struct layout_list_spec *spec,
                const struct layout_measure *m, struct layout_list *out)
{
    struct planner pl = {spec, NULL, n, 0};
    double floor_size = spec->min_size > LAYOUT_FLOOR_SIZE ? spec->min_size : LAYOUT_FLOOR_SIZE;
    double best_s = 0;
    int k_max, need, target, best_cols = 0, rc = 1, *exact;

    memset(out, 0, sizeof(*out));
    if (spec->box.w <= 0 || spec->box.h <= 0 || spec->size <= 0 || spec->leading <= 0 ||
        spec->max_cols < 1 || spec->max_cols > LAYOUT_LIST_MAX_COLS || spec->max_pages < 1)
        return -1;
    if (floor_size > spec->size)
        floor_size = spec->size;
    if (!n)
        return 0;
    pl.items = xcalloc(n, sizeof(*pl.items));
    for (size_t i = 0; i < n; i++)
        measure_item(items[i], m, &pl.items[i]);
    pl.space = m->width(m->ctx, " ", 1, 1.0);

    /* the fewest boxes that can hold them, then the largest size and fewest columns there */
    need = flow(&pl, floor_size, spec->max_cols, NULL, NULL);
    out->pages = need < 0 ? 0 : need;
    if (need < 0 || need > spec->max_pages)
        goto done;
    target = need;
    k_max = (int)floor((spec->size - floor_size) / 0.5 + 1e-9) + 1; /* grid, then the floor */
    for (int cols = 1; cols <= spec->max_cols; cols++) {
        int lo = 0, hi = k_max; /* hi: the floor, which may fit */
        int f = flow(&pl, floor_size, cols, NULL, NULL);
        if (f < 0 || f > target)
            continue;
        while (lo < hi) { /* the first grid step whose size fits */
            int mid = (lo + hi) / 2;
            double s = mid == k_max ? floor_size : spec->size - 0.5 * mid;
            int g = flow(&pl, s, cols, NULL, NULL);
            if (g >= 0 && g <= target)
                hi = mid;
            else
                lo = mid + 1;
        }
        double s = lo == k_max ? floor_size : spec->size - 0.5 * lo;
        if (s > best_s + 1e-9) {
            best_s = s;
            best_cols = cols;
        }
    }
    out->items = xcalloc(n, sizeof(*out->items));
    out->size = best_s;
    out->line_height = best_s * spec->leading;
    out->cols = best_cols;
    /* the estimate is a little wide of the mark: the real wrap of each item, then the flow
     * again with it, unless that would take more boxes */
    exact = exact_lines(&pl, items, m, best_s, best_cols);
    out->pages = flow(&pl, best_s, best_cols, exact, out);
    if (out->pages < 0 || out->pages > target)
        out->pages = flow(&pl, best_s, best_cols, NULL, out);
    free(exact);
    rc = 0;
done:
    for (size_t i = 0; i < n; i++)
        free(pl.items[i].words);
    free(pl.items);
    return rc;
}

void layout_list_free(struct layout_list *l)
{
    free(l->items);
    l->items = NULL;
}
