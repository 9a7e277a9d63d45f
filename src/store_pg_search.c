/* The staff listing of the PostgreSQL store, with the same answers as the
 * SQLite store's full-text search. Each certificate keeps its search text:
 * the name, e-mail, CPF and course name folded per script as every backend
 * does (store_fold_text), cut into words at white space and punctuation,
 * joined by single spaces, the fields apart by " | ", and folded by the
 * server for case and accents (lower, unaccent) as it is written. A query
 * word, cut and folded alike, is then a prefix of a word: search_doc LIKE
 * '% word%' (its words in a row when it holds several, as a phrase), and a
 * run of CJK characters is the phrase of its bigrams in search_grams; both
 * columns have trigram indexes (pg_trgm), so that LIKE needs no scan. The
 * words table (search_words) answers what trigrams answer slowly: the total
 * of one word alone (the trigram index would recheck every row it finds)
 * and the whole words of a phrase (see words_plan). What the user typed
 * reaches the server only as bound values. */
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
    /* What search_words (schema version 4) answers, after the server has
     * folded them as it folds the search text: each non-CJK piece's words
     * as this program folded them, joined by spaces, and how many. When
     * nothing but an institution or the walls filters q's words
     * (words_only), the total comes from search_words for one word, from
     * listing_counts for none (total_plan). */
    char *piece[STORE_Q_MAX_WORDS];
    int piece_words[STORE_Q_MAX_WORDS];
    int n_pieces;
    int words_only;
    int64_t institution_id, scope_institution_id, scope_school_id;
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
    int words;

    buf_adds(&pat, "%");
    words = add_words(&pat, w, n);
    if (words == 0) { /* only punctuation: a word nothing has */
        buf_free(&pat);
        buf_adds(&p->where, " AND false");
        p->words_only = 0;
        return;
    }
    if (p->n_pieces < STORE_Q_MAX_WORDS) {
        p->piece_words[p->n_pieces] = words;
        p->piece[p->n_pieces++] = xstrdup(pat.data + 2); /* after "% " */
    } else {
        p->words_only = 0; /* a piece the words table does not look at */
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
    ((struct plan *)ctx)->words_only = 0;
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
    p->words_only = 1;
    if (store_query_words(q->q, &pg_words, p, &p->nothing, err, errlen) < 0 ||
        store_query_check(q, &n, err, errlen) < 0)
        return -1;
    p->institution_id = q->institution_id;
    p->scope_institution_id = q->scope.institution_id;
    p->scope_school_id = q->scope.school_id;
    if (q->course_id || n.type || n.from_day || n.to_day || n.status != STORE_STATUS_ANY)
        p->words_only = 0;
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
    for (int i = 0; i < p->n_pieces; i++)
        free(p->piece[i]);
}

static void count_sql(const struct plan *p, struct buf *sql)
{
    buf_addf(sql, "SELECT count(*) FROM certificates c WHERE c.latest > 0%s",
             p->where.data ? p->where.data : "");
}

/* A word of the folded search text that search_words holds as it is: not
 * empty, not the fields' "|", and nothing LIKE reads as a wildcard. */
static int plain_word(const char *w, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (w[i] == ' ' || w[i] == '|' || w[i] == '%' || w[i] == '_' || w[i] == '\\')
            return 0;
    return 1;
}

/* The walls and the institution asked for, as conditions (each after " AND
 * ") on a table of totals, their values into tot. */
static void walls(const struct plan *p, struct plan *tot, struct buf *sql)
{
    if (p->institution_id)
        buf_addf(sql, " AND institution_id = $%d::bigint", param(tot, num(p->institution_id)));
    if (p->scope_institution_id)
        buf_addf(sql, " AND institution_id = $%d::bigint",
                 param(tot, num(p->scope_institution_id)));
    if (p->scope_school_id)
        buf_addf(sql, " AND school_id = $%d::bigint", param(tot, num(p->scope_school_id)));
}

/* The total of a search for one word alone, from the index of search_words:
 * search_doc LIKE '% word%' holds exactly when the certificate has a word
 * that word begins, so the certificates with such a word are the total.
 * Into sql, its parameters into tot. */
static void words_total(const struct plan *p, const char *word, struct plan *tot, struct buf *sql)
{
    struct buf like = BUF_INIT;

    buf_addf(&like, "%s%%", word);
    param(tot, buf_detach(&like, NULL));
    buf_adds(sql, "SELECT count(DISTINCT seq) FROM search_words WHERE word LIKE $1");
    walls(p, tot, sql);
}

/* The total of the listing itself (no words, nothing but the walls or an
 * institution), from listing_counts: the sum of its rows within the walls,
 * and how many rows the table has in all (each is read, whatever the walls:
 * the table has no index, being folded small). */
static void listing_total(const struct plan *p, struct plan *tot, struct buf *sql)
{
    buf_adds(sql, "SELECT coalesce(sum(n) FILTER (WHERE true");
    walls(p, tot, sql);
    buf_adds(sql, "), 0), count(*) FROM listing_counts");
}

/* listing_counts folded into a row per school, when a total found it long
 * (each certificate listed adds a row): in one statement, so that the sums
 * stay what they were for every snapshot; rows added meanwhile stay, for the
 * next time. Two folds at once: the second waits on the first's rows and
 * folds what the first did not. */
#define FOLD_ROWS 256
static const char fold_sql[] =
    "WITH gone AS (DELETE FROM listing_counts RETURNING institution_id, school_id, n)"
    " INSERT INTO listing_counts SELECT institution_id, school_id, sum(n) FROM gone"
    " GROUP BY institution_id, school_id HAVING sum(n) <> 0";

/* What search_words adds to the plan, once the server has folded every
 * piece (one statement): a phrase's words before its last are whole words
 * of the certificate, each a condition the words' index answers at once
 * (an e-mail address: its name part is rare), where the trigram index
 * reads the long lists of common trigrams; search_doc LIKE still says that
 * they are in a row. And for one word alone, the total (words_total), into
 * sql and tot. 1 when the total is there, 0 when count_sql is to make it,
 * -1 with err. */
static int words_plan(struct store_pg *st, PGconn *pg, struct plan *p, struct plan *tot,
                      struct buf *sql, char *err, size_t errlen)
{
    struct buf fold = BUF_INIT;
    int phrases = 0, total = 0;
    PGresult *r;

    memset(tot, 0, sizeof(*tot));
    for (int i = 0; i < p->n_pieces; i++)
        phrases |= p->piece_words[i] > 1;
    if (!phrases && !(p->words_only && p->n_pieces == 1))
        return 0;
    buf_adds(&fold, "SELECT ");
    for (int i = 0; i < p->n_pieces; i++)
        buf_addf(&fold, "%slower(unaccent($%d::text))", i ? ", " : "", i + 1);
    r = store_pg_query(st, pg, fold.data, p->n_pieces, (const char *const *)p->piece, "search", err,
                       errlen);
    buf_free(&fold);
    if (!r)
        return -1;
    for (int i = 0; i < p->n_pieces; i++) {
        const char *w = PQgetvalue(r, 0, i), *sp;
        if (p->piece_words[i] == 1) {
            if (p->words_only && p->n_pieces == 1 && plain_word(w, strlen(w))) {
                words_total(p, w, tot, sql);
                total = 1;
            }
            continue;
        }
        for (; (sp = strchr(w, ' ')) != NULL; w = sp + 1)
            if (plain_word(w, (size_t)(sp - w)))
                cond(p, "c.seq IN (SELECT seq FROM search_words WHERE word = $%d::text)",
                     xstrndup(w, (size_t)(sp - w)));
    }
    PQclear(r);
    return total;
}

/* The statement of the total into sql: 2 from listing_counts (its
 * parameters in tot, the number of its rows second), 1 from search_words
 * (parameters in tot), 0 from the certificates (count_sql, parameters in
 * p), -1 with err. */
static int total_plan(struct store_pg *st, PGconn *pg, struct plan *p, struct plan *tot,
                      struct buf *sql, char *err, size_t errlen)
{
    int words = words_plan(st, pg, p, tot, sql, err, errlen);

    if (words != 0)
        return words;
    if (p->words_only && p->n_pieces == 0) {
        listing_total(p, tot, sql);
        return 2;
    }
    count_sql(p, sql);
    return 0;
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
    struct plan p, tot = {0};
    PGresult *r = NULL;
    PGconn *pg = NULL;
    int rc = -1, words, fold = 0;

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
    words = total_plan(st, pg, &p, &tot, &sql, err, errlen);
    if (words < 0)
        goto out;
    r = words ? store_pg_query(st, pg, sql.data, tot.n_params, (const char *const *)tot.params,
                               "search", err, errlen)
              : store_pg_query(st, pg, sql.data, p.n_params, (const char *const *)p.params,
                               "search", err, errlen);
    if (!r)
        goto out;
    out->total = store_pg_int(r, 0, 0);
    fold = words == 2 && store_pg_int(r, 0, 1) > FOLD_ROWS;
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
        if (fold && rc == 0) /* a fold that fails is for the next search to do */
            store_pg_exec(st, pg, fold_sql, "search", ignored, sizeof(ignored));
        store_pg_put(st, pg);
    }
    if (rc < 0)
        store_page_free(out);
    buf_free(&sql);
    plan_free(&p);
    plan_free(&tot);
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
    struct plan p, tot = {0};
    PGconn *pg = NULL;
    int rc = -1, words;

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
    words = total_plan(st, pg, &p, &tot, &sql, err, errlen);
    if (words < 0)
        goto out;
    if (explain(st, pg, "total", sql.data, words ? &tot : &p, out, err, errlen) < 0)
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
    plan_free(&tot);
    return rc;
}
