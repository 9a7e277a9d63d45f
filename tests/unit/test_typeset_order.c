/* Unit tests for typeset_order: the actual text of mixed-direction lines.
 * Exact strings for the cases the certificates meet, then a model of how
 * poppler (22.12) reads a line - on a left-to-right page it keeps text up to
 * a right-to-left letter and turns around everything up to the next letter
 * or digit; on a right-to-left page it does the same from the right end -
 * run over many generated lines in both page directions: what the model
 * reads, without the direction marks, must be the line in logical order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <fribidi.h>

#include "typeset_order.h"
#include "utf8.h"
#include "tap.h"
#include "banned.h"

static const char *actual(const char *s, int rtl_page)
{
    static struct buf b;
    buf_reset(&b);
    typeset_order_actual(s, strlen(s), rtl_page, &b);
    buf_addc(&b, 0);
    return b.data;
}

/* 'L', 'R', '#' or ' ' as the model classes cp */
static char kind(uint32_t cp)
{
    FriBidiCharType t = fribidi_get_bidi_type(cp);
    if (t == FRIBIDI_TYPE_LTR)
        return 'L';
    if (t == FRIBIDI_TYPE_RTL || t == FRIBIDI_TYPE_AL)
        return 'R';
    if (t == FRIBIDI_TYPE_EN || t == FRIBIDI_TYPE_AN || t == FRIBIDI_TYPE_ES ||
        t == FRIBIDI_TYPE_ET || t == FRIBIDI_TYPE_CS)
        return '#';
    return ' ';
}

static int is_mark(uint32_t cp)
{
    return cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E);
}

/* The model's reading of x[0..n) (code points), marks left out, into out; its length. */
static size_t model(const uint32_t *x, size_t n, int rtl_page, uint32_t *out)
{
    size_t m = 0;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (!is_mark(c))                                                                           \
            out[m++] = (c);                                                                        \
    } while (0)
    if (!rtl_page) {
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && kind(x[j]) != 'R')
                j++;
            for (; i < j; i++)
                PUT(x[i]);
            while (j < n && kind(x[j]) != 'L' && kind(x[j]) != '#')
                j++;
            for (size_t k = j; k > i; k--)
                PUT(x[k - 1]);
            i = j;
        }
    } else {
        for (size_t i = n; i > 0;) {
            size_t j = i;
            while (j > 0 && kind(x[j - 1]) != 'L' && kind(x[j - 1]) != '#')
                j--;
            for (size_t k = i; k > j; k--)
                PUT(x[k - 1]);
            i = j;
            while (j > 0 && kind(x[j - 1]) != 'R')
                j--;
            for (size_t k = j; k < i; k++)
                PUT(x[k]);
            i = j;
        }
    }
#undef PUT
    return m;
}

static size_t decode(const char *s, uint32_t *cp)
{
    size_t m = 0, n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_decode(s + i, n - i, &cp[m++]);
        i += k ? k : 1;
    }
    return m;
}

/* Does the model read s's actual text back as s? */
static int reads_back(const char *s, int rtl_page)
{
    uint32_t line[64], x[160], got[160];
    size_t n = decode(s, line), nx = decode(actual(s, rtl_page), x);
    return model(x, nx, rtl_page, got) == n && !memcmp(got, line, n * sizeof(*line));
}

int main(void)
{
    static const char *const pieces[] = {"a", "Ana", "5",  "2024", " ", ".", "(", ")", "-",
                                         ",", "د",   "וד", "محمد", "َ",  "٣", "ל", "…", "é"};
    char s[128];
    int bad = 0;

    is_str(actual("Ana Silva", 0), "Ana Silva", "a Latin line is its own actual text");
    is_str(actual("Ana محمد Silva", 0), "Ana دمحم\u200E Silva",
           "Latin + Arabic: the Arabic reversed, a mark keeps the space after it");
    is_str(actual("דוד כהן 2024", 0), "ןהכ דוד\u200E 2024",
           "Hebrew + digits: the name reversed before the digits");
    is_str(actual("محمد Silva 2024", 0), "دمحم\u200E Silva 2024", "Arabic + Latin + digits");
    is_str(actual("curso مقدمة, com", 0), "curso ةمدقم, com",
           "an Arabic name in a sentence, a comma after it");
    is_str(actual("محمد عبد الرحمن", 0), "نمحرلا دبع دمحم\u200E",
           "an Arabic line, ended by a mark");
    is_str(actual("محمد عبد الرحمن", 1), "نمحرلا دبع دمحم",
           "on a right-to-left page, an Arabic line is read as drawn");
    is_str(actual("דוד כהן 2024", 1), "\u200F2024 ןהכ דוד",
           "on a right-to-left page, the digits come first in the actual text");
    ok(typeset_order_has_rtl("Ana محمد", strlen("Ana محمد")), "Arabic letters are right-to-left");
    ok(!typeset_order_has_rtl("Ana 2024 ☺", strlen("Ana 2024 ☺")),
       "Latin, digits and symbols are not");
    is_int(typeset_order_strength("Ana محمد", strlen("Ana محمد")), -1, "strength: 3 - 4");

    srand(11);
    for (int t = 0; t < 20000; t++) {
        size_t n = 0;
        int parts = 1 + rand() % 7;
        s[0] = 0;
        for (int k = 0; k < parts; k++) {
            const char *p = pieces[rand() % (sizeof(pieces) / sizeof(pieces[0]))];
            size_t len = strlen(p);
            memcpy(s + n, p, len + 1);
            n += len;
        }
        for (int rtl = 0; rtl <= 1; rtl++)
            if (!reads_back(s, rtl) && bad++ < 5)
                ok(0, "read back on a %s page: '%s' (actual '%s')", rtl ? "rtl" : "ltr", s,
                   actual(s, rtl));
    }
    is_int(bad, 0, "20000 generated lines read back in logical order on both kinds of page");
    return tap_done();
}
