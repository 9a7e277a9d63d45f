/* The archive behind one narrow interface: certificates, their revisions and
 * PDFs, found by id, by verification code, or by search. This header knows
 * no SQLite, no cJSON, no libharu: it deals in plain fields and bytes. Each
 * call goes to the backend store_open picked (src/store_backend.h): today the
 * SQLite index with PDF files in a folder; a second backend (a database
 * shared by many servers) is new files behind this same header.
 *
 * Thread safety: one struct store may be used by many threads at once; each
 * call is atomic. Puts for the same certificate are serialised; puts for
 * different certificates render in parallel. Reads see committed data only.
 * Durability: when store_put returns 0, the PDF and the index row are on disk
 * (fsync'd), unless inside a batch, where that holds once store_batch_end
 * returns 0.
 *
 * Errors: functions returning int give 0 on success and -1 with a lowercase
 * message in err (naming the file or index concerned); lookups also return 1
 * for "not found". */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "buf.h"

#define STORE_ID_MAX 40   /* bytes of an id, with the NUL */
#define STORE_CODE_MAX 24 /* bytes of a verification code, with the NUL */
/* A search text (store_query.q): at most this many bytes and words
 * (separated by ASCII white space); longer ones are refused. */
#define STORE_Q_MAX_BYTES 256
#define STORE_Q_MAX_WORDS 16

enum store_outcome { STORE_ISSUED, STORE_UNCHANGED, STORE_REVISED, STORE_STALE };

/* What the index keeps of one event: plain, validated values. */
struct store_fields {
    int64_t institution_id, user_id, course_id, school_id;
    const char *user_name, *user_email, *user_cpf;    /* cpf: digits or NULL */
    const char *course_name, *school_name, *workload; /* workload in words or raw */
    const char *type;                                 /* "participation" / "achievement" */
    /* "yyyy-MM-dd HH:mm:ss"; enrolled_at may be NULL */
    const char *certified_at, *concluded_at, *enrolled_at;
    int has_approval_rate;
    double approval_rate;
    const char *canonical; /* decides unchanged vs revised */
    const char *send_at;   /* event.send_at, "yyyy-MM-dd HH:mm:ss"; NULL: unknown */
    const char *raw;       /* the event body as received, archived with the revision */
    size_t raw_len;
    /* "yyyy-MM-dd HH:mm:ss" after which the certificate has expired (the
     * course's validity), NULL: it never expires */
    const char *expires_at;
};

/* What store_put hands the renderer before it writes anything. */
struct store_ticket {
    char id[STORE_ID_MAX];
    int revision;
    char code[STORE_CODE_MAX];
};

/* Make the PDF for a ticket: append it to pdf; 0, or -1 with err set. It runs
 * holding the certificate's lock: it may read the store (store_get, ...) but
 * must not call store_put, store_batch_*, store_rerender or store_revoke. */
typedef int (*store_render_fn)(void *ctx, const struct store_ticket *t, struct buf *pdf, char *err,
                               size_t errlen);

/* Make again the PDF of an archived revision (rerender, crash recovery) from
 * its archived raw event body raw[0..raw_len) (raw[raw_len] is a NUL): append it
 * to pdf, and write into expires_at (given as "") the expiry the new PDF
 * prints, "yyyy-MM-dd HH:mm:ss", or leave it "" for none: for the latest
 * revision the index takes it as the certificate's expires_at, so that the
 * index and the PDF agree (a course's validity may have changed). 0, or -1
 * with err set. Same rules as store_render_fn; during store_open it runs
 * before the store is handed out. */
typedef int (*store_rerender_fn)(void *ctx, const struct store_ticket *t, const char *raw,
                                 size_t raw_len, struct buf *pdf, char expires_at[20], char *err,
                                 size_t errlen);

struct store_result {
    struct store_ticket ticket;
    enum store_outcome outcome;
};

struct store_revision {
    int revision;
    char code[STORE_CODE_MAX];
    char created_at[20]; /* when archived, UTC "yyyy-MM-dd HH:mm:ss" */
    int superseded;      /* a later revision exists */
    char send_at[20];    /* its event's send_at, "" when unknown */
    char sha256[65];     /* of the PDF, hex */
    int64_t size;
    int generation; /* 0 for the first file, +1 each time it was re-made */
    /* The store folder as given to store_open + "/pdf/..."; NULL when the
     * backend keeps the PDF itself (PostgreSQL): read it with store_pdf. */
    char *pdf_path;
};

struct store_cert {
    char id[STORE_ID_MAX];
    int64_t institution_id, user_id, course_id, school_id;
    char *user_name, *user_email, *user_cpf, *course_name, *school_name, *workload, *type;
    char certified_at[20], concluded_at[20], enrolled_at[20]; /* enrolled_at "" when absent */
    int has_approval_rate;
    double approval_rate;
    int latest; /* the latest revision number */
    int revoked;
    char *revoke_reason;         /* NULL unless revoked */
    char revoked_at[20];         /* UTC, "" unless revoked */
    char expires_at[20];         /* of the latest revision, "" when it never expires */
    int expired;                 /* expires_at is past (store_expired) when read */
    struct store_revision *revs; /* oldest first */
    size_t n_revs;
};

/* What store_open did to recover from a crash. */
struct store_recovery {
    int exclusive;        /* 1: this process opened the store alone and checked it */
    long temp_removed;    /* temporary files removed */
    long orphans_removed; /* PDFs without an index row removed */
    long remade;          /* rows whose PDF was missing or damaged, made again */
};

/* Counts for /metrics and benchmarks. Times are totals since store_open. */
struct store_stats {
    int64_t certificates, revisions, revoked; /* in the index */
    uint64_t renders;                         /* calls of a render or rerender function */
    uint64_t fsyncs;                          /* of PDF files and folders */
    double fsync_seconds;                     /* spent in those fsyncs */
    uint64_t commits;                         /* index transactions committed */
    double commit_seconds; /* spent committing (SQLite's own fsyncs of the index) */
};

struct store;

/* Open the archive at where. A folder (any location that is not a URI) is the
 * SQLite backend: the folder (mode 0750) and the index are created when both
 * are absent. When no other process has the store open, recover from any
 * crash: temporary files removed, PDFs without a row removed, rows whose PDF
 * is missing or does not match its SHA-256 re-made with rerender_fn as a new
 * file (rerender_fn may be NULL: then such rows make store_open fail). When
 * another process has it open, recovery is left to the next lone opener.
 * Refuses, with a clear err and without touching anything, an index it cannot
 * read ("index 'out/index.sqlite' is damaged: ..."), one locked by another
 * process, and a missing or empty index next to existing PDFs. A URI
 * ("scheme://...") names another kind of store: "postgresql://" and
 * "postgres://" (any libpq connection URI) are the PostgreSQL backend, which
 * keeps everything, the PDFs included, in the database (its schema made or
 * upgraded at open); err never repeats a URI (it may hold a password). NULL
 * on failure; free with store_close. */
struct store *store_open(const char *where, store_rerender_fn rerender_fn, void *rerender_ctx,
                         char *err, size_t errlen);
/* Whether store_open can take where as a kind of store built in: 0, or -1
 * with the error store_open would give (for callers that keep files of their
 * own next to a store, before they make any). */
int store_check_location(const char *where, char *err, size_t errlen);
/* 1 when where names a database (a URI) rather than a folder: callers keep
 * no files of their own in it. */
int store_is_database(const char *where);
/* "issued", "unchanged", "revised" or "stale": how the command line, the audit and the
 * webhook's metrics name an outcome. A static string. */
const char *store_outcome_name(enum store_outcome o);
/* Close; a batch still open is rolled back (its files removed). NULL is fine. */
void store_close(struct store *st);
/* Where the store is, as given to store_open (less trailing slashes; a URI
 * without its user and password); owned by the store. */
const char *store_dir(const struct store *st);
void store_recovery_info(const struct store *st, struct store_recovery *out);

/* Archive one event, as store_decide says against the certificate's
 * revisions. STORE_UNCHANGED and STORE_STALE write nothing and do not call
 * fn; res has the latest revision and its code. Otherwise a new revision with
 * a fresh code, fn called once to make the PDF, file and row written durably,
 * f->send_at kept with the revision, and the outcome STORE_ISSUED (revision 1)
 * or STORE_REVISED. A revoked certificate stays revoked when revised. 0, or
 * -1 with err set (nothing half-written is left behind; inside a batch, the
 * batch goes on without this put). */
int store_put(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
              struct store_result *res, char *err, size_t errlen);
/* The look store_put starts with: whether it would write nothing, when one
 * read of what is committed tells. 1 yes (res filled as store_put fills it:
 * unchanged, or stale where the backend can tell), 0 when a write may be
 * due or the look could not tell (the put then decides under its lock, and
 * reports any error). Takes no lock a put holds, so a redelivery never waits
 * behind a render or a commit. While a batch is open: 0. */
int store_peek(struct store *st, const struct store_fields *f, struct store_result *res);
/* store_put without that look, for a caller that has just had 0 from
 * store_peek for the same f (the webhook, whose look is on another thread
 * than its render). The same contract. */
int store_write(struct store *st, const struct store_fields *f, store_render_fn fn, void *ctx,
                struct store_result *res, char *err, size_t errlen);

/* Group puts into one index transaction; durable when batch_end returns 0.
 * One batch at a time: while one is open, puts, rerenders and revocations
 * from other threads wait until it ends. If batch_end fails, every put of the
 * batch is undone (rows and files). */
int store_batch_begin(struct store *st, char *err, size_t errlen);
int store_batch_end(struct store *st, char *err, size_t errlen);
/* Let the calling thread put inside the batch another thread has open (a
 * parallel import): its puts, rerenders and revocations become part of that
 * batch (rendered in parallel, their rows savepoints of the batch's
 * transaction), until store_batch_leave. store_batch_end waits until every
 * thread that joined has left. -1 with err when no batch is open or the
 * backend cannot share one (store_batch_joinable says 0). */
int store_batch_join(struct store *st, char *err, size_t errlen);
void store_batch_leave(struct store *st);
int store_batch_joinable(const struct store *st);

/* The wall around what a staff account may see: a certificate is inside
 * when its institution is institution_id and, when school_id is not 0, its
 * school is school_id. All zero (or a NULL scope): everything. */
struct store_scope {
    int64_t institution_id, school_id;
};

/* 0 found (free with store_cert_free), 1 not found, -1 error. */
int store_get(struct store *st, const char *id, struct store_cert *out, char *err, size_t errlen);
/* store_get within a scope (NULL: none): a certificate outside it is not
 * found (1), by the same single lookup as an unknown id, the scope being part
 * of the query. */
int store_get_in(struct store *st, const struct store_scope *scope, const char *id,
                 struct store_cert *out, char *err, size_t errlen);
/* Case-insensitive, dashes optional. Also says which revision the code is.
 * A malformed code is simply not found (1). */
int store_get_by_code(struct store *st, const char *code, struct store_cert *out, int *revision,
                      char *err, size_t errlen);

/* Which archived file has a given SHA-256: a revision's file as it is now, or
 * one it had before rerender or recovery re-made it (earlier = 1). */
struct store_file_match {
    char id[STORE_ID_MAX];
    int revision;
    char code[STORE_CODE_MAX];
    int earlier;
};
/* sha256: 64 lowercase hex digits. 0 found, 1 no archived file has it, -1
 * error. A file that is both current and earlier is reported as current. */
int store_find_file(struct store *st, const char *sha256, struct store_file_match *out, char *err,
                    size_t errlen);
/* Frees what store_get filled in (not c itself); c is zeroed. */
void store_cert_free(struct store_cert *c);

/* The PDF of a revision (appended to out): 0, 1 not found, -1 error. */
int store_pdf(struct store *st, const char *id, int revision, struct buf *out, char *err,
              size_t errlen);
/* Whether the store answers now (for /healthz): 0, or -1 with err. A folder
 * store always does (its folder is checked by the caller); a database store
 * runs a query, failing within its connection timeout while it is down. */
int store_ping(struct store *st, char *err, size_t errlen);

/* The archived raw event of a revision (appended to out): 0, 1 not found, -1. */
int store_raw_event(struct store *st, const char *id, int revision, struct buf *out, char *err,
                    size_t errlen);

/* Which certificates store_rerender re-makes: those certified on or after
 * since ("yyyy-MM-dd", NULL: any date) and, when institution_id is not 0,
 * only that institution's. A NULL filter, or one all zero: every certificate,
 * one at a time. jobs: how many are re-made at once (0 or 1: one; at most
 * JOBS_MAX, jobs.h), each on its own thread. */
struct store_rerender_filter {
    const char *since;
    int64_t institution_id;
    size_t jobs;
};

/* Re-make the latest revision's PDF of every certificate the filter f takes
 * (NULL: all), in id order (f->jobs at once: fn is then called from that many
 * threads together), fn gets the same ticket
 * (id, revision, code) and the archived raw event. Each new PDF is a new file
 * (generation + 1, see the README) written durably, its path, SHA-256 and size
 * recorded in the index; the previous file is removed only after that commit.
 * *count (may be NULL) says how many were re-made, also on failure, which
 * stops at the first certificate fn fails for (those under way on other
 * threads finish). */
int store_rerender(struct store *st, const struct store_rerender_filter *f, store_rerender_fn fn,
                   void *ctx, size_t *count, char *err, size_t errlen);

/* Mark a certificate revoked with a reason (all its revisions stop verifying
 * as valid). 0 done (revoking again keeps the first reason and time), 1 no
 * such id, -1 error. */
int store_revoke(struct store *st, const char *id, const char *reason, char *err, size_t errlen);
/* store_revoke within a scope (NULL: none): a certificate outside it is not
 * found (1) and stays as it is. */
int store_revoke_in(struct store *st, const struct store_scope *scope, const char *id,
                    const char *reason, char *err, size_t errlen);

int store_stats(struct store *st, struct store_stats *out, char *err, size_t errlen);

/* Search for the staff listing. Every field is optional (NULL / 0). */
struct store_query {
    const char *q; /* words matched, accent- and case-insensitively, as
                      prefixes against name, e-mail, CPF digits and course
                      name ("joao silv" finds "João da Silva"); see
                      store_search for other scripts */
    int64_t course_id, institution_id;
    const char *type;         /* "participation" / "achievement" */
    const char *from, *to;    /* certified_at, "yyyy-MM-dd", both inclusive */
    const char *status;       /* "valid" (neither revoked nor expired), "revoked", or
                                 "expired" (expired and not revoked) */
    const char *now;          /* "yyyy-MM-dd HH:mm:ss" UTC that expiry compares with;
                                 NULL: the clock */
    int page;                 /* 1-based; 0 means 1 */
    int per_page;             /* 1..100; 0 means 20 */
    struct store_scope scope; /* the searcher's wall, added to the filters */
};

/* One row of a result page: the certificate's latest revision. */
struct store_hit {
    char id[STORE_ID_MAX];
    char *user_name, *course_name, *school_name, *type;
    int64_t course_id, institution_id;
    char certified_at[20];
    int revision;              /* the latest */
    char code[STORE_CODE_MAX]; /* of the latest revision */
    int revoked;
    char expires_at[20]; /* "" when it never expires */
    int expired;         /* expires_at is past the query's now */
};

struct store_page {
    struct store_hit *hits;
    size_t n_hits;
    int64_t total; /* matches over all pages */
    int page, per_page;
};

/* Newest certified first (then id). 0, or -1 with err (a bad query, such as
 * a malformed date, is an error naming the field). Free with store_page_free.
 * q is split at white space into at most 16 words (256 bytes in all); every
 * word must match; quotes, '*', '-', OR, NEAR, ... are plain characters, and a
 * q with no letter or digit at all matches nothing.
 * Every backend folds names, course names and the words alike, per script:
 * Latin, Greek, Cyrillic and the other cased scripts ignore case; Latin and
 * Greek ignore accents, Cyrillic ё is е; Arabic ignores harakat, Quranic
 * marks and tatweel, and takes أ إ آ ٱ as ا, ى and Persian ی as ي, ة as ه and
 * Persian ک as ك; Hebrew ignores its points; invisible format characters (ZWJ,
 * ZWNJ, bidi marks) are ignored; a word of other scripts (Devanagari, Thai,
 * ...) is a prefix of a word as typed. CJK (Han, Hiragana, Katakana, Hangul)
 * is not split into words: a word of two or more CJK characters matches
 * wherever those characters stand in a row in the name or course name (white
 * space between CJK characters does not count: "山田太郎" finds "山田 太郎"),
 * and a single CJK character matches a name with a word beginning with it
 * ("王" finds "王小明", "小" does not). A word mixing CJK and other characters
 * must match in each part. */
int store_search(struct store *st, const struct store_query *q, struct store_page *out, char *err,
                 size_t errlen);
void store_page_free(struct store_page *p);
/* For tests and benchmarks: how the backend would run this search (SQLite:
 * the EXPLAIN QUERY PLAN lines of its total and page queries), appended to
 * out. 0, or -1 with err as store_search. */
int store_search_explain(struct store *st, const struct store_query *q, struct buf *out, char *err,
                         size_t errlen);

/* Staff accounts. A token is 32 random bytes in base64url (43 characters);
 * the index keeps only its SHA-256. */
struct store_staff {
    char name[64];
    struct store_scope scope; /* zero: sees every certificate */
    char created_at[20];
    char revoked_at[20]; /* "" while active */
};

/* Add an account and write its new token into token (printed once by the
 * caller, never stored). 0, or -1 (a name already active is an error; names are
 * 1..63 characters of letters, digits, '.', '_', '-' and '@'). */
int store_staff_add(struct store *st, const char *name, char token[64], char *err, size_t errlen);
/* The same for an account that sees only the certificates inside scope
 * (NULL or zero: all; a school_id needs an institution_id). */
int store_staff_add_in(struct store *st, const char *name, const struct store_scope *scope,
                       char token[64], char *err, size_t errlen);
/* All accounts, active and revoked, by name. Free *out with free(). */
int store_staff_list(struct store *st, struct store_staff **out, size_t *n, char *err,
                     size_t errlen);
/* 0 revoked, 1 no such active account, -1 error. */
int store_staff_revoke(struct store *st, const char *name, char *err, size_t errlen);
/* Who holds this token: 0 and the name, 1 no active account has it, -1 error.
 * The comparison of SHA-256 digests runs in constant time. */
int store_staff_check(struct store *st, const char *token, char name[64], char *err, size_t errlen);
/* The same, also saying the account's scope (may be NULL). */
int store_staff_check_in(struct store *st, const char *token, char name[64],
                         struct store_scope *scope, char *err, size_t errlen);

/* Webhook tokens of one institution each: a delivery they authenticate may
 * issue only for that institution. Made, kept (as SHA-256) and checked as
 * staff tokens are; a label names each (1..63 characters as staff names). */
struct store_webhook_token {
    char label[64];
    int64_t institution_id;
    char created_at[20];
    char revoked_at[20]; /* "" while active */
};

/* Add a token for institution_id (> 0) under label (NULL: "institution-ID")
 * and write the token into token (printed once by the caller). 0, or -1 (an
 * active label is an error). */
int store_webhook_token_add(struct store *st, int64_t institution_id, const char *label,
                            char token[64], char *err, size_t errlen);
/* All tokens, active and revoked, by label. Free *out with free(). */
int store_webhook_token_list(struct store *st, struct store_webhook_token **out, size_t *n,
                             char *err, size_t errlen);
/* 0 revoked, 1 no such active label, -1 error. */
int store_webhook_token_revoke(struct store *st, const char *label, char *err, size_t errlen);
/* Which institution this token is for: 0 and *institution_id, 1 no active
 * token, -1 error. Looked up by its SHA-256 digest. */
int store_webhook_token_check(struct store *st, const char *token, int64_t *institution_id,
                              char *err, size_t errlen);

/* The audit log of the webhook (audit.h formats the lines; the store keeps
 * them, so that every node of a shared store writes to one log). SQLite
 * store: the day files of audit.h under <store>/audit. */

/* Keep one record (r->line, no newline, and its keys). Thread-safe; one
 * record is never mixed with another. 0, or -1 with err. */
int store_audit_append(struct store *st, const struct audit_record *r, char *err, size_t errlen);
/* Call fn for every record f lets through (NULL: all), oldest first, in the
 * order they were appended; r is valid during the call only. A stable order:
 * the same records come in the same order every time. 0, or -1 with err
 * (fn's, or the store's). */
int store_audit_each(struct store *st, const struct audit_filter *f, audit_each_fn fn, void *ctx,
                     char *err, size_t errlen);

/* Moving an archive between stores (certifica copy): each backend yields
 * its content and writes another's exactly, with the same ids, revisions,
 * codes, times and token digests. */

/* What a revision holds beyond struct store_revision: its bytes. */
struct store_copy_rev {
    int revision;
    char code[STORE_CODE_MAX];
    char created_at[20], rendered_at[20]; /* UTC "yyyy-MM-dd HH:mm:ss" */
    char send_at[20];                     /* "" when unknown */
    int superseded, generation;
    char sha256[65];      /* of pdf, hex, as the source's index says */
    struct buf canonical; /* the canonical text (decides unchanged vs revised) */
    struct buf raw;       /* the event body as received */
    struct buf pdf;       /* the PDF, byte for byte */
    struct buf earlier;   /* files a rerender replaced: "SHA-256 replaced_at\n" each */
};
void store_copy_rev_free(struct store_copy_rev *r);

/* Called with each certificate (as store_get fills it, revisions without
 * their bytes): 0 to go on, -1 to stop with err set. */
typedef int (*store_cert_each_fn)(void *ctx, const struct store_cert *c, char *err,
                                  size_t errlen);
/* Every certificate, by id (byte order), unscoped: fn as above. 0, or -1. */
int store_cert_each(struct store *st, store_cert_each_fn fn, void *ctx, char *err, size_t errlen);
/* One revision with its bytes into *out (zeroed first; free with
 * store_copy_rev_free): 0, 1 no such revision, -1 error (also when the PDF
 * cannot be read). */
int store_copy_read(struct store *st, const char *id, int revision, struct store_copy_rev *out,
                    char *err, size_t errlen);
/* Write certificate c (its fields, latest, revocation) and the revisions
 * revs[0..n) exactly as given, in one transaction, durably: PDFs byte for
 * byte, the same codes, times, superseded flags and send_at. Idempotent: a
 * revision the store has already with the same code is left as it is; one it
 * has with another code, or a code another certificate holds, is an error
 * naming the certificate, and nothing is written. 0, or -1 with err. */
int store_copy_put(struct store *st, const struct store_cert *c, const struct store_copy_rev *revs,
                   size_t n, char *err, size_t errlen);

/* A staff account or webhook token as copy moves it: its digest, never a
 * token. */
enum store_cred_kind { STORE_CRED_STAFF, STORE_CRED_WEBHOOK };
struct store_cred {
    enum store_cred_kind kind;
    char name[64];            /* staff name, or webhook token label */
    struct store_scope scope; /* staff: its scope; webhook: institution_id only */
    unsigned char sha256[32]; /* of the token */
    char created_at[20];
    char revoked_at[20]; /* "" while active */
};
typedef int (*store_cred_each_fn)(void *ctx, const struct store_cred *c, char *err, size_t errlen);
/* Every staff account (by name, then created_at) then every webhook token
 * (by label, then created_at), active and revoked. 0, or -1. */
int store_cred_each(struct store *st, store_cred_each_fn fn, void *ctx, char *err, size_t errlen);
/* Keep c exactly. Idempotent: the same digest already there is left as it is
 * (0), except that a revocation the store lacks is added. An active name or
 * label already held by another digest is an error naming it. 0, or -1. */
int store_cred_put(struct store *st, const struct store_cred *c, char *err, size_t errlen);
/* 1 when a store is at where (SQLite: the folder has its index), 0 when
 * there is none (nothing made), -1 with err when that cannot be told. For
 * commands that must not make a store by reading one (copy --from). */
int store_exists(const char *where, char *err, size_t errlen);

/* Helpers shared by every backend. Pure or thread-safe. */

/* The certificate id of a triple: 16 lowercase base32 characters (RFC 4648
 * alphabet, no padding) of the first 80 bits of
 * SHA-256("certifica/v1:" inst ":" user ":" course). 0, or -1 (libcrypto). */
int store_id_make(int64_t institution_id, int64_t user_id, int64_t course_id,
                  char out[STORE_ID_MAX]);
/* A fresh verification code: 75 random bits (RAND_bytes) as 15 Crockford
 * base32 symbols, "XXXXX-XXXXX-XXXXX". 0, or -1 when the random source fails. */
int store_code_generate(char out[STORE_CODE_MAX]);
/* Bring a code as typed into the form store_code_generate writes: dashes
 * optional, case-insensitive, O read as 0, I and L as 1. -1 when malformed. */
int store_code_normalize(const char *in, char out[STORE_CODE_MAX]);
/* The rule of store_put, the same in every backend. latest_canonical and
 * latest_send_at are the latest revision's (latest_canonical NULL: none yet;
 * latest_send_at NULL or "": unknown); earlier_same says whether an earlier,
 * superseded revision has f->canonical (asked only when it differs from the
 * latest's). Times compare as their "yyyy-MM-dd HH:mm:ss" text; a time is
 * newer or older only when both are known.
 * - no revision yet: STORE_ISSUED;
 * - same content as the latest, whatever send_at: STORE_UNCHANGED;
 * - send_at older than the latest's: STORE_STALE (a late delivery of an older
 *   state, even one never seen, must not undo a newer correction);
 * - send_at newer than the latest's: STORE_REVISED (even back to an earlier
 *   content: a real change);
 * - otherwise (same send_at, or one unknown): STORE_STALE when an earlier
 *   revision has this content (a late retry), else STORE_REVISED. */
enum store_outcome store_decide(const char *latest_canonical, const char *latest_send_at,
                                int earlier_same, const struct store_fields *f);
/* 1 when a certificate with expires_at ("yyyy-MM-dd HH:mm:ss", NULL or "":
 * never) has expired at now ("yyyy-MM-dd HH:mm:ss" UTC; NULL: the clock):
 * now is past expires_at. Times compare as their text. */
int store_expired(const char *expires_at, const char *now);
/* 1 when s has the shape of a certificate id (16 characters of a-z, 2-7). */
int store_id_valid(const char *s);
/* 1 when name is a possible staff account name (see store_staff_add). */
int store_staff_name_valid(const char *name);

#endif
