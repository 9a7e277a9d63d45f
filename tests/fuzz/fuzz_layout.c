/* libFuzzer target for text fitting and signature cells. The first bytes of the input make
 * a box, sizes, a fake font (widths per byte class, a kerning pair, zero-width marks) and
 * signature cells; the rest is the text. Every promise of layout.h is checked on the result. */
#include <math.h>
#include <string.h>

#include "buf.h"
#include "layout.h"
#include "utf8.h"
#include "fuzz.h"
#include "banned.h"

#define ELLIPSIS "\xE2\x80\xA6"

/* Widths in em of 16 byte classes; other code points and combining marks have their own. */
struct font {
    double cls[16];
    double other, mark, kern;
};

static double font_width(void *ctx, const char *s, size_t n, double size)
{
    const struct font *f = ctx;
    double w = 0;
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        k = utf8_decode(s + i, n - i, &cp);
        if (!k) {
            k = 1;
            cp = 0xFFFD;
        }
        if (cp < 128)
            w += f->cls[cp % 16];
        else
            w += cp >= 0x300 && cp <= 0x36F ? f->mark : f->other;
        if (i + k < n && s[i] == 'A' && s[i + k] == 'V')
            w -= f->kern;
        i += k;
    }
    return w > 0 ? w * size : 0; /* kerning never makes text narrower than nothing */
}

/* A dimension from one byte: mostly ordinary values, a few extreme ones. */
static double dimension(uint8_t b, double scale)
{
    switch (b) {
    case 0:
        return 0;
    case 1:
        return 1e-300;
    case 2:
        return 1e300;
    case 3:
        return INFINITY;
    case 4:
        return NAN;
    case 5:
        return -1;
    default:
        return (double)b * scale;
    }
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int boundary(const char *s, size_t n, size_t i)
{
    return i == 0 || i == n || ((unsigned char)s[i] & 0xC0) != 0x80;
}

static void check_fit(const char *s, size_t n, const struct layout_spec *sp,
                      const struct layout_measure *m, const struct layout_text *t)
{
    int valid = utf8_valid(s, n);
    double ell = m->width(m->ctx, ELLIPSIS, strlen(ELLIPSIS), t->size);
    double lowest = sp->min_size < LAYOUT_FLOOR_SIZE ? sp->min_size : LAYOUT_FLOOR_SIZE;
    size_t covered = 0; /* every byte before this is in a line or white space */
    unsigned char *in_line = xcalloc(n + 1, 1);

    CHECK(t->n_lines <= (size_t)sp->max_lines && t->n_lines <= LAYOUT_MAX_LINES, "%zu lines",
          t->n_lines);
    CHECK(t->size <= sp->size && t->size >= lowest, "size %g for %g..%g", t->size, sp->min_size,
          sp->size);
    CHECK(t->line_height == t->size * sp->leading, "line height %g", t->line_height);
    if (t->n_lines)
        CHECK((double)t->n_lines * t->line_height <= sp->h, "%zu lines of %g in %g", t->n_lines,
              t->line_height, sp->h);
    for (size_t i = 0; i < t->n_lines; i++) {
        const struct layout_line *l = &t->lines[i];
        double w;

        CHECK(l->off <= n && l->len <= n - l->off, "line %zu: %zu+%zu of %zu", i, l->off, l->len,
              n);
        CHECK(i == 0 || l->off >= t->lines[i - 1].off + t->lines[i - 1].len,
              "line %zu overlaps the one before", i);
        w = m->width(m->ctx, s + l->off, l->len, t->size);
        CHECK(w == l->width, "line %zu: width %g, measured %g", i, l->width, w);
        CHECK(l->width <= sp->w, "line %zu: width %g > %g", i, l->width, sp->w);
        CHECK(!l->ellipsis || (i + 1 == t->n_lines && t->truncated), "line %zu: ellipsis", i);
        if (l->ellipsis)
            CHECK(l->width + ell <= sp->w, "line %zu: %g + ellipsis %g > %g", i, l->width, ell,
                  sp->w);
        CHECK(!memchr(s + l->off, '\n', l->len), "line %zu holds a newline", i);
        if (l->len)
            CHECK(!is_space(s[l->off]) && !is_space(s[l->off + l->len - 1]),
                  "line %zu starts or ends with white space", i);
        if (valid) {
            CHECK(boundary(s, n, l->off) && boundary(s, n, l->off + l->len),
                  "line %zu cuts a character", i);
            CHECK(utf8_valid(s + l->off, l->len), "line %zu is not UTF-8", i);
        }
        memset(in_line + l->off, 1, l->len);
        if (l->len)
            covered = l->off + l->len;
    }
    /* First preference: one line per paragraph at min_size or larger, when that fits. */
    if (n && !memchr(s, '\n', n) && sp->min_size * sp->leading <= sp->h) {
        size_t a = 0, b = n;
        while (a < n && is_space(s[a]))
            a++;
        while (b > a && is_space(s[b - 1]))
            b--;
        if (a < b && m->width(m->ctx, s + a, b - a, sp->min_size) <= sp->w)
            CHECK(t->n_lines == 1 && !t->truncated && t->size >= sp->min_size,
                  "fits on one line at %g but got %zu lines at %g", sp->min_size, t->n_lines,
                  t->size);
    }
    if (t->truncated && t->n_lines)
        CHECK(t->lines[t->n_lines - 1].ellipsis, "truncated without an ellipsis");
    /* Nothing is lost: all text is in the lines, or all up to where it was cut. */
    if (!t->truncated)
        covered = n;
    for (size_t i = 0; i < covered; i++)
        CHECK(in_line[i] || is_space(s[i]) || s[i] == '\n', "byte %zu ('%c') is in no line", i,
              s[i]);
    free(in_line);
}

static void check_signatures(struct fuzz_in *in)
{
    struct layout_rect box, cells[64];
    size_t n = fuzz_u8(in) % 65, rows, per;
    int per_row = (int)(fuzz_u8(in) % 12) - 2;
    double eps;

    box.x = (double)fuzz_u8(in) * 3;
    box.y = (double)fuzz_u8(in) * 2;
    box.w = 1 + (double)fuzz_u8(in) * 3;
    box.h = 1 + (double)fuzz_u8(in) * 2;
    eps = 1e-9 * (box.x + box.y + box.w + box.h);
    rows = layout_signatures(n, box, per_row, cells);
    per = per_row > 0 ? (size_t)per_row : 1;
    CHECK(rows == (n + per - 1) / per, "%zu cells, %d a row: %zu rows", n, per_row, rows);
    for (size_t i = 0; i < n; i++) {
        const struct layout_rect *c = &cells[i];
        CHECK(c->w > 0 && c->h > 0 && c->w <= box.w / (double)per + eps, "cell %zu size", i);
        CHECK(c->x >= box.x - eps && c->x + c->w <= box.x + box.w + eps && c->y >= box.y - eps &&
                  c->y + c->h <= box.y + box.h + eps,
              "cell %zu outside the box", i);
        if (i)
            CHECK(c->y > cells[i - 1].y || (c->y == cells[i - 1].y && c->x > cells[i - 1].x),
                  "cell %zu out of order", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    struct font font;
    struct layout_spec spec;
    struct layout_measure m = {font_width, &font};
    struct layout_text t;
    const char *s;
    size_t n;
    uint8_t b;

    if (size > 8192)
        return 0;
    spec.w = dimension(fuzz_u8(&in), 2.0);
    spec.h = dimension(fuzz_u8(&in), 1.0);
    spec.size = dimension(fuzz_u8(&in), 0.25);
    b = fuzz_u8(&in);
    spec.min_size = b >= 0xF0 ? dimension(b - 0xF0, 1) : spec.size * (double)b / 239.0;
    b = fuzz_u8(&in);
    spec.leading = b == 0 ? 0 : b == 1 ? 1e300 : 0.5 + (double)b / 64;
    b = fuzz_u8(&in);
    spec.max_lines = b >= 0xF0 ? (int)(b - 0xF8) : 1 + b % LAYOUT_MAX_LINES;
    for (int i = 0; i < 16; i++)
        font.cls[i] = (double)(fuzz_u8(&in) % 32) / 16;
    font.other = (double)(fuzz_u8(&in) % 32) / 16;
    font.mark = (double)(fuzz_u8(&in) % 4) / 16;
    font.kern = (double)(fuzz_u8(&in) % 4) / 16;
    check_signatures(&in);
    s = (const char *)in.p; /* the rest of the input */
    n = in.n;
    if (layout_fit(s, n, &spec, &m, &t) != 0)
        return 0;
    check_fit(s, n, &spec, &m, &t);
    return 0;
}
