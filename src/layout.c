/* Text fitting and signature cells: picks a font size and line breaks for a box, measuring
 * whole candidate lines through the caller's callback, and places signature cells in rows. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "layout.h"
#include "utf8.h"
#include "banned.h"

#define SIZE_STEP 0.5
#define EPS 1e-9
#define MAX_STEPS 1e9 /* caps the index space of absurd sizes; searched in log time anyway */
#define ELLIPSIS "\xE2\x80\xA6"

enum wrap_mode {
    WRAP_NONE,  /* only '\n' breaks lines */
    WRAP_WORDS, /* break at spaces */
    WRAP_BREAK, /* break at spaces, and inside words that are wider than the box */
};

enum wrap_status {
    WRAP_FIT,  /* every line placed, within the line limit */
    WRAP_OVER, /* more lines needed than allowed; *rest says where the next would start */
    WRAP_WIDE, /* something cannot be made narrow enough in this mode */
};

/* The text cut into words and paragraphs once, and the box being filled. */
struct fit {
    const char *s;
    const struct layout_measure *m;
    const struct layout_spec *spec;
    size_t *word_start, *word_end; /* words: maximal runs of bytes other than spaces and '\n' */
    size_t *para_start;            /* byte offset of each paragraph */
    size_t *para_word;             /* first word of each paragraph; [n_paras] = n_words */
    size_t n_paras;
    size_t *ends;            /* scratch: candidate line ends */
    size_t n_upper, n_lower; /* size grid: spec->size .. min_size, then below to the floor */
};

/* Where line-filling stopped: the next line would start at pos and could run to end. */
struct rest {
    size_t pos, end;
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static double measure(const struct fit *f, size_t from, size_t to, double size)
{
    return f->m->width(f->m->ctx, f->s + from, to - from, size);
}

/* Largest k <= count such that s[from..ends[k-1]) plus `extra` fits the box, searching by
 * doubling then bisection so that few (and short) candidates are measured; 0 if none. */
static size_t fit_prefix(const struct fit *f, size_t from, const size_t *ends, size_t count,
                         double size, double extra, double *width)
{
    size_t lo, hi, step;
    double wd;

    if (count == 0)
        return 0;
    wd = measure(f, from, ends[0], size);
    if (!(wd + extra <= f->spec->w))
        return 0;
    *width = wd;
    lo = 0;
    hi = count;
    for (step = 1; lo + step < count; step *= 2) {
        wd = measure(f, from, ends[lo + step], size);
        if (!(wd + extra <= f->spec->w)) {
            hi = lo + step;
            break;
        }
        lo += step;
        *width = wd;
    }
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        wd = measure(f, from, ends[mid], size);
        if (wd + extra <= f->spec->w) {
            lo = mid;
            *width = wd;
        } else {
            hi = mid;
        }
    }
    return lo + 1;
}

/* A place where text may be cut: not inside a UTF-8 sequence, not before a combining mark. */
static int char_boundary(const char *s, size_t i, size_t end)
{
    uint32_t cp;

    if (i >= end)
        return 1;
    if (((unsigned char)s[i] & 0xC0) == 0x80)
        return 0;
    return !(utf8_decode(s + i, end - i, &cp) && cp >= 0x300 && cp <= 0x36F);
}

/* Fill f->ends with the character boundaries in (from, to], skipping those right after a
 * space when trim is set. */
static size_t char_ends(struct fit *f, size_t from, size_t to, int trim)
{
    size_t count = 0;

    for (size_t i = from + 1; i <= to; i++)
        if (char_boundary(f->s, i, to) && !(trim && is_space(f->s[i - 1])))
            f->ends[count++] = i;
    return count;
}

static void add_line(struct layout_text *t, size_t off, size_t len, double width)
{
    struct layout_line *l = &t->lines[t->n_lines++];

    l->off = off;
    l->len = len;
    l->width = width;
    l->ellipsis = 0;
}

/* Lay the text out at `size` in at most `limit` lines. */
static enum wrap_status wrap(struct fit *f, enum wrap_mode mode, double size, size_t limit,
                             struct layout_text *t, struct rest *rest)
{
    t->n_lines = 0;
    t->broke_word = 0;
    for (size_t p = 0; p < f->n_paras; p++) {
        size_t i = f->para_word[p], last = f->para_word[p + 1];
        size_t pos = i < last ? f->word_start[i] : f->para_start[p];

        do {
            size_t k;
            double width = 0;

            if (t->n_lines == limit) {
                rest->pos = pos;
                rest->end = i < last ? f->word_end[last - 1] : pos;
                return WRAP_OVER;
            }
            if (i == last) {
                add_line(t, pos, 0, 0);
                break;
            }
            if (mode == WRAP_NONE) {
                k = fit_prefix(f, pos, &f->word_end[last - 1], 1, size, 0, &width);
                if (!k)
                    return WRAP_WIDE;
                k = last - i;
            } else {
                k = fit_prefix(f, pos, &f->word_end[i], last - i, size, 0, &width);
            }
            if (k) {
                add_line(t, pos, f->word_end[i + k - 1] - pos, width);
                i += k;
                if (i < last)
                    pos = f->word_start[i];
                continue;
            }
            if (mode != WRAP_BREAK)
                return WRAP_WIDE;
            k = fit_prefix(f, pos, f->ends, char_ends(f, pos, f->word_end[i], 0), size, 0, &width);
            if (!k)
                return WRAP_WIDE;
            add_line(t, pos, f->ends[k - 1] - pos, width);
            pos = f->ends[k - 1];
            t->broke_word = 1;
        } while (i < last);
    }
    return WRAP_FIT;
}

/* Size at index i of the grid: spec->size stepping down to min_size, then on to the floor. */
static double grid_size(const struct fit *f, size_t i)
{
    const struct layout_spec *sp = f->spec;

    if (i + 1 < f->n_upper)
        return sp->size - SIZE_STEP * (double)i;
    if (i + 1 == f->n_upper)
        return sp->min_size;
    i -= f->n_upper;
    if (i + 1 < f->n_lower)
        return sp->min_size - SIZE_STEP * (double)(i + 1);
    return LAYOUT_FLOOR_SIZE;
}

/* Number of grid points strictly above `lo` when stepping down from `hi`. */
static size_t steps_above(double hi, double lo)
{
    double d = (hi - lo) / SIZE_STEP;
    if (d <= EPS)
        return 0;
    return d > MAX_STEPS ? (size_t)MAX_STEPS : (size_t)ceil(d - EPS);
}

/* How many lines of this height the box holds, by the same test the caller will apply. */
static size_t lines_that_fit(const struct layout_spec *sp, double line_height)
{
    size_t k = 0;
    while (k < (size_t)sp->max_lines && (double)(k + 1) * line_height <= sp->h)
        k++;
    return k;
}

static int try_size(struct fit *f, enum wrap_mode mode, size_t i, struct layout_text *t)
{
    struct rest rest;

    t->size = grid_size(f, i);
    t->line_height = t->size * f->spec->leading;
    t->truncated = 0;
    return wrap(f, mode, t->size, lines_that_fit(f->spec, t->line_height), t, &rest) == WRAP_FIT;
}

/* The largest size of grid[a..b] at which the mode fits, bisecting on the assumption that
 * what fits at one size fits at every smaller one. 0 and *out filled, or -1. */
static int search(struct fit *f, enum wrap_mode mode, size_t a, size_t b, struct layout_text *out)
{
    struct layout_text t;

    if (!try_size(f, mode, b, out))
        return -1;
    if (a < b && try_size(f, mode, a, &t)) {
        *out = t;
        return 0;
    }
    a++;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (try_size(f, mode, mid, &t)) {
            b = mid;
            *out = t;
        } else {
            a = mid + 1;
        }
    }
    return 0;
}

/* The last resort at the smallest size: as many lines as the box holds, the last one cut so
 * that "…" fits after it. Nothing at all when not even that fits. */
static void truncate_text(struct fit *f, double size, struct layout_text *out)
{
    size_t limit, k;
    double ell, width = 0;
    struct rest rest;
    enum wrap_status status;
    struct layout_line *last;

    out->size = size;
    out->line_height = size * f->spec->leading;
    out->truncated = 1;
    limit = lines_that_fit(f->spec, out->line_height);
    ell = f->m->width(f->m->ctx, ELLIPSIS, strlen(ELLIPSIS), size);
    status =
        limit && ell <= f->spec->w ? wrap(f, WRAP_BREAK, size, limit - 1, out, &rest) : WRAP_WIDE;
    if (status == WRAP_WIDE) {
        out->n_lines = 0;
        out->broke_word = 0;
        return;
    }
    if (status == WRAP_FIT) { /* not after the wider modes failed, but stay exact */
        out->truncated = 0;
        return;
    }
    k = fit_prefix(f, rest.pos, f->ends, char_ends(f, rest.pos, rest.end, 1), size, ell, &width);
    add_line(out, rest.pos, k ? f->ends[k - 1] - rest.pos : 0, k ? width : 0);
    last = &out->lines[out->n_lines - 1];
    last->ellipsis = 1;
}

/* Han, kana and their punctuation: scripts written without spaces, where a line may break
 * between any two characters (UAX #14, simplified). */
static int is_cjk(uint32_t c)
{
    return (c >= 0x2E80 && c <= 0x2FFF) || (c >= 0x3000 && c <= 0x30FF) ||
           (c >= 0x3100 && c <= 0x31FF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFF00 && c <= 0xFF60) || (c >= 0x20000 && c <= 0x3FFFF);
}

/* Characters a line must not start with (closing marks, small kana), or end with. */
static int no_start(uint32_t c)
{
    static const uint32_t v[] = {0x3001, 0x3002, 0xFF0C, 0xFF0E, 0xFF1A, 0xFF1B, 0xFF01, 0xFF1F,
                                 0xFF09, 0x300D, 0x300F, 0x3011, 0x3015, 0x3009, 0x300B, 0x30FC,
                                 0x3005, 0x309D, 0x309E, 0x3063, 0x30C3, 0x3083, 0x3085, 0x3087,
                                 0x30E3, 0x30E5, 0x30E7, '.',    ',',    ';',    ':',    '!',
                                 '?',    ')',    ']',    '}',    0x2026};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (c == v[i])
            return 1;
    return (c >= 0x300 && c <= 0x36F) || c == 0x3099 || c == 0x309A;
}

static int no_end(uint32_t c)
{
    return c == 0xFF08 || c == 0x300C || c == 0x300E || c == 0x3010 || c == 0x3014 || c == 0x3008 ||
           c == 0x300A || c == '(' || c == '[' || c == '{';
}

/* A line may break before byte i although no space is there: between CJK characters. */
static int cjk_break(const char *s, size_t n, size_t i)
{
    uint32_t a, b;
    size_t j = i;

    if (i == 0 || i >= n || ((unsigned char)s[i] & 0xC0) == 0x80)
        return 0;
    if ((unsigned char)s[i] < 0x80 && (unsigned char)s[i - 1] < 0x80) /* ASCII on both sides */
        return 0;
    while (j > 0 && ((unsigned char)s[j - 1] & 0xC0) == 0x80)
        j--;
    if (j > 0)
        j--;
    if (!utf8_decode(s + j, n - j, &a) || !utf8_decode(s + i, n - i, &b))
        return 0;
    return (is_cjk(a) || is_cjk(b)) && !no_start(b) && !no_end(a) && !is_space(s[i]) &&
           s[i] != '\n' && !is_space(s[i - 1]) && s[i - 1] != '\n';
}

/* Split s into words and paragraphs; arrays are carved from one allocation. */
static void tokenize(struct fit *f, const char *s, size_t n, size_t **block)
{
    size_t n_words = 0, n_paras = 1, w = 0, p = 0;
    size_t *mem;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            n_paras++;
        else if (!is_space(s[i]) &&
                 (i == 0 || s[i - 1] == '\n' || is_space(s[i - 1]) || cjk_break(s, n, i)))
            n_words++;
    }
    mem = xmalloc(sizeof(size_t) * (2 * n_words + 2 * n_paras + 1 + n + 1));
    *block = mem;
    f->word_start = mem;
    f->word_end = mem + n_words;
    f->para_start = mem + 2 * n_words;
    f->para_word = mem + 2 * n_words + n_paras;
    f->ends = mem + 2 * n_words + 2 * n_paras + 1;
    f->n_paras = n_paras;

    f->para_start[0] = 0;
    f->para_word[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            p++;
            f->para_start[p] = i + 1;
            f->para_word[p] = w;
        } else if (!is_space(s[i])) {
            if (i == 0 || s[i - 1] == '\n' || is_space(s[i - 1]) || cjk_break(s, n, i))
                f->word_start[w] = i;
            if (i + 1 == n || s[i + 1] == '\n' || is_space(s[i + 1]) || cjk_break(s, n, i + 1))
                f->word_end[w++] = i + 1;
        }
    }
    f->para_word[n_paras] = n_words;
}

static int spec_ok(const struct layout_spec *sp)
{
    return sp->w > 0 && sp->h > 0 && sp->size > 0 && sp->min_size > 0 && sp->min_size <= sp->size &&
           sp->leading > 0 && isfinite(sp->w) && isfinite(sp->h) && isfinite(sp->size) &&
           isfinite(sp->leading) && sp->max_lines >= 1 && sp->max_lines <= LAYOUT_MAX_LINES;
}

int layout_fit(const char *s, size_t n, const struct layout_spec *spec,
               const struct layout_measure *m, struct layout_text *out)
{
    static const enum wrap_mode modes[] = {WRAP_NONE, WRAP_WORDS, WRAP_BREAK};
    struct fit f;
    size_t *block = NULL;
    double floor_size;

    if (!spec || !m || !m->width || !out || (!s && n) || !spec_ok(spec))
        return -1;
    memset(out, 0, sizeof(*out));
    out->size = spec->size;
    out->line_height = spec->size * spec->leading;
    if (n == 0)
        return 0;

    memset(&f, 0, sizeof(f));
    f.s = s;
    f.m = m;
    f.spec = spec;
    f.n_upper = steps_above(spec->size, spec->min_size) + 1;
    f.n_lower = spec->min_size > LAYOUT_FLOOR_SIZE + EPS
                    ? steps_above(spec->min_size, LAYOUT_FLOOR_SIZE)
                    : 0;
    floor_size = f.n_lower ? LAYOUT_FLOOR_SIZE : spec->min_size;
    tokenize(&f, s, n, &block);

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
        if (search(&f, modes[i], 0, f.n_upper - 1, out) == 0)
            goto out;
    if (f.n_lower && search(&f, WRAP_BREAK, f.n_upper, f.n_upper + f.n_lower - 1, out) == 0)
        goto out;
    truncate_text(&f, floor_size, out);
out:
    free(block);
    return 0;
}

size_t layout_signatures(size_t n, struct layout_rect box, int per_row, struct layout_rect *cells)
{
    size_t cols, rows, base, extra, c = 0;
    double cell_w, row_h;

    if (n == 0 || !cells)
        return 0;
    cols = per_row > 0 ? (size_t)per_row : 1;
    rows = (n + cols - 1) / cols;
    base = n / rows;
    extra = n % rows; /* the first `extra` rows take one more cell */
    cell_w = box.w / (double)cols;
    row_h = box.h / (double)rows;
    for (size_t r = 0; r < rows; r++) {
        size_t in_row = base + (r < extra);
        double x0 = box.x + (box.w - cell_w * (double)in_row) / 2;

        for (size_t j = 0; j < in_row; j++, c++) {
            cells[c].x = x0 + cell_w * (double)j;
            cells[c].y = box.y + row_h * (double)r;
            cells[c].w = cell_w;
            cells[c].h = row_h;
        }
    }
    return rows;
}
