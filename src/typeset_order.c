/* Actual text of mixed-direction lines, arranged for the way poppler reads
 * a line (see typeset_order.h). Poppler classes a character as a
 * left-to-right letter, a right-to-left letter, part of a number (digits,
 * and the separators and signs around them) or neutral; FriBidi's types
 * give the same classes for the letters names are written in. */
#include <stdint.h>
#include <stdlib.h>

#include <fribidi.h>

#include "typeset_order.h"
#include "utf8.h"
#include "banned.h"

#define LRM 0x200E
#define RLM 0x200F

enum cls { NEUTRAL, LTR, RTL, NUM };

static enum cls cls_of(uint32_t cp)
{
    FriBidiCharType t = fribidi_get_bidi_type((FriBidiChar)cp);

    if (t == FRIBIDI_TYPE_LTR)
        return LTR;
    if (t == FRIBIDI_TYPE_RTL || t == FRIBIDI_TYPE_AL)
        return RTL;
    if (t == FRIBIDI_TYPE_EN || t == FRIBIDI_TYPE_AN || t == FRIBIDI_TYPE_ES ||
        t == FRIBIDI_TYPE_ET || t == FRIBIDI_TYPE_CS)
        return NUM;
    return NEUTRAL;
}

/* The code points of s[0..n) (invalid bytes as U+FFFD) into a new array; its length in *len. */
static uint32_t *decode(const char *s, size_t n, size_t *len)
{
    uint32_t *cp = xmalloc((n + 1) * sizeof(*cp));
    size_t m = 0;

    for (size_t i = 0; i < n;) {
        size_t k = utf8_decode(s + i, n - i, &cp[m]);
        if (!k)
            cp[m] = 0xFFFD, k = 1;
        m++;
        i += k;
    }
    *len = m;
    return cp;
}

long typeset_order_strength(const char *s, size_t n)
{
    long sum = 0;

    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        enum cls c = k ? cls_of(cp) : NEUTRAL;
        sum += c == LTR ? 1 : c == RTL ? -1 : 0;
        i += k ? k : 1;
    }
    return sum;
}

int typeset_order_has_rtl(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, n - i, &cp);
        if (k && cls_of(cp) == RTL)
            return 1;
        i += k ? k : 1;
    }
    return 0;
}

static void put(struct buf *out, uint32_t cp)
{
    char u[4];
    buf_add(out, u, utf8_encode(cp, u));
}

static void put_range(struct buf *out, const uint32_t *cp, size_t from, size_t to, int reversed)
{
    for (size_t i = from; i < to; i++)
        put(out, cp[reversed ? to - 1 - (i - from) : i]);
}

/* Is cp of the strong kind of the pass: right-to-left letters (left-to-right page), or
 * left-to-right letters and numbers (right-to-left page)? */
static int strong(uint32_t cp, int rtl_page)
{
    enum cls c = cls_of(cp);
    return rtl_page ? c == LTR || c == NUM : c == RTL;
}

static int opposite(uint32_t cp, int rtl_page)
{
    enum cls c = cls_of(cp);
    return rtl_page ? c == RTL : c == LTR || c == NUM;
}

/* The end of the segment from i: a run of the strong kind reaches its last strong character
 * before the next opposite one; anything else, the next strong character. */
static size_t seg_end(const uint32_t *cp, size_t n, size_t i, int rtl_page, int *run)
{
    size_t j = i, last = i;

    *run = strong(cp[i], rtl_page);
    if (!*run) {
        while (j < n && !strong(cp[j], rtl_page))
            j++;
        return j;
    }
    for (; j < n && !opposite(cp[j], rtl_page); j++)
        if (strong(cp[j], rtl_page))
            last = j;
    return last + 1;
}

/* Left-to-right page: poppler keeps text up to a right-to-left letter, then turns around
 * everything up to the next letter or digit. Right-to-left runs are written reversed; a
 * left-to-right mark after one stops it where the neutrals that follow begin, and at the
 * end, where a neighbour's text on the same line may begin. */
static void actual_ltr(const uint32_t *cp, size_t n, struct buf *out)
{
    int run = 0;

    for (size_t i = 0; i < n;) {
        size_t j = seg_end(cp, n, i, 0, &run);
        put_range(out, cp, i, j, run);
        if (run && (j == n || cls_of(cp[j]) == NEUTRAL))
            put(out, LRM);
        i = j;
    }
}

/* Right-to-left page: poppler reads the line from its right end, a run of letters of either
 * direction at a time, turning the right-to-left ones around. Segments go in reverse order,
 * the right-to-left ones reversed; a right-to-left mark keeps the neutrals that begin a
 * right-to-left segment from joining the left-to-right run before it, and one before the
 * line's leftmost left-to-right run ends it there. */
static void actual_rtl(const uint32_t *cp, size_t n, struct buf *out)
{
    size_t *starts = xmalloc((n + 1) * sizeof(*starts)), n_seg = 0;
    int run = 0;

    for (size_t i = 0; i < n; i = seg_end(cp, n, i, 1, &run))
        starts[n_seg++] = i;
    starts[n_seg] = n;
    for (size_t k = n_seg; k-- > 0;) {
        size_t from = starts[k], to = starts[k + 1];
        int is_run = strong(cp[from], 1);
        if (k == n_seg - 1 && is_run)
            put(out, RLM);
        put_range(out, cp, from, to, !is_run);
        if (k > 0 && !is_run && cls_of(cp[from]) == NEUTRAL)
            put(out, RLM);
    }
    free(starts);
}

void typeset_order_actual(const char *s, size_t n, int rtl_page, struct buf *out)
{
    size_t len;
    uint32_t *cp = decode(s, n, &len);

    if (rtl_page)
        actual_rtl(cp, len, out);
    else
        actual_ltr(cp, len, out);
    free(cp);
}
