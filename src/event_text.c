/* Text helpers for the event's values: code points, ASCII case, trimming and
 * collapsing white space, short quotes for messages, and the NUL marks that stand
 * for \u0000 escapes. */
#include <stdint.h>
#include <string.h>

#include <unictype.h>

#include "buf.h"
#include "event_int.h"
#include "utf8.h"
#include "banned.h"

#define QUOTE_CHARS 32 /* characters of a value quoted in a message */

/* Unicode White_Space: ASCII white space, U+0085, U+00A0, the Zs spaces (U+3000...) and
 * the line and paragraph separators U+2028, U+2029. */
static int is_trim_cp(uint32_t cp)
{
    return uc_is_property_white_space(cp);
}

static int is_space_cp(uint32_t cp)
{
    return cp == ' ' || cp == 0xA0;
}

int ev_is_control_cp(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

int ev_is_break_cp(uint32_t cp)
{
    return uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_Zl | UC_CATEGORY_MASK_Zp);
}

int ev_is_hidden_cp(uint32_t cp)
{
    if (cp == 0x200C || cp == 0x200D || uc_is_property_variation_selector(cp))
        return 0;
    return uc_is_general_category(cp, UC_CATEGORY_Cf) ||
           uc_is_property_default_ignorable_code_point(cp) || uc_is_property_bidi_control(cp);
}

int ev_is_visible_cp(uint32_t cp)
{
    return uc_is_general_category_withtable(cp, UC_CATEGORY_MASK_L | UC_CATEGORY_MASK_M |
                                                    UC_CATEGORY_MASK_N | UC_CATEGORY_MASK_P |
                                                    UC_CATEGORY_MASK_S) &&
           !uc_is_property_default_ignorable_code_point(cp);
}

char *ev_strip_hidden(const char *s)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(s), i, k;
    uint32_t cp;

    buf_grow(&b, n);
    for (i = 0; i < n; i += k) {
        k = ev_next_cp(s + i, n - i, &cp);
        if (!ev_is_hidden_cp(cp))
            buf_add(&b, s + i, k);
    }
    return buf_detach(&b, NULL);
}

int ev_has_mark(const char *s)
{
    return strchr(s, NUL_MARK) != NULL;
}

/* Decode one code point of (normally valid) UTF-8; a stray byte counts as U+FFFD. */
size_t ev_next_cp(const char *s, size_t n, uint32_t *cp)
{
    size_t k = utf8_decode(s, n, cp);
    if (!k) {
        *cp = 0xFFFD;
        k = 1;
    }
    return k;
}

int ev_ascii_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* strcasecmp for ASCII only, whatever the locale. */
int ev_ascii_casecmp(const char *a, const char *b)
{
    while (*a && ev_ascii_lower((unsigned char)*a) == ev_ascii_lower((unsigned char)*b))
        a++, b++;
    return ev_ascii_lower((unsigned char)*a) - ev_ascii_lower((unsigned char)*b);
}

/* Copy src into dst[size], cutting on a character boundary and ending with "..." when
 * it does not fit. */
void ev_copy_trunc(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src), cut;

    if (len < size) {
        memcpy(dst, src, len + 1);
        return;
    }
    cut = size - 4;
    while (cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(dst, src, cut);
    memcpy(dst + cut, "...", 4);
}

/* A short printable rendering of a value for a message: control characters become '?'
 * and long values are cut with "...". */
void ev_quote_short(char *out, size_t size, const char *s)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(s), i = 0, chars = 0, k;
    uint32_t cp;

    while (i < n) {
        if (chars == QUOTE_CHARS) {
            buf_adds(&b, "...");
            break;
        }
        k = ev_next_cp(s + i, n - i, &cp);
        if (ev_is_control_cp(cp))
            buf_addc(&b, '?');
        else
            buf_add(&b, s + i, k);
        i += k;
        chars++;
    }
    ev_copy_trunc(out, size, b.data ? b.data : "");
    buf_free(&b);
}

/* Append s to b, each NUL mark run written as the text \u0000. */
static void add_unmarked(struct buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == NUL_MARK) {
            buf_adds(b, "\\u0000");
            for (int i = 1; i < NUL_MARK_LEN && s[1] == NUL_MARK; i++)
                s++;
        } else {
            buf_addc(b, *s);
        }
    }
}

char *ev_unmarked_dup(const char *s)
{
    struct buf b = BUF_INIT;
    add_unmarked(&b, s);
    return buf_detach(&b, NULL);
}

/* A copy of s without surrounding white space (Unicode White_Space); with collapse, each
 * inner run of U+0020/U+00A0 becomes one U+0020. */
char *ev_tidy(const char *s, int collapse)
{
    struct buf b = BUF_INIT;
    size_t n = strlen(s), start = n, end = 0, i, k;
    uint32_t cp;
    int in_space = 0;

    for (i = 0; i < n; i += k) {
        k = ev_next_cp(s + i, n - i, &cp);
        if (!is_trim_cp(cp)) {
            if (start == n)
                start = i;
            end = i + k;
        }
    }
    if (start == n)
        return xstrdup("");
    if (!collapse)
        return xstrndup(s + start, end - start);
    buf_grow(&b, end - start);
    for (i = start; i < end; i += k) {
        k = ev_next_cp(s + i, end - i, &cp);
        if (is_space_cp(cp)) {
            if (!in_space)
                buf_addc(&b, ' ');
            in_space = 1;
        } else {
            buf_add(&b, s + i, k);
            in_space = 0;
        }
    }
    return buf_detach(&b, NULL);
}
