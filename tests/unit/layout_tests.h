/* A fake font for the layout module's unit test programs: widths per byte,
 * combining marks, pair kerning and call counters. */
#ifndef LAYOUT_TESTS_H
#define LAYOUT_TESTS_H

#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

/* A fake font: a width per ASCII byte, one for other code points, one for combining marks,
 * optional pair kerning ("A " and " V" are tighter than their parts), and call counters. */
struct font {
    double ascii[128];
    double other, mark, kern;
    unsigned long calls, bytes;
};

static inline double font_width(void *ctx, const char *s, size_t n, double size)
{
    struct font *f = ctx;
    double w = 0;
    size_t i = 0, k;
    uint32_t cp;

    f->calls++;
    f->bytes += n;
    while (i < n) {
        k = utf8_decode(s + i, n - i, &cp);
        if (!k) {
            k = 1;
            cp = 0xFFFD;
        }
        w += cp < 128 ? f->ascii[cp] : cp >= 0x300 && cp <= 0x36F ? f->mark : f->other;
        if (f->kern && i + k < n &&
            ((s[i] == 'A' && s[i + k] == ' ') || (s[i] == ' ' && s[i + k] == 'V')))
            w -= f->kern;
        i += k;
    }
    return w * size;
}

/* Every code point 0.5 * size wide. */
static inline void font_uniform(struct font *f)
{
    memset(f, 0, sizeof(*f));
    for (int c = 0; c < 128; c++)
        f->ascii[c] = 0.5;
    f->other = f->mark = 0.5;
}

static inline double width_of(struct font *f, const char *s, double size)
{
    return font_width(f, s, strlen(s), size);
}

#endif
