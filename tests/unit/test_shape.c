/* Unit tests for shape and typeset with the real fonts of fonts/: the font each cluster is
 * drawn with, bidi order of mixed lines, joining and conjuncts, widths from the shaped
 * advances, and layout (fit, wrap) of shaped text. Run from the repository root. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <hb.h>

#include "font.h"
#include "shape.h"
#include "typeset.h"
#include "tap.h"
#include "banned.h"

enum { LATIN, ARABIC, DEVA, HEBREW, HANGUL, HAN, N_FONTS };

static const char *const files[N_FONTS] = {
    "fonts/DejaVuSerif.ttf",
    "fonts/NotoNaskhArabic-Regular.ttf",
    "fonts/NotoSerifDevanagari-Regular.ttf",
    "fonts/NotoSerifHebrew-Regular.ttf",
    "fonts/NanumMyeongjo.ttf",
    "fonts/wqy-microhei.ttc",
};

static struct shape_font chain[N_FONTS];

/* The chain index of each glyph of s, in shaping order, as a string of digits. */
static const char *fonts_of(const char *s)
{
    static char out[256];
    struct shaped sh;
    size_t i;

    shape_text(&sh, s, strlen(s), chain, N_FONTS);
    for (i = 0; i < sh.n_g && i + 1 < sizeof(out); i++)
        out[i] = (char)('0' + sh.g[i].font);
    out[i] = '\0';
    shape_free(&sh);
    return out;
}

/* The text each glyph of the visual line stands for, joined with '|'. */
static const char *visual(const char *s, int *rtl)
{
    static char out[512];
    struct shape_placed *pl = NULL;
    size_t cap = 0, n, len = 0;
    struct shaped sh;
    long w;

    shape_text(&sh, s, strlen(s), chain, N_FONTS);
    n = shape_line(&sh, 0, sh.len, &pl, &cap, &w, rtl);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!pl[i].text_len)
            continue;
        len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%.*s", len ? "|" : "",
                                (int)pl[i].text_len, s + pl[i].text_off);
        if (len >= sizeof(out))
            break;
    }
    free(pl);
    shape_free(&sh);
    return out;
}

/* The glyph drawn leftmost on the line of s, and a character's own glyph in a font. */
static uint32_t left_gid(const char *s)
{
    struct shape_placed *pl = NULL;
    size_t cap = 0;
    struct shaped sh;
    uint32_t g = 0;
    long w;
    int rtl;

    shape_text(&sh, s, strlen(s), chain, N_FONTS);
    if (shape_line(&sh, 0, sh.len, &pl, &cap, &w, &rtl))
        g = pl[0].gid;
    free(pl);
    shape_free(&sh);
    return g;
}

static uint32_t nominal(int font_index, uint32_t cp)
{
    hb_codepoint_t g = 0;
    hb_font_get_nominal_glyph(font_hb(chain[font_index].f), cp, &g);
    return g;
}

static size_t n_glyphs(const char *s, int font_index)
{
    struct shaped sh;
    size_t n;
    shape_text(&sh, s, strlen(s), &chain[font_index], 1);
    n = sh.n_g;
    shape_free(&sh);
    return n;
}

static uint32_t first_gid(const char *s, int font_index)
{
    struct shaped sh;
    uint32_t g;
    shape_text(&sh, s, strlen(s), &chain[font_index], 1);
    g = sh.n_g ? sh.g[sh.n_g - 1].gid : 0; /* right to left: the first letter is drawn last */
    shape_free(&sh);
    return g;
}

static void test_fonts(void)
{
    is_str(fonts_of("Ana"), "000", "Latin letters come from the template's own font");
    is_str(fonts_of("Ana \xD9\x85\xD8\xAD\xD9\x85\xD8\xAF"), "00001111",
           "Arabic letters come from the Arabic font, the space before them stays Latin");
    is_str(fonts_of("\xD9\x85\xD8\xAD \xD8\xAF"), "1111",
           "a space between Arabic words stays in the Arabic font");
    is_str(fonts_of("\xE0\xA4\x95\xE0\xA4\xBF"), "22",
           "a Devanagari letter and its vowel sign are one cluster in one font");
    is_str(fonts_of("q\xCC\x81"), "00", "a Latin letter and its combining accent stay together");
    is_str(fonts_of("\xEA\xB9\x80\xE7\x8E\x8B"), "45",
           "Hangul comes from the Korean font; Han skips it (script=Hang) for the CJK font");
    ok(shape_font_for(chain, N_FONTS, 0xE000) < 0, "no font of the chain has U+E000");
    ok(shape_font_for(chain, N_FONTS, 0x200D) == 0, "a zero-width joiner needs no glyph");
}

static void test_bidi(void)
{
    int rtl = -1;

    is_str(visual("Ana \xD9\x85\xD8\xAD\xD9\x85\xD8\xAF Silva", &rtl),
           "A|n|a| |\xD8\xAF|\xD9\x85|\xD8\xAD|\xD9\x85| |S|i|l|v|a",
           "Latin + Arabic: the Arabic word is drawn right to left inside a left-to-right line");
    is_int(rtl, 0, "a line that starts in Latin reads left to right");
    is_str(visual("\xD7\x93\xD7\x95\xD7\x93 2024", &rtl), "2|0|2|4| |\xD7\x93|\xD7\x95|\xD7\x93",
           "Hebrew with digits: the number keeps its order, left of the Hebrew word");
    is_int(rtl, 1, "a line that starts in Hebrew reads right to left");
    is_str(visual("(\xD7\x90)", &rtl), ")|\xD7\x90|(",
           "brackets around a Hebrew letter: the closing one is drawn on the left");
    ok(left_gid("(\xD7\x90)") == nominal(LATIN, '('),
       "and mirrored, so that it looks like an opening one there");
}

static void test_shaping(void)
{
    /* beh alone, and beh joined to a following beh */
    uint32_t isolated = first_gid("\xD8\xA8", ARABIC),
             initial = first_gid("\xD8\xA8\xD8\xA8", ARABIC);
    ok(isolated && initial && isolated != initial,
       "Arabic: a joined letter takes its initial form");
    ok(n_glyphs("\xE0\xA4\x95\xE0\xA5\x8D\xE0\xA4\xB7", DEVA) < 3,
       "Devanagari: ka + virama + ssa become a conjunct (fewer glyphs than characters)");
    ok(n_glyphs("\xD8\xA7\xD9\x84\xD9\x84\xD9\x87", ARABIC) == 2,
       "Arabic: the word Allah is one ligature after the alef");
}

static void test_widths(void)
{
    const char *s = "Ana \xD9\x85\xD8\xAD\xD9\x85\xD8\xAF";
    struct shape_placed *pl = NULL;
    struct shaped sh;
    size_t cap = 0;
    long w;
    int rtl;
    double whole, parts;

    shape_text(&sh, s, strlen(s), chain, N_FONTS);
    whole = shape_width(&sh, 0, sh.len, 10);
    parts = shape_width(&sh, 0, 4, 10) + shape_width(&sh, 4, sh.len, 10);
    ok(whole > 0 && fabs(whole - parts) < 1e-9, "widths of byte ranges add up (%.3f = %.3f)", whole,
       parts);
    shape_line(&sh, 0, sh.len, &pl, &cap, &w, &rtl);
    ok(fabs((double)w * 10 / 1000 - whole) < 1e-9,
       "the drawn line is as wide as the measured text");
    ok(fabs(shape_width(&sh, 4, sh.len, 20) - 2 * shape_width(&sh, 4, sh.len, 10)) < 1e-9,
       "widths scale with the size");
    free(pl);
    shape_free(&sh);
    /* a combining accent sits on its letter, taking no room of its own */
    shape_text(&sh, "q\xCC\x81", 3, chain, N_FONTS);
    ok(sh.n_g == 2 && sh.g[1].adv == 0 && sh.g[0].adv > 0,
       "a combining mark has no advance, its letter has");
    shape_free(&sh);
}

static void test_layout(void)
{
    /* "Muhammad Abd al-Rahman ibn Abdullah al-Qurashi" in Arabic */
    const char *name = "\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF \xD8\xB9\xD8\xA8\xD8\xAF "
                       "\xD8\xA7\xD9\x84\xD8\xB1\xD8\xAD\xD9\x85\xD9\x86 \xD8\xA8\xD9\x86 "
                       "\xD8\xB9\xD8\xA8\xD8\xAF\xD8\xA7\xD9\x84\xD9\x84\xD9\x87 "
                       "\xD8\xA7\xD9\x84\xD9\x82\xD8\xB1\xD8\xB4\xD9\x8A";
    struct layout_rect box = {0, 0, 120, 80};
    struct layout_spec spec = {120, 80, 20, 16, 1.2, 3};
    struct typeset t;
    double one_line;
    int ok_lines = 1;

    ok(typeset_fit(&t, name, chain, N_FONTS, box, &spec, TYPESET_CENTER, TYPESET_TOP) == 0,
       "a long Arabic name is laid out");
    one_line = shape_width(&t.sh, 0, t.len, 20);
    ok(one_line > 120, "at 20 pt it is wider than the box (%.1f pt)", one_line);
    ok(t.lt.n_lines >= 2 && t.lt.n_lines <= 3, "so it wraps, into %zu lines", t.lt.n_lines);
    for (size_t i = 0; i < t.lt.n_lines; i++) {
        const struct layout_line *l = &t.lt.lines[i];
        double w = shape_width(&t.sh, l->off, l->off + l->len, t.lt.size);
        if (w > 120 + 1e-9 || (l->off > 0 && name[l->off - 1] != ' ') ||
            (l->off + l->len < t.len && name[l->off + l->len] != ' '))
            ok_lines = 0;
    }
    ok(ok_lines, "every line fits the box and breaks at a space between words");
    ok(!t.lt.truncated && !t.lt.broke_word, "no word is broken and nothing is cut");
    typeset_free(&t);
}

/* Width at size of s[from..to) shaped on its own, as a line alone would be. */
static double alone(const char *s, size_t from, size_t to, double size)
{
    struct shaped sh;
    double w;

    shape_text(&sh, s + from, to - from, chain, N_FONTS);
    w = shape_width(&sh, 0, to - from, size);
    shape_free(&sh);
    return w;
}

/* A Latin paragraph with a long right-to-left course name wraps like one with a Latin name:
 * at the full size, on spaces, each line as wide as when shaped alone and drawn. */
static void test_wrap_rtl(void)
{
    static const char *const names[][2] = {
        {"Latin",
         "Introdu\xC3\xA7\xC3\xA3o \xC3\xA0 Programa\xC3\xA7\xC3\xA3o em C e mais um pouco"},
        /* "Introduction to programming in the C language and a little more" */
        {"Arabic", "\xD9\x85\xD9\x82\xD8\xAF\xD9\x85\xD8\xA9 \xD9\x81\xD9\x8A "
                   "\xD8\xA7\xD9\x84\xD8\xA8\xD8\xB1\xD9\x85\xD8\xAC\xD8\xA9 "
                   "\xD8\xA8\xD9\x84\xD8\xBA\xD8\xA9 \xD8\xB3\xD9\x8A "
                   "\xD9\x88\xD8\xA3\xD9\x83\xD8\xAB\xD8\xB1 \xD9\x85\xD9\x86 "
                   "\xD8\xB0\xD9\x84\xD9\x83 \xD9\x82\xD9\x84\xD9\x8A\xD9\x84\xD8\xA7"},
        /* "Introduction to programming in C and a little beyond" */
        {"Hebrew",
         "\xD7\x9E\xD7\x91\xD7\x95\xD7\x90 \xD7\x9C\xD7\xAA\xD7\x9B\xD7\xA0\xD7\x95\xD7\xAA "
         "\xD7\x91\xD7\xA9\xD7\xA4\xD7\xAA \xD7\xA1\xD7\x99 \xD7\x95\xD7\xA2\xD7\x95\xD7\x93 "
         "\xD7\xA7\xD7\xA6\xD7\xAA \xD7\x9E\xD7\xA2\xD7\x91\xD7\xA8 \xD7\x9C\xD7\x96\xD7\x94"},
        {"Latin and Arabic",
         "Introdu\xC3\xA7\xC3\xA3o \xC3\xA0 \xD9\x85\xD9\x82\xD8\xAF\xD9\x85\xD8\xA9 "
         "\xD9\x81\xD9\x8A \xD8\xA7\xD9\x84\xD8\xA8\xD8\xB1\xD9\x85\xD8\xAC\xD8\xA9 "
         "\xD8\xA8\xD9\x84\xD8\xBA\xD8\xA9 \xD8\xB3\xD9\x8A \xD9\x88\xD8\xA3"
         "\xD9\x83\xD8\xAB\xD8\xB1"},
    };
    /* the participation template's paragraph box */
    struct layout_rect box = {0, 0, 661.89, 84};
    struct layout_spec spec = {661.89, 84, 14.5, 10, 1.4, 4};

    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        char text[512];
        struct shape_placed *pl = NULL;
        size_t cap = 0;
        struct typeset t;
        int lines_ok = 1;

        snprintf(text, sizeof(text),
                 "participou do curso %s, com carga hor\xC3\xA1ria de 32 horas, realizado de 4 de "
                 "mar\xC3\xA7o de 2024 a 17 de maio de 2024.",
                 names[k][1]);
        typeset_fit(&t, text, chain, N_FONTS, box, &spec, TYPESET_CENTER, TYPESET_TOP);
        ok(t.lt.size == 14.5 && t.lt.n_lines >= 2,
           "%s course name: the paragraph wraps at the full size (%zu lines at %.1f pt)",
           names[k][0], t.lt.n_lines, t.lt.size);
        for (size_t i = 0; i < t.lt.n_lines; i++) {
            const struct layout_line *l = &t.lt.lines[i];
            double w = shape_width(&t.sh, l->off, l->off + l->len, t.lt.size);
            long drawn;
            int rtl;
            shape_line(&t.sh, l->off, l->off + l->len, &pl, &cap, &drawn, &rtl);
            if (w > box.w || fabs(w - alone(text, l->off, l->off + l->len, t.lt.size)) > 0.5 ||
                fabs((double)drawn * t.lt.size / 1000 - w) > 1e-6 ||
                (l->off + l->len < t.len && text[l->off + l->len] != ' '))
                lines_ok = 0;
        }
        ok(lines_ok,
           "%s course name: each line breaks at a space, fits, and is as wide as "
           "shaped alone and as drawn",
           names[k][0]);
        free(pl);
        typeset_free(&t);
    }
}

int main(void)
{
    char err[512];

    for (int i = 0; i < N_FONTS; i++) {
        chain[i].f = font_open(files[i], 0, i > 0, err, sizeof(err));
        if (!chain[i].f) {
            printf("not ok 1 - %s\n", err);
            return 1;
        }
    }
    chain[HANGUL].script = HB_SCRIPT_HANGUL;
    test_fonts();
    test_bidi();
    test_shaping();
    test_widths();
    test_layout();
    test_wrap_rtl();
    for (int i = 0; i < N_FONTS; i++)
        font_free(chain[i].f);
    return tap_done();
}
