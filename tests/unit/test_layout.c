/* Unit tests for layout: text fitting with fake fonts (checked against a plain reference
 * implementation and against the invariants on random inputs) and signature cells. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "layout.h"
#include "utf8.h"
#include "tap.h"
#include "banned.h"

#define SAMPLE_NAME "Maria Aparecida dos Santos Albuquerque de Oliveira Cavalcanti Figueiredo"
#define ELLIPSIS "\xE2\x80\xA6"
#define NBSP "\xC2\xA0"

#include "layout_tests.h"

static const char *line_text(const char *s, const struct layout_text *t, size_t i)
{
    static char buf[1024];
    size_t len = i < t->n_lines ? t->lines[i].len : 0;
    if (len >= sizeof(buf))
        len = sizeof(buf) - 1;
    if (i < t->n_lines)
        memcpy(buf, s + t->lines[i].off, len);
    buf[len] = '\0';
    return buf;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static int starts_with_mark(const char *s, size_t n)
{
    uint32_t cp;
    return n && utf8_decode(s, n, &cp) && cp >= 0x300 && cp <= 0x36F;
}

static double floor_size(const struct layout_spec *sp)
{
    return sp->min_size < LAYOUT_FLOOR_SIZE ? sp->min_size : LAYOUT_FLOOR_SIZE;
}

static int quiet; /* set once the random test has shown enough failures */

/* Every promise of layout_fit's contract that can be checked on one result; prints why not. */
/* Han or kana on either side of byte i: lines may break there without a space. */
static int cjk_boundary(const char *s, size_t n, size_t i)
{
    uint32_t a = 0, b = 0;
    size_t j = i;

    while (j > 0 && ((unsigned char)s[j - 1] & 0xC0) == 0x80)
        j--;
    if (j > 0)
        utf8_decode(s + j - 1, n - j + 1, &a);
    if (i < n)
        utf8_decode(s + i, n - i, &b);
    return (a >= 0x2E80 && a <= 0x9FFF) || (b >= 0x2E80 && b <= 0x9FFF);
}

static int check(const char *s, size_t n, const struct layout_spec *sp, struct font *f,
                 const struct layout_text *t)
{
    double ell = font_width(f, ELLIPSIS, 3, t->size);
    size_t prev_end = 0, covered = 0, content = 0;

#define FAIL(...) return quiet ? 0 : (printf("#   " __VA_ARGS__), printf("\n"), 0)
    if (t->n_lines > (size_t)sp->max_lines)
        FAIL("%zu lines, max %d", t->n_lines, sp->max_lines);
    if ((double)t->n_lines * t->line_height > sp->h)
        FAIL("%zu lines of %g exceed h %g", t->n_lines, t->line_height, sp->h);
    if (fabs(t->line_height - t->size * sp->leading) > 1e-9)
        FAIL("line height %g is not size %g * leading", t->line_height, t->size);
    if (t->size > sp->size + 1e-9 || t->size < floor_size(sp) - 1e-9)
        FAIL("size %g outside %g..%g", t->size, floor_size(sp), sp->size);
    if (t->truncated && fabs(t->size - floor_size(sp)) > 1e-9)
        FAIL("truncated at %g, not at the floor", t->size);
    if (n && !t->truncated && t->n_lines == 0)
        FAIL("text without lines");
    for (size_t i = 0; i < t->n_lines; i++) {
        const struct layout_line *l = &t->lines[i];
        const char *p = s + l->off;
        double want = font_width(f, p, l->len, t->size);

        if (l->off < prev_end || l->off + l->len > n)
            FAIL("line %zu at %zu+%zu out of order or range", i, l->off, l->len);
        prev_end = l->off + l->len;
        if (!utf8_valid(p, l->len))
            FAIL("line %zu is not valid UTF-8", i);
        if (starts_with_mark(p, l->len))
            FAIL("line %zu starts with a combining mark", i);
        if (memchr(p, '\n', l->len))
            FAIL("line %zu holds a newline", i);
        if (l->len && (is_space(p[0]) || is_space(p[l->len - 1])))
            FAIL("line %zu starts or ends with a space", i);
        if (fabs(l->width - want) > 1e-9)
            FAIL("line %zu width %g, measured %g", i, l->width, want);
        if (l->width > sp->w)
            FAIL("line %zu width %g over %g", i, l->width, sp->w);
        if (l->ellipsis != (t->truncated && i + 1 == t->n_lines))
            FAIL("line %zu ellipsis %d, truncated %d", i, l->ellipsis, t->truncated);
        if (l->ellipsis && l->width + ell > sp->w)
            FAIL("line %zu width %g and ellipsis %g over %g", i, l->width, ell, sp->w);
        if (!t->broke_word && l->len &&
            !(l->off + l->len == n || is_space(p[l->len]) || p[l->len] == '\n' ||
              cjk_boundary(s, n, l->off + l->len)) &&
            !l->ellipsis)
            FAIL("line %zu ends inside a word without broke_word", i);
        if (!t->broke_word && l->len && l->off > 0 && !is_space(p[-1]) && p[-1] != '\n' &&
            !cjk_boundary(s, n, l->off))
            FAIL("line %zu starts inside a word without broke_word", i);
        for (size_t j = 0; j < l->len; j++)
            covered += !is_space(p[j]);
    }
    for (size_t j = 0; j < n; j++)
        content += !is_space(s[j]) && s[j] != '\n';
    if (!t->truncated && covered != content)
        FAIL("lines cover %zu of %zu visible bytes", covered, content);
    if (t->truncated && t->n_lines) {
        size_t j = t->lines[t->n_lines - 1].off + t->lines[t->n_lines - 1].len;
        while (j < n && is_space(s[j]))
            j++;
        if (j == n)
            FAIL("truncated but nothing was cut");
    }
    return 1;
#undef FAIL
}

/* The contract done the slow, obvious way: every size from the top, greedy lines grown a word
 * (or a character) at a time. Returns 0 with *t filled, or -1 when truncation is due. */
static int ref_wrap(const char *s, size_t n, const struct layout_spec *sp, struct font *f,
                    double size, int mode, size_t limit, struct layout_text *t)
{
    size_t ps = 0;

    t->n_lines = 0;
    t->broke_word = 0;
    while (ps <= n) {
        const char *nl = memchr(s + ps, '\n', n - ps);
        size_t pe = nl ? (size_t)(nl - s) : n, i = ps;

        while (i < pe && is_space(s[i]))
            i++;
        if (i == pe) {
            if (t->n_lines == limit)
                return -1;
            t->lines[t->n_lines++] = (struct layout_line){ps, 0, 0, 0};
        }
        while (i < pe) {
            size_t j = i, best = 0, e = i;
            double bw = 0;

            if (t->n_lines == limit)
                return -1;
            while (j < pe) {
                for (e = j; e < pe && !is_space(s[e]); e++)
                    ;
                if (font_width(f, s + i, e - i, size) > sp->w)
                    break;
                best = e;
                bw = font_width(f, s + i, e - i, size);
                for (j = e; j < pe && is_space(s[j]); j++)
                    ;
            }
            if (mode == 0 && best && j < pe)
                return -1;
            if (!best) {
                if (mode < 2)
                    return -1;
                for (e = i; e < pe && !is_space(s[e]); e++)
                    ;
                for (size_t c = i + 1; c < e; c++) {
                    if (((unsigned char)s[c] & 0xC0) == 0x80 || starts_with_mark(s + c, e - c))
                        continue;
                    if (font_width(f, s + i, c - i, size) > sp->w)
                        break;
                    best = c;
                    bw = font_width(f, s + i, c - i, size);
                }
                if (!best)
                    return -1;
                t->broke_word = 1;
            }
            t->lines[t->n_lines++] = (struct layout_line){i, best - i, bw, 0};
            for (i = best; i < pe && is_space(s[i]); i++)
                ;
        }
        ps = pe + 1;
    }
    return 0;
}

static int ref_fit(const char *s, size_t n, const struct layout_spec *sp, struct font *f,
                   struct layout_text *t)
{
    double sizes[4096];
    size_t n_upper = 0, n_sizes;

    for (double z = sp->size; z > sp->min_size + 1e-9; z -= 0.5)
        sizes[n_upper++] = z;
    sizes[n_upper++] = sp->min_size;
    n_sizes = n_upper;
    if (sp->min_size > LAYOUT_FLOOR_SIZE + 1e-9) {
        for (double z = sp->min_size - 0.5; z > LAYOUT_FLOOR_SIZE + 1e-9; z -= 0.5)
            sizes[n_sizes++] = z;
        sizes[n_sizes++] = LAYOUT_FLOOR_SIZE;
    }
    for (int mode = 0; mode < 4; mode++) {
        size_t from = mode < 3 ? 0 : n_upper, to = mode < 3 ? n_upper : n_sizes;
        for (size_t i = from; i < to; i++) {
            size_t limit = 0;
            t->size = sizes[i];
            t->line_height = sizes[i] * sp->leading;
            while (limit < (size_t)sp->max_lines && (double)(limit + 1) * t->line_height <= sp->h)
                limit++;
            if (ref_wrap(s, n, sp, f, sizes[i], mode < 3 ? mode : 2, limit, t) == 0)
                return 0;
        }
    }
    return -1;
}

static int same_layout(const struct layout_text *a, const struct layout_text *b)
{
    if (fabs(a->size - b->size) > 1e-9 || a->n_lines != b->n_lines ||
        a->broke_word != b->broke_word) {
        printf("#   size %g/%g lines %zu/%zu broke %d/%d\n", a->size, b->size, a->n_lines,
               b->n_lines, a->broke_word, b->broke_word);
        return 0;
    }
    for (size_t i = 0; i < a->n_lines; i++)
        if (a->lines[i].off != b->lines[i].off || a->lines[i].len != b->lines[i].len) {
            printf("#   line %zu: %zu+%zu vs %zu+%zu\n", i, a->lines[i].off, a->lines[i].len,
                   b->lines[i].off, b->lines[i].len);
            return 0;
        }
    return 1;
}

static struct layout_spec spec_of(double w, double h, double size, double min_size, double leading,
                                  int max_lines)
{
    return (struct layout_spec){w, h, size, min_size, leading, max_lines};
}

static int fit(const char *s, const struct layout_spec *sp, struct font *f, struct layout_text *t)
{
    struct layout_measure m = {font_width, f};
    return layout_fit(s, strlen(s), sp, &m, t);
}

static void test_spec_errors(void)
{
    struct font f;
    struct layout_text t;
    struct layout_measure m = {font_width, &f};
    struct layout_spec good = spec_of(100, 50, 12, 8, 1.2, 2);
    struct {
        const char *what;
        struct layout_spec sp;
    } bad[] = {
        {"w 0", spec_of(0, 50, 12, 8, 1.2, 2)},
        {"w < 0", spec_of(-1, 50, 12, 8, 1.2, 2)},
        {"h 0", spec_of(100, 0, 12, 8, 1.2, 2)},
        {"h < 0", spec_of(100, -5, 12, 8, 1.2, 2)},
        {"size 0", spec_of(100, 50, 0, 0, 1.2, 2)},
        {"size < 0", spec_of(100, 50, -12, -14, 1.2, 2)},
        {"min_size > size", spec_of(100, 50, 12, 12.5, 1.2, 2)},
        {"min_size 0", spec_of(100, 50, 12, 0, 1.2, 2)},
        {"max_lines 0", spec_of(100, 50, 12, 8, 1.2, 0)},
        {"max_lines over the maximum", spec_of(100, 50, 12, 8, 1.2, LAYOUT_MAX_LINES + 1)},
        {"leading 0", spec_of(100, 50, 12, 8, 0, 2)},
        {"leading < 0", spec_of(100, 50, 12, 8, -1, 2)},
        {"w NaN", spec_of(NAN, 50, 12, 8, 1.2, 2)},
        {"size infinite", spec_of(100, 50, INFINITY, 8, 1.2, 2)},
    };

    font_uniform(&f);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        is_int(layout_fit("x", 1, &bad[i].sp, &m, &t), -1, "spec error: %s", bad[i].what);
    is_int(layout_fit("x", 1, &good, NULL, &t), -1, "no measure: error");
    is_int(layout_fit(NULL, 1, &good, &m, &t), -1, "NULL text with a length: error");
    is_int(layout_fit("x", 1, &good, &m, &t), 0, "good spec accepted");
    good.max_lines = LAYOUT_MAX_LINES;
    good.min_size = good.size;
    is_int(layout_fit("x", 1, &good, &m, &t), 0, "max_lines at the maximum, min_size = size");
}

static void test_simple(void)
{
    struct font f;
    struct layout_text t;
    struct layout_spec sp = spec_of(500, 80, 24, 16, 1.2, 2);
    struct layout_measure m = {font_width, &f};

    font_uniform(&f);
    is_int(fit("", &sp, &f, &t), 0, "empty text: ok");
    ok(t.n_lines == 0 && t.size == 24 && !t.truncated && !t.broke_word, "empty text: no lines");
    is_int(layout_fit(NULL, 0, &sp, &m, &t), 0, "NULL, 0: ok");
    is_int(t.n_lines, 0, "NULL, 0: no lines");

    fit("Ana Souza", &sp, &f, &t);
    ok(t.n_lines == 1 && t.size == 24, "short name: one line at the preferred size");
    is_str(line_text("Ana Souza", &t, 0), "Ana Souza", "short name: whole text");
    ok(fabs(t.lines[0].width - 9 * 12) < 1e-9, "short name: width from the callback");
    ok(t.line_height == 24 * 1.2, "line height is size * leading");

    fit("   Ana   Souza  ", &sp, &f, &t);
    is_str(line_text("   Ana   Souza  ", &t, 0), "Ana   Souza", "outer spaces trimmed, inner kept");

    fit("   ", &sp, &f, &t);
    ok(t.n_lines == 1 && t.lines[0].len == 0, "only spaces: one empty line");

    fit(SAMPLE_NAME, &sp, &f, &t);
    ok(check(SAMPLE_NAME, strlen(SAMPLE_NAME), &sp, &f, &t), "sample name: invariants");
    ok(t.n_lines == 2 && t.size == 24 && !t.broke_word, "sample name: two lines at 24 pt");
    is_str(line_text(SAMPLE_NAME, &t, 0), "Maria Aparecida dos Santos Albuquerque de",
           "sample name: first line");
    is_str(line_text(SAMPLE_NAME, &t, 1), "Oliveira Cavalcanti Figueiredo",
           "sample name: second line");

    sp.min_size = 8;
    fit(SAMPLE_NAME, &sp, &f, &t);
    ok(t.n_lines == 1 && t.size == 13.5, "sample name: shrinks to 13.5 pt before wrapping");
    ok(check(SAMPLE_NAME, strlen(SAMPLE_NAME), &sp, &f, &t), "sample name shrunk: invariants");

    sp = spec_of(500, 80, 24, 20, 1.2, 2);
    fit("Maria Silva", &sp, &f, &t);
    ok(t.n_lines == 1 && t.size == 24, "fits: no shrinking");
    sp.w = 11 * 0.5 * 21;
    fit("Maria Silva", &sp, &f, &t);
    ok(t.n_lines == 1 && t.size == 21, "one line shrinks to the exact fitting step (21)");
    sp.w = 11 * 0.5 * 19.8;
    fit("Maria Silva", &sp, &f, &t);
    ok(t.n_lines == 2 && t.size == 24, "below min_size on one line: wraps at full size instead");
}

static void test_one_line(void)
{
    struct font f;
    struct layout_text t;
    struct layout_spec sp = spec_of(300, 30, 20, 10, 1.25, 1);
    const char *course = "Gestão de Projetos Ágeis com Scrum e Kanban";

    font_uniform(&f);
    fit(course, &sp, &f, &t);
    ok(check(course, strlen(course), &sp, &f, &t), "1-line course: invariants");
    ok(t.n_lines == 1 && !t.truncated, "1-line course: one line");
    ok(t.size == 13.5, "1-line course: 43 characters shrink to 13.5 pt (got %g)", t.size);
    ok(t.lines[0].width <= 300 && utf8_count(course, strlen(course)) * 0.5 * 14 > 300,
       "1-line course: the next step up would not fit");

    sp.w = 100;
    fit(course, &sp, &f, &t);
    ok(check(course, strlen(course), &sp, &f, &t), "1-line in a narrow box: invariants");
    ok(t.size < 10 && t.size >= LAYOUT_FLOOR_SIZE, "below min_size before truncating (%g)", t.size);
    ok(t.truncated && t.size == LAYOUT_FLOOR_SIZE && t.n_lines == 1 && t.lines[0].ellipsis,
       "1-line in a narrow box: truncated at the floor with an ellipsis");
    ok(t.lines[0].width + width_of(&f, ELLIPSIS, t.size) <= 100 &&
           t.lines[0].width + 2 * 0.5 * t.size > 100,
       "truncated line keeps as much as fits beside the ellipsis");
    is_str(line_text(course, &t, 0), "Gestão de Projetos Ágeis com Scr",
           "truncated line cut between characters");
}

static void test_long_words(void)
{
    struct font f;
    struct layout_text t;
    struct layout_spec sp = spec_of(300, 200, 20, 10, 1.2, 3);
    char word[121], text[300];
    int all40 = 1;

    font_uniform(&f);
    memset(word, 'a', 120);
    word[120] = '\0';
    fit(word, &sp, &f, &t);
    ok(check(word, 120, &sp, &f, &t), "120-character word: invariants");
    ok(t.broke_word && !t.truncated && t.n_lines == 3, "120-character word: broken in 3 lines");
    ok(t.size == 15, "120-character word: largest size for 3 lines is 15 (got %g)", t.size);
    for (size_t i = 0; i < t.n_lines; i++)
        all40 &= t.lines[i].len == 40;
    ok(all40, "120-character word: 40 characters a line");

    snprintf(text, sizeof(text), "Dr. %s Silva", word);
    sp.max_lines = 5;
    fit(text, &sp, &f, &t);
    ok(check(text, strlen(text), &sp, &f, &t), "long word between short ones: invariants");
    ok(t.broke_word && t.n_lines == 5 && t.size == 18.5,
       "long word between short ones: 5 lines at 18.5 pt (got %g)", t.size);
    is_str(line_text(text, &t, 0), "Dr.", "the long word starts a line of its own");
    ok(t.lines[1].len == 32 && t.lines[2].len == 32 && t.lines[3].len == 32,
       "the long word fills whole lines");
    ok(t.lines[4].len == 30 && memcmp(text + t.lines[4].off + 24, " Silva", 6) == 0,
       "the tail of the word shares its line with the next word");

    sp = spec_of(300, 200, 20, 10, 1.2, 3);
    fit("Ana Beatriz Souza", &sp, &f, &t);
    ok(!t.broke_word, "no word broken when wrapping suffices");
}

static void test_accents(void)
{
    struct font f;
    struct layout_text t;
    struct layout_spec sp = spec_of(61, 400, 12, 12, 1.2, 16);
    struct buf b = BUF_INIT;
    const char *pieces[] = {"ção", "ã", "é", "ü", "ñ", "€", "😀", "中", "e\xCC\x81"};
    int valid = 1, marks = 1;

    font_uniform(&f);
    for (int i = 0; i < 60; i++)
        buf_adds(&b, pieces[(i * 7) % 9]);
    for (double w = 3; w < 80; w += 0.75) {
        sp.w = w;
        fit(b.data, &sp, &f, &t);
        valid &= check(b.data, b.len, &sp, &f, &t);
        for (size_t i = 0; i < t.n_lines; i++) {
            valid &= utf8_valid(b.data + t.lines[i].off, t.lines[i].len);
            marks &= !starts_with_mark(b.data + t.lines[i].off, t.lines[i].len);
        }
    }
    ok(valid, "accented word broken at many widths: every line valid UTF-8, invariants hold");
    ok(marks, "no line starts with a combining accent");

    sp = spec_of(60, 400, 10, 10, 1.2, 16);
    fit("Jo" NBSP "Silva Souza", &sp, &f, &t);
    is_str(line_text("Jo" NBSP "Silva Souza", &t, 0), "Jo" NBSP "Silva", "U+00A0 does not break");
    sp.w = 35;
    fit("Jo" NBSP "Silva Souza", &sp, &f, &t);
    ok(t.broke_word && t.n_lines == 2, "U+00A0 word too wide is broken, as one word");
    is_str(line_text("Jo" NBSP "Silva Souza", &t, 0), "Jo" NBSP "Silv",
           "U+00A0 word broken between characters");
    ok(check("Jo" NBSP "Silva Souza", strlen("Jo" NBSP "Silva Souza"), &sp, &f, &t),
       "U+00A0 break: invariants");
    buf_free(&b);
}

static void test_newlines(void)
{
    struct font f;
    struct layout_text t;
    struct layout_spec sp = spec_of(500, 200, 20, 10, 1.2, 4);
    const char *two = "Linha um\nLinha dois";
    const char *gap = "A\n\nB";
    const char *many = "um\ndois\ntrês\nquatro\ncinco";

    font_uniform(&f);
    fit(two, &sp, &f, &t);
    ok(t.n_lines == 2 && t.size == 20, "newline: two lines at full size");
    is_str(line_text(two, &t, 0), "Linha um", "newline: first line");
    is_str(line_text(two, &t, 1), "Linha dois", "newline: second line");

    fit("Um\nDois", &sp, &f, &t);
    ok(t.n_lines == 2, "newline breaks even when everything fits on one line");

    fit(gap, &sp, &f, &t);
    ok(t.n_lines == 3 && t.lines[1].len == 0 && t.lines[1].off == 2,
       "blank line kept, empty, at its paragraph");
    ok(check(gap, strlen(gap), &sp, &f, &t), "blank line: invariants");

    fit("Título\r\nSegunda", &sp, &f, &t);
    is_str(line_text("Título\r\nSegunda", &t, 0), "Título", "CR before LF is not printed");

    sp = spec_of(10.5 * 8, 200, 10.5, 6, 1.2, 4);
    fit("Linha muito longa\nCurta", &sp, &f, &t);
    ok(t.size == 9.5 && t.n_lines == 2, "forced lines shrink before wrapping (%g)", t.size);

    sp = spec_of(10.5 * 8, 200, 10.5, 10, 1.2, 4);
    fit("Linha muito longa\nCurta", &sp, &f, &t);
    ok(t.size == 10.5 && t.n_lines == 3, "then wrap within a paragraph, newline kept");
    is_str(line_text("Linha muito longa\nCurta", &t, 2), "Curta", "paragraph after the wrap");

    sp = spec_of(500, 200, 20, 10, 1.2, 3);
    fit(many, &sp, &f, &t);
    ok(check(many, strlen(many), &sp, &f, &t), "more newlines than lines: invariants");
    ok(t.truncated && t.n_lines == 3 && t.lines[2].ellipsis,
       "more newlines than lines: truncated, ellipsis on the last");
    is_str(line_text(many, &t, 2), "três", "more newlines than lines: last paragraph shown");
}

static void test_truncation(void)
{
    struct font f;
    struct layout_text t;
    struct layout_spec sp = spec_of(100, 20, 12, 10, 1.25, 4);
    struct buf b = BUF_INIT;

    font_uniform(&f);
    for (int i = 0; i < 30; i++)
        buf_adds(&b, i ? " palavra" : "palavra");
    fit(b.data, &sp, &f, &t);
    ok(check(b.data, b.len, &sp, &f, &t), "box too small: invariants");
    ok(t.truncated && t.size == LAYOUT_FLOOR_SIZE, "box too small: truncated at the floor");
    ok(t.n_lines == 2, "box too small: as many lines as h holds (2 of 7.5 in 20)");
    ok(t.lines[1].ellipsis && !t.lines[0].ellipsis, "box too small: ellipsis on the last line");
    ok(t.lines[1].width + width_of(&f, ELLIPSIS, 6) <= 100, "cut line and ellipsis fit");
    is_int(t.lines[1].len, 31, "cut line keeps what fits beside the ellipsis, less the space");
    is_str(line_text(b.data, &t, 1), "palavra palavra palavra palavra",
           "no trailing space before the ellipsis");

    sp.h = 7;
    fit(b.data, &sp, &f, &t);
    ok(t.truncated && t.n_lines == 0, "h below one line at the floor: no lines, truncated");
    sp.h = 20;
    sp.w = 2;
    fit(b.data, &sp, &f, &t);
    ok(t.truncated && t.n_lines == 0, "w below one ellipsis: no lines, truncated");
    sp.w = 3.5;
    fit(b.data, &sp, &f, &t);
    ok(t.truncated && t.n_lines == 2 && t.lines[1].len == 0 && t.lines[1].ellipsis,
       "room for the ellipsis alone: empty last line with ellipsis");
    ok(check(b.data, b.len, &sp, &f, &t), "ellipsis alone: invariants");

    sp = spec_of(100, 20, 5, 4, 1.25, 4);
    fit(b.data, &sp, &f, &t);
    ok(t.truncated && t.size == 4, "min_size under the floor: truncated at min_size");
    ok(check(b.data, b.len, &sp, &f, &t), "min_size under the floor: invariants");
    buf_free(&b);
}

static void test_kerning(void)
{
    struct font f;
    struct layout_text t;
    struct layout_spec sp;
    const char *s = "AAA VVV";

    font_uniform(&f);
    f.kern = 0.4;
    /* Whole line: 7 * 0.5 - 2 * 0.4 = 2.7 ems; word by word it would be 3.5 - 0 = 3.5. */
    sp = spec_of(10 * 3.0, 50, 10, 10, 1.2, 2);
    fit(s, &sp, &f, &t);
    ok(t.n_lines == 1 && fabs(t.lines[0].width - 27) < 1e-9,
       "kerned line measured whole fits where the sum of its parts would not");
}

static void test_cost(void)
{
    struct font f;
    struct layout_text t;
    struct buf b = BUF_INIT;
    unsigned long worst_calls = 0, worst_bytes = 0;
    static const char *const words[] = {"Maria",      "Aparecida",   "dos",       "Santos",
                                        "de",         "Albuquerque", "Conceição", "e",
                                        "Figueiredo", "Cavalcanti"};

    for (int i = 0; utf8_count(b.data ? b.data : "", b.len) < 290; i++) {
        if (i)
            buf_addc(&b, ' ');
        buf_adds(&b, words[(i * 3) % 10]);
    }
    ok(utf8_count(b.data, b.len) >= 290 && utf8_count(b.data, b.len) <= 300,
       "300-character name built (%zu)", utf8_count(b.data, b.len));
    font_uniform(&f);
    for (double w = 40; w <= 900; w += 20) {
        for (int lines = 1; lines <= LAYOUT_MAX_LINES; lines += 5) {
            struct layout_spec sp = spec_of(w, 60, 28, 12, 1.2, lines);
            f.calls = f.bytes = 0;
            fit(b.data, &sp, &f, &t);
            if (!check(b.data, b.len, &sp, &f, &t))
                printf("#   w %g lines %d\n", w, lines);
            if (f.calls > worst_calls)
                worst_calls = f.calls;
            if (f.bytes > worst_bytes)
                worst_bytes = f.bytes;
        }
    }
    printf("# 300-character name: at most %lu measurements, %lu bytes measured\n", worst_calls,
           worst_bytes);
    ok(worst_calls < 600, "300-character name: few measurements (%lu)", worst_calls);
    ok(worst_bytes < 100 * b.len, "300-character name: under 100 bytes measured per byte (%lu)",
       worst_bytes);
    buf_free(&b);
}

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static unsigned rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

static double rnd_range(double lo, double hi)
{
    return lo + (hi - lo) * (double)rnd(100001) / 100000.0;
}

static void test_random(void)
{
    static const char *const pieces[] = {
        "a",  "b", "Maria", "de", "ção",       "É",   "ü", "\xF0\x9F\x98\x80",
        NBSP, " ", "  ",    "\n", "e\xCC\x81", "WWW", "i", "Albuquerque",
        "A",  "V"};
    struct buf b = BUF_INIT;
    struct layout_text t, r;
    int bad = 0, differ = 0, truncated = 0, broke = 0, compared = 0;

    for (int round = 0; round < 4000; round++) {
        struct font f;
        struct layout_spec sp;
        struct layout_measure m = {font_width, &f};
        int len = (int)rnd(round % 10 == 0 ? 300 : 60);

        memset(&f, 0, sizeof(f));
        for (int c = 0; c < 128; c++)
            f.ascii[c] = rnd_range(0.2, 1.0);
        f.other = rnd_range(0.3, 1.0);
        f.mark = round % 2 ? 0 : 0.1;
        f.kern = round % 3 ? 0 : 0.1;
        buf_reset(&b);
        for (int i = 0; i < len; i++)
            buf_adds(&b, pieces[rnd(round % 5 == 0 ? 14 : sizeof(pieces) / sizeof(pieces[0]))]);
        sp.size = rnd_range(4, 40);
        sp.min_size = rnd_range(3, sp.size);
        if (rnd(4) == 0)
            sp.min_size = sp.size;
        sp.w = rnd_range(2, 600);
        sp.h = rnd_range(3, 200);
        sp.leading = rnd_range(0.8, 1.6);
        sp.max_lines = 1 + (int)rnd(LAYOUT_MAX_LINES);
        if (layout_fit(b.data ? b.data : "", b.len, &sp, &m, &t) != 0) {
            bad++;
            printf("#   round %d: error\n", round);
            continue;
        }
        quiet = bad >= 5;
        if (!check(b.data ? b.data : "", b.len, &sp, &f, &t) && bad++ < 5)
            printf("#   text '%s'\n", b.data ? b.data : ""),
                printf("#   round %d: w %g h %g size %g min %g leading %g max %d\n", round, sp.w,
                       sp.h, sp.size, sp.min_size, sp.leading, sp.max_lines);
        truncated += t.truncated;
        broke += t.broke_word;
        if (b.len && ref_fit(b.data, b.len, &sp, &f, &r) == 0) {
            compared++;
            if (t.truncated || !same_layout(&t, &r)) {
                if (differ++ < 5)
                    printf("#   round %d differs from the reference\n", round);
            }
        } else if (b.len && !t.truncated && differ++ < 5) {
            printf("#   round %d: reference truncates, layout_fit does not\n", round);
        }
    }
    quiet = 0;
    printf("# random: %d compared with the reference, %d truncated, %d broke words\n", compared,
           truncated, broke);
    is_int(bad, 0, "4000 random texts and boxes: every invariant holds");
    is_int(differ, 0, "4000 random texts and boxes: same sizes and lines as the reference");
    ok(truncated > 100 && broke > 100 && compared > 1000, "random inputs reach every stage");
    buf_free(&b);
}

/* Chinese and Japanese have no spaces: lines break between characters, not inside
 * words by force, and never before a closing mark. */
static void test_cjk(void)
{
    /* "Introduction to programming, practice and applications." in Chinese */
    const char *s = "\xE7\xA8\x8B\xE5\xBA\x8F\xE8\xAE\xBE\xE8\xAE\xA1\xE5\x85\xA5"
                    "\xE9\x97\xA8\xE4\xB8\x8E\xE5\xAE\x9E\xE8\xB7\xB5\xE3\x80\x82";
    struct layout_spec sp = spec_of(15, 100, 10, 10, 1.2, 8);
    struct layout_text t;
    struct font f;
    int at_char = 1, no_mark = 1;

    font_uniform(&f); /* every character 5 pt wide at 10 pt: 3 to a 15 pt line */
    fit(s, &sp, &f, &t);
    is_int(t.n_lines, 4, "nine ideographs and a full stop wrap onto four lines at full size");
    ok(!t.broke_word && t.size == 10, "as line breaks between ideographs, not by force");
    for (size_t i = 0; i < t.n_lines; i++) {
        at_char &= utf8_valid(s + t.lines[i].off, t.lines[i].len);
        no_mark &= memcmp(s + t.lines[i].off, "\xE3\x80\x82", 3) != 0;
    }
    ok(at_char && no_mark, "every line is whole characters, none starts with the full stop");
    is_int(t.lines[3].len, 2 * 3, "the full stop stays with the ideograph before it");
}

int main(void)
{
    test_spec_errors();
    test_simple();
    test_one_line();
    test_long_words();
    test_accents();
    test_newlines();
    test_truncation();
    test_kerning();
    test_cost();
    test_random();
    test_cjk();
    return tap_done();
}
