/* Placeholder text of templates: check {{name}}, {{#name}}, {{^name}} and {{/name}}
 * tags against the known variables, and expand them with the caller's values. */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "template.h"
#include "template_int.h"
#include "banned.h"

#define VAR_MAX 64     /* longest variable name looked up */
#define SECTION_MAX 32 /* deepest nesting of {{#sections}} */

static const char *const known_vars[] = {TEMPLATE_VARS};
#define N_VARS (sizeof(known_vars) / sizeof(known_vars[0]))

struct tag {
    const char *start; /* at "{{" */
    const char *end;   /* just after "}}" */
    char sigil;        /* '\0', '#', '^' or '/' */
    const char *name;  /* trimmed */
    size_t name_len;
};

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* The next tag from s: 1 and *tg filled, 0 when there is none, -1 when a "{{"
 * at tg->start has no "}}" before the next "{{". */
static int next_tag(const char *s, struct tag *tg)
{
    const char *open = strstr(s, "{{"), *close, *again, *p, *q;
    if (!open)
        return 0;
    tg->start = open;
    close = strstr(open + 2, "}}");
    if (!close)
        return -1;
    again = memmem(open + 2, (size_t)(close - open - 2), "{{", 2);
    if (again)
        return -1;
    tg->end = close + 2;
    p = open + 2;
    while (p < close && is_blank(*p))
        p++;
    tg->sigil = '\0';
    if (p < close && (*p == '#' || *p == '^' || *p == '/')) {
        tg->sigil = *p++;
        while (p < close && is_blank(*p))
            p++;
    }
    q = close;
    while (q > p && is_blank(q[-1]))
        q--;
    tg->name = p;
    tg->name_len = (size_t)(q - p);
    return 1;
}

int tpl_var_index(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < N_VARS; i++)
        if (strlen(known_vars[i]) == len && memcmp(known_vars[i], name, len) == 0)
            return (int)i;
    return -1;
}

void tpl_near_vars(struct tpl_near *n)
{
    size_t i;
    for (i = 0; i < N_VARS; i++)
        tpl_near_try(n, known_vars[i]);
}

/* Bytes of s worth quoting: at most max, not past a newline, whole characters. */
static int quote_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] && s[n] != '\n')
        n++;
    if (s[n] && s[n] != '\n')
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    return (int)n;
}

#define TAG_FMT "'%.*s'"
#define TAG_ARG(tg) (int)((tg)->end - (tg)->start), (tg)->start

int template_check_text(const char *text, char *err, size_t errlen)
{
    struct tag open[SECTION_MAX], tg;
    size_t depth = 0;
    const char *s = text;
    char hint[80], name[VAR_MAX + 1];
    struct tpl_near nr;
    int r;

    if (err && errlen)
        err[0] = '\0';
    while ((r = next_tag(s, &tg)) != 0) {
        if (r < 0) {
            snprintf(err, errlen, "unterminated '{{' at '%.*s'", quote_len(tg.start, 24), tg.start);
            return -1;
        }
        if (tg.end - tg.start > 60) {
            snprintf(err, errlen, "placeholder too long: '%.*s...'", quote_len(tg.start, 40),
                     tg.start);
            return -1;
        }
        if (tg.name_len == 0) {
            snprintf(err, errlen, "empty placeholder " TAG_FMT, TAG_ARG(&tg));
            return -1;
        }
        if (tpl_var_index(tg.name, tg.name_len) < 0) {
            memcpy(name, tg.name, tg.name_len < VAR_MAX ? tg.name_len : VAR_MAX);
            name[tg.name_len < VAR_MAX ? tg.name_len : VAR_MAX] = '\0';
            nr = (struct tpl_near){name, NULL, 0};
            tpl_near_vars(&nr);
            snprintf(err, errlen, "unknown placeholder " TAG_FMT "%s", TAG_ARG(&tg),
                     tpl_near_hint(&nr, hint, sizeof(hint)));
            return -1;
        }
        if (tg.sigil == '#' || tg.sigil == '^') {
            if (depth == SECTION_MAX) {
                snprintf(err, errlen, "sections nested deeper than %d", SECTION_MAX);
                return -1;
            }
            open[depth++] = tg;
        } else if (tg.sigil == '/') {
            if (depth == 0) {
                snprintf(err, errlen, "unbalanced sections: " TAG_FMT " closes nothing",
                         TAG_ARG(&tg));
                return -1;
            }
            depth--;
            if (open[depth].name_len != tg.name_len ||
                memcmp(open[depth].name, tg.name, tg.name_len) != 0) {
                snprintf(err, errlen, "unbalanced sections: " TAG_FMT " closes " TAG_FMT,
                         TAG_ARG(&tg), TAG_ARG(&open[depth]));
                return -1;
            }
        }
        s = tg.end;
    }
    if (depth > 0) {
        snprintf(err, errlen, "unbalanced sections: " TAG_FMT " is never closed",
                 TAG_ARG(&open[depth - 1]));
        return -1;
    }
    return 0;
}

static const char *lookup_value(template_lookup_fn lookup, void *ctx, const struct tag *tg)
{
    char name[VAR_MAX + 1];
    const char *v;
    if (tg->name_len > VAR_MAX)
        return "";
    memcpy(name, tg->name, tg->name_len);
    name[tg->name_len] = '\0';
    v = lookup(ctx, name);
    return v ? v : "";
}

void template_expand(const char *text, template_lookup_fn lookup, void *ctx, struct buf *out)
{
    const char *s = text;
    int depth = 0, hidden_at = 0; /* depth of the outermost section left out, 0: none */
    struct tag tg;
    int set;

    buf_add(out, "", 0);
    for (;;) {
        if (next_tag(s, &tg) <= 0) {
            if (!hidden_at)
                buf_adds(out, s);
            return;
        }
        if (!hidden_at)
            buf_add(out, s, (size_t)(tg.start - s));
        s = tg.end;
        switch (tg.sigil) {
        case '#':
        case '^':
            depth++;
            if (!hidden_at) {
                set = *lookup_value(lookup, ctx, &tg) != '\0';
                if (set != (tg.sigil == '#'))
                    hidden_at = depth;
            }
            break;
        case '/':
            if (depth > 0) {
                if (hidden_at == depth)
                    hidden_at = 0;
                depth--;
            }
            break;
        default:
            if (!hidden_at)
                buf_adds(out, lookup_value(lookup, ctx, &tg));
        }
    }
}
