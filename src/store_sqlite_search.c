/* The staff listing of the SQLite store: words looked up in the full-text
 * table, filters, newest first, one page and the total, read in one
 * transaction. What the user typed reaches SQLite only as bound values, and
 * reaches FTS5 only inside quoted strings: never as SQL or query syntax.
 *
 * Two ways to a page. With words, everything is asked of the full-text
 * table: the words of its text columns, the filters as tags in its tags
 * column, the dates as a range of rowids, which carry the day (see
 * store_sqlite_schema.c) so that FTS5 hands out the matches newest day first; one
 * walk down them counts them and picks out the days the page falls in, and
 * only the rows of those days are read and sorted. Without words: queries on
 * certificates, whose indexes hold the order and every filtered column. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "caltime.h"
#include "store_int.h"
#include "store_sqlite.h"
#include "banned.h"


#define FTS_DAY ((int64_t)1 << 36) /* a full-text rowid is day * FTS_DAY + seq */
#define FTS_WHERE "certificates_fts MATCH :q AND rowid BETWEEN :lo AND :hi"
/* The same for a status that depends on the clock: each match joined to its
 * row (by seq, the rowid's low 36 bits: FTS_DAY - 1 = 68719476735), whose
 * expires_at the plan's expiry condition tests. */
#define FTS_JOIN                                                                                   \
    " FROM certificates_fts JOIN certificates c"                                                   \
    " ON c.seq = (certificates_fts.rowid & 68719476735) WHERE certificates_fts MATCH :q"           \
    " AND certificates_fts.rowid BETWEEN :lo AND :hi AND "
#define EXPIRED "c.expires_at < :now"
#define NOT_EXPIRED "(c.expires_at IS NULL OR c.expires_at >= :now)"
#define FTS_TEXT "{user_name user_email user_cpf course_name}"
#define ORDER " ORDER BY c.certified_at DESC, c.id"

/* A query checked and turned into SQL pieces and bound values. */
struct plan {
    struct buf words;   /* the words as FTS5 strings; empty: none */
    struct buf match;   /* with words: the whole FTS5 query, filters as tags */
    struct buf where;   /* without words: the filters on c, " WHERE ... AND ..." */
    const char *from_c; /* " c" or, for the revoked alone, " c INDEXED BY ..." */
    const char *expiry; /* NULL, or EXPIRED / NOT_EXPIRED: what the status asks of the clock */
    char now[20];       /* what expires_at compares with */
    int nothing;        /* q holds no searchable word: nothing can match */
    char from[11], to[20], type[16];
    int64_t lo, hi; /* full-text rowids of the date range */
    int64_t offset;
    int page, per_page;
};

/* Append one FTS5 string to m: inside the quotes FTS5 reads no operators,
 * and a '"' is written twice. */
static void add_string(struct buf *m, const char *w, size_t n)
{
    buf_addc(m, '"');
    for (size_t i = 0; i < n; i++) {
        if (w[i] == '"')
            buf_addc(m, '"');
        buf_addc(m, w[i]);
    }
    buf_addc(m, '"');
}

static void add_term(struct buf *m, const char *column, const char *w, size_t n, int prefix)
{
    buf_adds(m, m->len ? " AND (" : "(");
    buf_adds(m, column);
    buf_adds(m, " : ");
    add_string(m, w, n);
    buf_adds(m, prefix ? "*)" : ")");
}

/* A word of digits (a CPF, typed with its punctuation or not): a prefix. */
static void add_digits(void *ctx, const char *d, size_t n)
{
    add_term(ctx, FTS_TEXT, d, n, 1);
}

/* One piece of a folded word (store_query_words): other characters, or one
 * CJK character, as a prefix of a word of the text columns; two CJK
 * characters or more as the phrase of their bigrams in the grams column
 * (store_fold_grams), which matches wherever they stand in a name. */
static void add_piece(void *ctx, const char *w, size_t n, size_t cjk)
{
    struct buf grams = BUF_INIT;
    char *piece;

    if (cjk < 2) {
        add_term(ctx, FTS_TEXT, w, n, 1);
        return;
    }
    piece = xstrndup(w, n);
    store_fold_grams(piece, &grams);
    add_term(ctx, "grams", grams.data, grams.len, 0);
    buf_free(&grams);
    free(piece);
}

static const struct store_words_fn fts_words = {add_digits, add_piece};

/* A filter: a condition on certificates, or a tag of the full-text table's
 * tags column (see store_sqlite_schema.c). Tags are made here from checked numbers
 * and fixed letters, never from what the user typed. */
static void add_filter(struct plan *p, const char *clause, const char *tag)
{
    buf_adds(&p->where, p->where.len ? " AND " : " WHERE ");
    buf_adds(&p->where, clause);
    if (tag && p->words.len)
        buf_addf(&p->match, " AND tags : \"%s\"", tag);
}

static int plan_make(const struct store_query *q, struct plan *p, char *err, size_t errlen)
{
    struct store_query_norm n;
    char tag[32];

    memset(p, 0, sizeof(*p));
    p->from_c = " c";
    p->lo = INT64_MIN;
    p->hi = INT64_MAX;
    if (store_query_words(q->q, &fts_words, &p->words, &p->nothing, err, errlen) < 0 ||
        store_query_check(q, &n, err, errlen) < 0)
        return -1;
    if (p->words.len)
        buf_addf(&p->match, "((%s)", p->words.data);
    if (q->course_id) {
        snprintf(tag, sizeof(tag), "c%" PRId64, q->course_id);
        add_filter(p, "c.course_id = :course", tag);
    }
    if (q->institution_id) {
        snprintf(tag, sizeof(tag), "i%" PRId64, q->institution_id);
        add_filter(p, "c.institution_id = :institution", tag);
    }
    /* The wall of a scoped staff account: filters no route can leave out. */
    if (q->scope.institution_id) {
        snprintf(tag, sizeof(tag), "i%" PRId64, q->scope.institution_id);
        add_filter(p, "c.institution_id = :scope_institution", tag);
    }
    if (q->scope.school_id) {
        snprintf(tag, sizeof(tag), "s%" PRId64, q->scope.school_id);
        add_filter(p, "c.school_id = :scope_school", tag);
    }
    if (n.type) {
        snprintf(p->type, sizeof(p->type), "%s", n.type);
        add_filter(p, "c.type = :type", p->type[0] == 'p' ? "tp" : "ta");
    }
    if (n.from_day) {
        snprintf(p->from, sizeof(p->from), "%s", q->from);
        p->lo = n.from_day * FTS_DAY;
        add_filter(p, "c.certified_at >= :from", NULL);
    }
    if (n.to_day) {
        snprintf(p->to, sizeof(p->to), "%s 23:59:59", q->to);
        p->hi = (n.to_day + 1) * FTS_DAY - 1;
        add_filter(p, "c.certified_at <= :to", NULL);
    }
    snprintf(p->now, sizeof(p->now), "%s", n.now);
    if (n.status == STORE_STATUS_VALID || n.status == STORE_STATUS_EXPIRED) {
        /* Neither is revoked (only revoked certificates have a tag); the
         * expiry is a condition on the row, against the clock. */
        p->expiry = n.status == STORE_STATUS_VALID ? NOT_EXPIRED : EXPIRED;
        add_filter(p, "c.revoked = 0", NULL);
        add_filter(p, p->expiry, NULL);
    } else if (n.status == STORE_STATUS_REVOKED) {
        add_filter(p, "c.revoked = 1", "r");
        /* The few revoked certificates have an index of their own; the
         * planner, knowing no sizes, would rather scan a covering one. */
        if (!q->course_id && !q->institution_id && !q->scope.institution_id)
            p->from_c = " c INDEXED BY certificates_revoked";
    }
    if (p->words.len)
        buf_addf(&p->match, ")%s",
                 n.status == STORE_STATUS_VALID || n.status == STORE_STATUS_EXPIRED
                     ? " NOT tags : \"r\""
                     : "");
    p->page = n.page;
    p->per_page = n.per_page;
    p->offset = n.offset;
    return 0;
}

static void plan_free(struct plan *p)
{
    buf_free(&p->words);
    buf_free(&p->match);
    buf_free(&p->where);
}

/* Without words, the total: with no filter SQLite counts the smallest index;
 * filters count entries of an index that holds them. */
static void count_sql(const struct plan *p, struct buf *sql)
{
    buf_addf(sql, "SELECT count(*) FROM certificates%s%s", p->from_c,
             p->where.data ? p->where.data : "");
}

/* The page: the keys of the page first (read off an index in order, or the
 * candidates the full-text walk found, as a JSON array in :keys, sorted),
 * then the columns of those rows only. */
static void page_sql(const struct plan *p, struct buf *sql)
{
    buf_adds(sql, "SELECT c.id, c.user_name, c.course_name, c.school_name, c.type, c.course_id,"
                  " c.institution_id, c.certified_at, c.latest, r.code, c.revoked, c.expires_at,"
                  " " EXPIRED
                  " FROM (SELECT c.seq AS seq FROM certificates");
    if (p->match.len)
        buf_adds(sql, " c WHERE c.seq IN (SELECT value FROM json_each(:keys))");
    else
        buf_addf(sql, "%s%s", p->from_c, p->where.data ? p->where.data : "");
    buf_adds(sql, ORDER " LIMIT :limit OFFSET :offset) p"
                        " JOIN certificates c ON c.seq = p.seq"
                        " LEFT JOIN revisions r ON r.id = c.id AND r.revision = c.latest" ORDER);
}

static void bind_named_text(sqlite3_stmt *s, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(s, name);
    if (i)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static void bind_named_int(sqlite3_stmt *s, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(s, name);
    if (i)
        sqlite3_bind_int64(s, i, v);
}

static void bind_plan(sqlite3_stmt *s, const struct plan *p, const struct store_query *q)
{
    if (p->match.len)
        bind_named_text(s, ":q", p->match.data);
    bind_named_int(s, ":course", q->course_id);
    bind_named_int(s, ":institution", q->institution_id);
    bind_named_int(s, ":scope_institution", q->scope.institution_id);
    bind_named_int(s, ":scope_school", q->scope.school_id);
    bind_named_text(s, ":type", p->type);
    bind_named_text(s, ":from", p->from);
    bind_named_text(s, ":to", p->to);
    bind_named_text(s, ":now", p->now);
    bind_named_int(s, ":lo", p->lo);
    bind_named_int(s, ":hi", p->hi);
    bind_named_int(s, ":limit", p->per_page);
    bind_named_int(s, ":offset", p->offset);
}

static int prepare(struct store_sqlite *st, sqlite3 *db, const char *sql, const struct plan *p,
                   const struct store_query *q, sqlite3_stmt **s, char *err, size_t errlen)
{
    if (sqlite3_prepare_v2(db, sql, -1, s, NULL) != SQLITE_OK) {
        store_sqlite_error(st, db, "search", err, errlen);
        return -1;
    }
    bind_plan(*s, p, q);
    return 0;
}

/* One integer from a query. */
static int query_int(struct store_sqlite *st, sqlite3 *db, const char *sql, const struct plan *p,
                     const struct store_query *q, int64_t *v, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    int rc = -1;

    if (prepare(st, db, sql, p, q, &s, err, errlen) < 0)
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *v = sqlite3_column_int64(s, 0);
        rc = 0;
    } else {
        store_sqlite_error(st, db, "search", err, errlen);
    }
    sqlite3_finalize(s);
    return rc;
}

static int64_t day_of(int64_t key)
{
    return (key - (key & (FTS_DAY - 1))) / FTS_DAY;
}

/* The full-text way, in one walk down the matches (keys only, newest day
 * first): the total, and the keys of every match on the days the page spans,
 * as a JSON array in keys, with p->offset made relative to the first of them.
 * Past the page, at most WALK_MAX more matches are walked to count them; the
 * rest are counted by FTS5 itself. */
#define WALK_MAX 5000
#define WALK_SQL "SELECT rowid FROM certificates_fts WHERE " FTS_WHERE " ORDER BY rowid DESC"
#define FTS_COUNT_SQL "SELECT count(*) FROM certificates_fts WHERE " FTS_WHERE

/* The walk's query (count 0) or the count's, with the plan's expiry if any. */
static void walk_sql(const struct plan *p, int count, struct buf *sql)
{
    if (!p->expiry)
        buf_adds(sql, count ? FTS_COUNT_SQL : WALK_SQL);
    else if (count)
        buf_addf(sql, "SELECT count(*)" FTS_JOIN "%s", p->expiry);
    else
        buf_addf(sql, "SELECT certificates_fts.rowid" FTS_JOIN "%s ORDER BY 1 DESC", p->expiry);
}

static int fts_walk(struct store_sqlite *st, sqlite3 *db, struct plan *p,
                    const struct store_query *q, int64_t *total, struct buf *keys, char *err,
                    size_t errlen)
{
    sqlite3_stmt *s = NULL;
    struct buf sql = BUF_INIT;
    int64_t pos = 0, last = p->offset + p->per_page - 1, cur = 0, skip = 0;
    int rc = -1, step, closed = 0;

    walk_sql(p, 0, &sql);
    if (prepare(st, db, sql.data, p, q, &s, err, errlen) < 0)
        goto out;
    buf_adds(keys, "[");
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t key = sqlite3_column_int64(s, 0), day = day_of(key);
        if (pos == 0 || day != cur) {
            cur = day;
            if (pos > last) {
                closed = 1; /* the page's last day is complete */
            } else if (pos <= p->offset) {
                buf_reset(keys); /* the page begins on this day or later */
                buf_adds(keys, "[");
                skip = pos;
            }
        }
        if (!closed)
            buf_addf(keys, "%s%" PRId64, keys->len > 1 ? "," : "", key & (FTS_DAY - 1));
        pos++;
        if (closed && pos > last + WALK_MAX)
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        store_sqlite_error(st, db, "search", err, errlen);
        goto out;
    }
    buf_adds(keys, "]");
    *total = pos;
    buf_reset(&sql);
    walk_sql(p, 1, &sql);
    if (step == SQLITE_ROW && query_int(st, db, sql.data, p, q, total, err, errlen) < 0)
        goto out;
    p->offset -= skip;
    rc = 0;
out:
    sqlite3_finalize(s);
    buf_free(&sql);
    return rc;
}

static void read_hit(sqlite3_stmt *s, struct store_hit *h)
{
    memset(h, 0, sizeof(*h));
    store_sqlite_col_copy(s, 0, h->id, sizeof(h->id));
    h->user_name = store_sqlite_col_dup(s, 1);
    h->course_name = store_sqlite_col_dup(s, 2);
    h->school_name = store_sqlite_col_dup(s, 3);
    h->type = store_sqlite_col_dup(s, 4);
    h->course_id = sqlite3_column_int64(s, 5);
    h->institution_id = sqlite3_column_int64(s, 6);
    store_sqlite_col_copy(s, 7, h->certified_at, sizeof(h->certified_at));
    h->revision = sqlite3_column_int(s, 8);
    store_sqlite_col_copy(s, 9, h->code, sizeof(h->code));
    h->revoked = sqlite3_column_int(s, 10) != 0;
    store_sqlite_col_copy(s, 11, h->expires_at, sizeof(h->expires_at));
    h->expired = sqlite3_column_int(s, 12) != 0;
}

static const struct store_query no_query;

int store_sqlite_search(struct store *base, const struct store_query *q, struct store_page *out,
                        char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    struct plan p;
    struct buf sql = BUF_INIT, keys = BUF_INIT;
    sqlite3_stmt *s = NULL;
    sqlite3 *db = NULL;
    int64_t offset;
    int rc = -1, step;

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
    db = store_sqlite_reader_get(st);
    /* One read transaction: the total and the page agree. */
    if (store_sqlite_exec(st, db, "BEGIN", "search", err, errlen) < 0)
        goto out;
    offset = p.offset;
    if (p.match.len) {
        if (fts_walk(st, db, &p, q, &out->total, &keys, err, errlen) < 0)
            goto out;
    } else {
        count_sql(&p, &sql);
        if (query_int(st, db, sql.data, &p, q, &out->total, err, errlen) < 0)
            goto out;
    }
    if (offset >= out->total) {
        rc = 0;
        goto out;
    }

    buf_reset(&sql);
    page_sql(&p, &sql);
    if (prepare(st, db, sql.data, &p, q, &s, err, errlen) < 0)
        goto out;
    bind_named_text(s, ":keys", keys.data);
    out->hits = xcalloc((size_t)p.per_page, sizeof(*out->hits));
    while ((step = sqlite3_step(s)) == SQLITE_ROW && out->n_hits < (size_t)p.per_page)
        read_hit(s, &out->hits[out->n_hits++]);
    if (step != SQLITE_DONE && step != SQLITE_ROW) {
        store_sqlite_error(st, db, "search", err, errlen);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    if (db) {
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        store_sqlite_reader_put(st, db);
    }
    if (rc < 0)
        store_page_free(out);
    buf_free(&sql);
    buf_free(&keys);
    plan_free(&p);
    return rc;
}

/* EXPLAIN QUERY PLAN of one statement, one line per step, indented by depth. */
static int explain(struct store_sqlite *st, sqlite3 *db, const char *what, const char *sql,
                   const struct plan *p, const struct store_query *q, struct buf *out, char *err,
                   size_t errlen)
{
    struct buf eqp = BUF_INIT;
    sqlite3_stmt *s = NULL;
    int ids[64], depth[64], n = 0, rc = -1, step;

    buf_addf(&eqp, "EXPLAIN QUERY PLAN %s", sql);
    if (prepare(st, db, eqp.data, p, q, &s, err, errlen) < 0)
        goto out;
    buf_addf(out, "%s:\n", what);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int id = sqlite3_column_int(s, 0), parent = sqlite3_column_int(s, 1), d = 0;
        for (int i = 0; i < n; i++)
            if (ids[i] == parent)
                d = depth[i] + 1;
        if (n < 64) {
            ids[n] = id;
            depth[n++] = d;
        }
        buf_addf(out, "%*s%s\n", 2 + 2 * d, "", (const char *)sqlite3_column_text(s, 3));
    }
    if (step != SQLITE_DONE) {
        store_sqlite_error(st, db, "search", err, errlen);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(s);
    buf_free(&eqp);
    return rc;
}

int store_sqlite_search_explain(struct store *base, const struct store_query *q, struct buf *out,
                                char *err, size_t errlen)
{
    struct store_sqlite *st = store_sqlite_of(base);
    struct plan p;
    struct buf sql = BUF_INIT;
    sqlite3 *db = NULL;
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
    db = store_sqlite_reader_get(st);
    if (p.match.len) {
        walk_sql(&p, 0, &sql);
        if (explain(st, db, "matches, newest day first", sql.data, &p, q, out, err, errlen) < 0)
            goto out;
    } else {
        count_sql(&p, &sql);
        if (explain(st, db, "total", sql.data, &p, q, out, err, errlen) < 0)
            goto out;
    }
    buf_reset(&sql);
    page_sql(&p, &sql);
    if (explain(st, db, "page", sql.data, &p, q, out, err, errlen) < 0)
        goto out;
    rc = 0;
out:
    if (db)
        store_sqlite_reader_put(st, db);
    buf_free(&sql);
    plan_free(&p);
    return rc;
}
