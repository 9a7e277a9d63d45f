/* What every store backend makes of a struct store_query before it asks its
 * index: the words of q cut and folded the same way (store_query_words), and
 * the other fields checked, with the same messages (store_query_check). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "caltime.h"
#include "store_int.h"
#include "banned.h"

#define PER_PAGE_DEFAULT 20
#define PER_PAGE_MAX 100

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* One word: digits with CPF punctuation ("123.456", "529.982.247-25") are
 * their digits, as the CPF is kept; other words are folded as the search text
 * is (store_fold_text) and cut into pieces (store_fold_piece). Returns 0 when
 * the word holds nothing searchable (only ASCII punctuation). */
static int word(const char *w, size_t n, const struct store_words_fn *fn, void *ctx)
{
    size_t digits = 0, punct = 0, off = 0;
    char *copy, *folded;
    int searchable = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)w[i];
        if (is_digit(c))
            digits++;
        else if (c == '.' || c == '-' || c == '/')
            punct++;
    }
    if (digits && digits + punct == n) {
        struct buf d = BUF_INIT;
        for (size_t i = 0; i < n; i++)
            if (is_digit((unsigned char)w[i]))
                buf_addc(&d, w[i]);
        fn->digits(ctx, d.data, d.len);
        buf_free(&d);
        return 1;
    }
    copy = xstrndup(w, n);
    folded = store_fold_text(copy);
    if (folded) {
        free(copy);
        copy = folded;
    }
    n = strlen(copy);
    while (off < n) {
        size_t skip, cjk, len = store_fold_piece(copy + off, n - off, &skip, &cjk);
        int keep = cjk > 0;
        for (size_t i = off + skip; i < off + skip + len && !keep; i++)
            keep = is_alnum((unsigned char)copy[i]) || (unsigned char)copy[i] >= 0x80;
        if (keep)
            fn->piece(ctx, copy + off + skip, len, cjk);
        searchable |= keep;
        off += skip + len;
        if (len == 0 && skip == 0)
            break;
    }
    free(copy);
    return searchable;
}

int store_query_words(const char *q, const struct store_words_fn *fn, void *ctx, int *nothing,
                      char *err, size_t errlen)
{
    size_t words = 0, kept = 0;

    *nothing = 0;
    if (!q)
        return 0;
    if (strlen(q) > STORE_Q_MAX_BYTES) {
        snprintf(err, errlen, "q: too long (at most %d bytes)", STORE_Q_MAX_BYTES);
        return -1;
    }
    while (*q) {
        size_t n = 0;
        while (is_space(*q))
            q++;
        while (q[n] && !is_space(q[n]))
            n++;
        if (n == 0)
            break;
        if (++words > STORE_Q_MAX_WORDS) {
            snprintf(err, errlen, "q: too many words (at most %d)", STORE_Q_MAX_WORDS);
            return -1;
        }
        kept += (size_t)word(q, n, fn, ctx);
        q += n;
    }
    /* "*" or "--" alone: a search for nothing finds nothing, not everything. */
    *nothing = words > 0 && kept == 0;
    return 0;
}

int store_query_check(const struct store_query *q, struct store_query_norm *out, char *err,
                      size_t errlen)
{
    struct caltime d;

    memset(out, 0, sizeof(*out));
    if (q->course_id < 0 || q->institution_id < 0) {
        snprintf(err, errlen, "%s: must be a positive integer",
                 q->course_id < 0 ? "course_id" : "institution_id");
        return -1;
    }
    if (q->type && *q->type) {
        if (strcasecmp(q->type, "participation") != 0 && strcasecmp(q->type, "achievement") != 0) {
            snprintf(err, errlen, "type: must be 'participation' or 'achievement'");
            return -1;
        }
        out->type = strcasecmp(q->type, "participation") == 0 ? "participation" : "achievement";
    }
    if (q->from && *q->from) {
        if (caltime_parse_date(q->from, &d) < 0) {
            snprintf(err, errlen, "from: expected a date 'yyyy-MM-dd'");
            return -1;
        }
        out->from_day = (int64_t)d.year * 10000 + d.mon * 100 + d.day;
    }
    if (q->to && *q->to) {
        if (caltime_parse_date(q->to, &d) < 0) {
            snprintf(err, errlen, "to: expected a date 'yyyy-MM-dd'");
            return -1;
        }
        out->to_day = (int64_t)d.year * 10000 + d.mon * 100 + d.day;
    }
    if (q->now && caltime_parse(q->now, &d) < 0) {
        snprintf(err, errlen, "now: expected a time 'yyyy-MM-dd HH:mm:ss'");
        return -1;
    }
    if (q->now)
        snprintf(out->now, sizeof(out->now), "%s", q->now);
    else
        store_now_utc(out->now);
    if (q->status && *q->status) {
        if (strcasecmp(q->status, "valid") == 0) {
            out->status = STORE_STATUS_VALID;
        } else if (strcasecmp(q->status, "revoked") == 0) {
            out->status = STORE_STATUS_REVOKED;
        } else if (strcasecmp(q->status, "expired") == 0) {
            out->status = STORE_STATUS_EXPIRED;
        } else {
            snprintf(err, errlen, "status: must be 'valid', 'revoked' or 'expired'");
            return -1;
        }
    }
    if (q->page < 0) {
        snprintf(err, errlen, "page: must be 1 or more");
        return -1;
    }
    if (q->per_page < 0 || q->per_page > PER_PAGE_MAX) {
        snprintf(err, errlen, "per_page: must be from 1 to %d", PER_PAGE_MAX);
        return -1;
    }
    out->page = q->page ? q->page : 1;
    out->per_page = q->per_page ? q->per_page : PER_PAGE_DEFAULT;
    out->offset = (int64_t)(out->page - 1) * out->per_page;
    return 0;
}
