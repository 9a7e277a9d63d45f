/* The search text of names and course names in every script, the same for
 * every backend: what store_int.h says, with libunistring's character data
 * (scripts, categories, decompositions, case) rather than tables of our own. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "store_int.h"
#include "banned.h"

/* The scripts folded, looked up once for every thread. */
static const uc_script_t *han, *hira, *kata, *hangul, *latin, *arabic, *hebrew, *greek, *cyrillic;
static pthread_once_t scripts_once = PTHREAD_ONCE_INIT;

static void scripts_init(void)
{
    han = uc_script_byname("Han");
    hira = uc_script_byname("Hiragana");
    kata = uc_script_byname("Katakana");
    hangul = uc_script_byname("Hangul");
    latin = uc_script_byname("Latin");
    arabic = uc_script_byname("Arabic");
    hebrew = uc_script_byname("Hebrew");
    greek = uc_script_byname("Greek");
    cyrillic = uc_script_byname("Cyrillic");
}

static int script_is(ucs4_t c, const uc_script_t *script)
{
    return script && uc_script(c) == script;
}

/* Han, Hiragana, Katakana, Hangul, and the marks that live inside their
 * words (the prolonged sound mark and the iteration marks are "Common"). */
static int is_cjk(ucs4_t c)
{
    const uc_script_t *s;

    if (c < 0x1100)
        return 0;
    if (c == 0x30FC || c == 0xFF70 || c == 0x3005 || c == 0x3006)
        return 1;
    pthread_once(&scripts_once, scripts_init);
    s = uc_script(c);
    return s && (s == han || s == hira || s == kata || s == hangul);
}

static int is_word_char(ucs4_t c)
{
    return uc_is_property_alphabetic(c) || uc_is_general_category(c, UC_CATEGORY_N);
}

static void add_char(struct buf *out, ucs4_t c)
{
    uint8_t u[6];
    int n = u8_uctomb(u, c, sizeof(u));
    if (n > 0)
        buf_add(out, u, (size_t)n);
}

static ucs4_t fold_arabic(ucs4_t c)
{
    switch (c) {
    case 0x0622: /* alef with madda, hamza above, hamza below, wasla */
    case 0x0623:
    case 0x0625:
    case 0x0671:
        return 0x0627;
    case 0x0649: /* alef maksura, Persian yeh */
    case 0x06CC:
        return 0x064A;
    case 0x0629: /* ta marbuta */
        return 0x0647;
    case 0x06A9: /* Persian kaf */
        return 0x0643;
    }
    return uc_is_general_category(c, UC_CATEGORY_Mn) ? 0 : c;
}

/* Greek without its accents and breathings, lowercase, final sigma as sigma. */
static void add_greek(struct buf *out, ucs4_t c)
{
    uint32_t d[8];
    size_t n = sizeof(d) / sizeof(d[0]);
    uint32_t *r = u32_normalize(UNINORM_NFD, &c, 1, d, &n);

    if (!r) {
        add_char(out, c);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        ucs4_t l = uc_tolower(r[i]);
        if (uc_is_general_category(l, UC_CATEGORY_Mn))
            continue;
        add_char(out, l == 0x03C2 ? 0x03C3 : l);
    }
    if (r != d)
        free(r);
}

/* Full- and half-width forms as their plain compatibility equivalents. */
static void add_compat(struct buf *out, ucs4_t c)
{
    uint32_t d[4];
    size_t n = sizeof(d) / sizeof(d[0]);
    uint32_t *r = u32_normalize(UNINORM_NFKC, &c, 1, d, &n);

    for (size_t i = 0; r && i < n; i++)
        add_char(out, r[i]);
    if (!r)
        add_char(out, c);
    if (r && r != d)
        free(r);
}

static void fold_char(struct buf *out, ucs4_t c)
{
    pthread_once(&scripts_once, scripts_init);
    /* Format characters; the harakat and the superscript alef, which are of
     * the "Inherited" script, and tatweel, "Common". */
    if (uc_is_general_category(c, UC_CATEGORY_Cf) || (c >= 0x064B && c <= 0x065F) || c == 0x0670 ||
        c == 0x0640)
        return;
    if (c >= 0xFF01 && c <= 0xFFEF) {
        add_compat(out, c);
    } else if (script_is(c, arabic)) {
        if ((c = fold_arabic(c)) != 0)
            add_char(out, c);
    } else if (script_is(c, hebrew)) {
        if (!uc_is_general_category(c, UC_CATEGORY_Mn))
            add_char(out, c);
    } else if (script_is(c, greek)) {
        add_greek(out, c);
    } else if (script_is(c, cyrillic)) {
        c = uc_tolower(c);
        add_char(out, c == 0x0451 ? 0x0435 : c);
    } else if (c < 0x80 || script_is(c, latin) || is_cjk(c)) {
        add_char(out, c);
    } else {
        add_char(out, uc_tolower(c));
    }
}

char *store_fold_text(const char *s)
{
    struct buf out = BUF_INIT;
    size_t n = strlen(s), len = 0;
    uint8_t *nfc;
    const uint8_t *p, *end;
    int prev = 0; /* the last character: 0 other, 1 CJK, 2 letter or digit */

    for (p = (const uint8_t *)s; *p && *p < 0x80; p++)
        ;
    if (!*p)
        return NULL; /* ASCII */
    nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)s, n, NULL, &len);
    if (!nfc)
        return NULL; /* not UTF-8: kept as it is */
    for (p = nfc, end = nfc + len; p < end;) {
        ucs4_t c;
        int k = u8_mbtouc(&c, p, (size_t)(end - p)), kind;
        size_t before = out.len;

        p += k;
        kind = is_cjk(c) ? 1 : is_word_char(c) ? 2 : 0;
        if (kind && prev && kind != prev)
            buf_addc(&out, ' ');
        fold_char(&out, c);
        if (out.len > before || !kind)
            prev = kind;
    }
    free(nfc);
    if (out.len == n && memcmp(out.data, s, n) == 0) {
        buf_free(&out);
        return NULL;
    }
    if (!out.data)
        buf_adds(&out, "");
    return buf_detach(&out, NULL);
}

void store_fold_grams(const char *folded, struct buf *out)
{
    const uint8_t *p = (const uint8_t *)folded, *end = p + strlen(folded);
    const uint8_t *last = NULL; /* the previous CJK character of this sequence */
    size_t last_len = 0;
    int open = 0; /* a bigram of this sequence is written */

    while (p < end) {
        ucs4_t c;
        int k = u8_mbtouc(&c, p, (size_t)(end - p));

        if (is_cjk(c)) {
            if (last) {
                if (out->len)
                    buf_adds(out, open ? " " : " 0 ");
                buf_add(out, last, last_len);
                buf_add(out, p, (size_t)k);
                open = 1;
            }
            last = p;
            last_len = (size_t)k;
        } else if (!(c == ' ' || c == 0x3000 || c == 0x30FB)) {
            last = NULL;
            open = 0;
        }
        p += k;
    }
}

size_t store_fold_piece(const char *s, size_t n, size_t *skip, size_t *cjk)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + n, *start;
    int kind = -1;

    *cjk = 0;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    *skip = (size_t)(p - (const uint8_t *)s);
    start = p;
    while (p < end) {
        ucs4_t c;
        int k = u8_mbtouc(&c, p, (size_t)(end - p)), here = is_cjk(c);

        if (c == ' ' || c == '\t' || (kind >= 0 && here != kind))
            break;
        kind = here;
        *cjk += (size_t)here;
        p += k;
    }
    return (size_t)(p - start);
}
