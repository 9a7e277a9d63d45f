/* The staff listing of the PostgreSQL store, with the same answers as the
 * SQLite store's full-text search. Each certificate keeps its search text:
 * the name, e-mail, CPF and course name folded per script as every backend
 * does (store_fold_text), cut into words at white space and punctuation,
 * joined by single spaces, the fields apart by " | ", and folded by the
 * server for case and accents (lower, unaccent) as it is written. A query
 * word, cut and folded alike, is then a prefix of a word: search_doc LIKE
 * '% word%' (its words in a row when it holds several, as a phrase), and a
 * run of CJK characters is the phrase of its bigrams in search_grams; both
 * columns have trigram indexes (pg_trgm), so that LIKE needs no scan. What
 * the user typed reaches the server only as bound values. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_pg.h"
#include "utf8.h"
#include "banned.h"

#define MAX_PARAMS 96

/* A character that ends a word: ASCII other than letters and digits, and
 * the spaces, punctuation and symbols of Latin-1, General Punctuation, the
 * symbol blocks, CJK punctuation and the full-width ASCII punctuation. */
static int is_separator(uint32_t c)
{
    if (c < 0x80)
        return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    return (c >= 0xA0 && c <= 0xBF && c != 0xAA && c != 0xB2 && c != 0xB3 && c != 0xB5 &&
            c != 0xB9 && c != 0xBA && c != 0xBC && c != 0xBD && c != 0xBE) ||
           c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x206F) || (c >= 0x20A0 && c <= 0x20CF) ||
           (c >= 0x2100 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x3003) ||
           (c >= 0x3008 && c <= 0x3020) || c == 0x30FB || (c >= 0xFF01 && c <= 0xFF0F) ||
           (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) ||
           (c >= 0xFF5B && c <= 0xFF65) || (c >= 0xFE30 && c <= 0xFE4F) ||
           (c >= 0x1F000 && c <= 0x1FAFF);
}

/* The words of s[0..n) appended to out, each after one space. Returns how
 * many. */
static int add_words(struct buf *out, const char *s, size_t n)
{
    size_t i = 0;
    int words = 0, in = 0;

    while (i < n) {
        uint32_t cp;
        size_t len = utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            len = 1;
            cp = ' ';
        }
        if (is_separator(cp)) {
            in = 0;
        } else {
            if (!in) {
                buf_addc(out, ' ');
                words++;
            }
            in = 1;
            buf_add(out, s + i, len);
        }
        i += len;
    }
    return words;
}

static void add_field(struct buf *doc, const char *v, int fold)
{
    char *folded = v && fold ? store_fold_text(v) : NULL;
    const char *t = folded ? folded : v;

    if (doc->len)
        buf_adds(doc, " |");
    if (t)
        add_words(doc, t, strlen(t));
    free(folded);
}

void store_pg_search_text(const struct store_fields *f, char **doc, char **grams)
{
    struct buf d = BUF_INIT, g = BUF_INIT, gr = BUF_INIT;
    char *name = store_fold_text(f->user_name), *course = store_fold_text(f->course_name);

    add_field(&d, f->user_name, 1);
    add_field(&d, f->user_email, 0);
    add_field(&d, f->user_cpf, 0);
    add_field(&d, f->course_name, 1);
    buf_addc(&d, ' ');
    store_fold_grams(name ? name : f->user_name, &gr);
    store_fold_grams(course ? course : f->course_name, &gr);
    buf_addc(&g, ' ');
    if (gr.len)
        buf_addf(&g, "%s ", gr.data);
    *doc = buf_detach(&d, NULL);
    *grams = buf_detach(&g, NULL);
    buf_free(&gr);
    free(name);
    free(course);
}

/* --- the query ------------------------------------------------------------ */

struct plan {
    struct buf where; /* " AND ..." conditions on c */
    char *params[MAX_PARAMS];
    int n_params;
    int nothing; /* q holds no searchable word */
    char now[20]; /* what expires_at compares with */
    int page, per_page;
    int64_t offset;
};

static int param(struct plan *p, char *v)
{
    if (p->n_params == MAX_PARAMS) {
        free(v);
        return 0;
    }
    p->params[p->n_params++] = v;
    return p->n_params;
}

static void cond(struct plan *p, const char *fmt, char *v)
{
    int n = param(p, v);
    if (n) {
        buf_adds(&p->where, " AND ");
        buf_addf(&p->where, fmt, n);
    }
}

/* Words (a piece of other characters than CJK, or a CPF's digits) as a
 * prefix phrase. */
static void add_prefix(void *ctx, const char *w, size_t n)
{
    struct plan *p = ctx;
    struct buf pat = BUF_INIT;

    buf_adds(&pat, "%");
    if (add_words(&pat, w, n) == 0) { /* only punctuation: a word nothing has */
        buf_free(&pat);
        buf_adds(&p->where, " AND false");
        return;
    }
    buf_adds(&pat, "%");
    cond(p, "c.search_doc LIKE lower(unaccent($%d::text))", buf_detach(&pat, NULL));
}

/* A piece of a folded word (store_query_words): two CJK characters or more
 * are the phrase of their bigrams, anything else a prefix. */
static void add_piece(void *ctx, const char *w, size_t n, size_t cjk)
{
    struct buf grams = BUF_INIT, pat = BUF_INIT;
    char *piece;

    if (cjk < 2) {
        add_prefix(ctx, w, n);
        return;
    }
    piece = xstrndup(w, n);
    store_fold_grams(piece, &grams);
    buf_addf(&pat, "%% %s %%", grams.data ? grams.data : "");
    cond(ctx, "c.search_grams LIKE $%d::text", buf_detach(&pat, NULL));
    buf_free(&grams);
    free(piece);
}

static const struct store_words_fn pg_words = {add_prefix, add_piece};

static char *num(int64_t v)
{
    char b[24];
    snprintf(b, sizeof(b), "%" PRId64, v);
    return xstrdup(b);
}

static int plan_make(const struct store_query *q, struct plan *p, char *err, size_t errlen)
{
    struct store_query_norm n;
    struct buf to = BUF_INIT;

    memset(p, 0, sizeof(*p));
    if (store_query_words(q->q, &pg_words, p, &p->nothing, err, errlen) < 0 ||
        store_query_check(q, &n, err, errlen) < 0)
        return -1;
    if (q->course_id)
        cond(p, "c.course_id = $%d::bigint", num(q->course_id));
    if (q->institution_id)
        cond(p, "c.institution_id = $%d::bigint", num(q->institution_id));
    /* The wall of a scoped staff account: filters no route can leave out. */
    if (q->scope.institution_id)
        cond(p, "c.institution_id = $%d::bigint", num(q->scope.institution_id));
    if (q->scope.school_id)
        cond(p, "c.school_id = $%d::bigint", num(q->scope.school_id));
    if (n.type)
        cond(p, "c.type = $%d::text", xstrdup(n.type));
    if (n.from_day)
        cond(p, "c.certified_at >= $%d::text", xstrdup(q->from));
    if (n.to_day) {
        buf_addf(&to, "%s 23:59:59", q->to);
        cond(p, "c.certified_at <= $%d::text", buf_detach(&to, NULL));
    }
    /* Expiry compares with the query's now, as text (both UTC). */
    snprintf(p->now, sizeof(p->now), "%s", n.now);
    if (n.status == STORE_STATUS_VALID)
        cond(p, "NOT c.revoked AND (c.expires_at IS NULL OR c.expires_at >= $%d::text)",
             xstrdup(n.now));
    else if (n.status == STORE_STATUS_REVOKED)
        buf_adds(&p->where, " AND c.revoked");
    else if (n.status == STORE_STATUS_EXPIRED)
        cond(p, "NOT c.revoked AND c.expires_at < $%d::text", xstrdup(n.now));
    p->page = n.page;
    p->per_page = n.per_page;
    p->offset = n.offset;
    return 0;
}

static void plan_free(struct plan *p)
{
    buf_free(&p->where);
    for (int i = 0; i < p->n_params; i++)
        free(p->params[i]);
}

static void count_sql(const struct plan *p, struct buf *sql)
{
    buf_addf(sql, "SELECT count(*) FROM certificates c WHERE c.latest > 0%s",
             p->where.data ? p->where.data : "");
}

/* The page's ids first (from an index alone when nothing else is asked, so a
 * deep page skips rows without reading them), then their rows. */
static void page_sql(const struct plan *p, struct buf *sql)
{
    buf_addf(sql,
             "SELECT c.id, c.user_name, c.course_name, c.school_name, c.type, c.course_id,"
             " c.institution_id, c.certified_at, c.latest, r.code, c.revoked, c.expires_at"
             " FROM (SELECT c.id FROM certificates c WHERE c.latest > 0%s"
             " ORDER BY c.certified_at DESC, c.id LIMIT %d OFFSET %" PRId64 ") AS pick"
             " JOIN certificates c ON c.id = pick.id"
             " LEFT JOIN revisions r ON r.id = c.id AND r.revision = c.latest"
             " ORDER BY c.certified_at DESC, c.id",
             p->where.data ? p->where.data : "", p->per_page, p->offset);
}

static const struct store_query no_query;

int store_pg_search(struct store *base, const struct store_query *q, struct store_page *out,
                    char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    struct buf sql = BUF_INIT;
    struct plan p;
    PGresult *r = NULL;
    PGconn *pg = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!q)
        q = &no_query;
    if (plan_make(q, &p, err, errlen) < 0)
        goto out;
    out->page = p.page;
    out->per_page = p.per_page;
    if (p.nothing) {
        rc = 0;
        goto out;
    }
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        goto out;
    /* One snapshot: the total and the page agree. */
    if (store_pg_exec(st, pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "search", err,
                      errlen) < 0)
        goto out;
    count_sql(&p, &sql);
    r = store_pg_query(st, pg, sql.data, p.n_params, (const char *const *)p.params, "search", err,
                       errlen);
    if (!r)
        goto out;
    out->total = store_pg_int(r, 0, 0);
    PQclear(r);
    r = NULL;
    if (p.offset >= out->total) {
        rc = 0;
        goto out;
    }
    buf_reset(&sql);
    page_sql(&p, &sql);
    r = store_pg_query(st, pg, sql.data, p.n_params, (const char *const *)p.params, "search", err,
                       errlen);
    if (!r)
        goto out;
    out->hits = xcalloc((size_t)p.per_page, sizeof(*out->hits));
    for (int i = 0; i < PQntuples(r) && out->n_hits < (size_t)p.per_page; i++) {
        struct store_hit *h = &out->hits[out->n_hits++];
        store_pg_copy(r, i, 0, h->id, sizeof(h->id));
        h->user_name = store_pg_dup(r, i, 1);
        h->course_name = store_pg_dup(r, i, 2);
        h->school_name = store_pg_dup(r, i, 3);
        h->type = store_pg_dup(r, i, 4);
        h->course_id = store_pg_int(r, i, 5);
        h->institution_id = store_pg_int(r, i, 6);
        store_pg_copy(r, i, 7, h->certified_at, sizeof(h->certified_at));
        h->revision = (int)store_pg_int(r, i, 8);
        store_pg_copy(r, i, 9, h->code, sizeof(h->code));
        h->revoked = PQgetvalue(r, i, 10)[0] == 't';
        store_pg_copy(r, i, 11, h->expires_at, sizeof(h->expires_at));
        h->expired = store_expired(h->expires_at, p.now);
    }
    rc = 0;
out:
    PQclear(r);
    if (pg) {
        char ignored[8];
        if (PQstatus(pg) == CONNECTION_OK && PQtransactionStatus(pg) != PQTRANS_IDLE)
            store_pg_exec(st, pg, "COMMIT", "search", ignored, sizeof(ignored));
        store_pg_put(st, pg);
    }
    if (rc < 0)
        store_page_free(out);
    buf_free(&sql);
    plan_free(&p);
    return rc;
}

/* EXPLAIN of one statement, its lines appended to out under a title. */
static int explain(struct store_pg *st, PGconn *pg, const char *what, const char *sql,
                   const struct plan *p, struct buf *out, char *err, size_t errlen)
{
    struct buf e = BUF_INIT;
    PGresult *r;

    buf_addf(&e, "EXPLAIN %s", sql);
    r = store_pg_query(st, pg, e.data, p->n_params, (const char *const *)p->params, "search", err,
                       errlen);
    buf_free(&e);
    if (!r)
        return -1;
    buf_addf(out, "%s:\n", what);
    for (int i = 0; i < PQntuples(r); i++)
        buf_addf(out, "  %s\n", PQgetvalue(r, i, 0));
    PQclear(r);
    return 0;
}

int store_pg_search_explain(struct store *base, const struct store_query *q, struct buf *out,
                            char *err, size_t errlen)
{
    struct store_pg *st = store_pg_of(base);
    struct buf sql = BUF_INIT;
    struct plan p;
    PGconn *pg = NULL;
    int rc = -1;

    if (!q)
        q = &no_query;
    if (plan_make(q, &p, err, errlen) < 0)
        goto out;
    if (p.nothing) {
        buf_adds(out, "nothing to search for\n");
        rc = 0;
        goto out;
    }
    pg = store_pg_get(st, err, errlen);
    if (!pg)
        goto out;
    count_sql(&p, &sql);
    if (explain(st, pg, "total", sql.data, &p, out, err, errlen) < 0)
        goto out;
    buf_reset(&sql);
    page_sql(&p, &sql);
    if (explain(st, pg, "page", sql.data, &p, out, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    store_pg_put(st, pg);
    buf_free(&sql);
    plan_free(&p);
    return rc;
}
