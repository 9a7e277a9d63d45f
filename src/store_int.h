/* Internals shared by every store backend (not part of the interface):
 * durable file operations and clocks (store_fs.c), random names
 * (store_code.c) and the PDF files' names (store_pdf.c). */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "store.h"

/* A set of folders whose fsync is owed (a batch defers them to its end). */
struct store_dirset {
    char **v;
    size_t n, cap;
    int files_later; /* the files placed with it are not fsync'd: store_fs_sync_all */
};

/* Remember dir (copied) unless already there. */
void store_dirset_add(struct store_dirset *s, const char *dir);
/* fsync every folder, then forget them all (also on failure). */
int store_dirset_sync(struct store_dirset *s, char *err, size_t errlen);
void store_dirset_free(struct store_dirset *s);

uint64_t store_now_ns(void); /* monotonic */
/* Now, UTC, as "yyyy-MM-dd HH:mm:ss". */
void store_now_utc(char out[20]);

/* Time spent in fsync, for store_stats; the store adds these up. */
struct store_fs_clock {
    uint64_t fsyncs;
    uint64_t ns;
};

/* fsync a folder. */
int store_fs_sync_dir(const char *dir, struct store_fs_clock *clk, char *err, size_t errlen);

/* mkdir -p with mode; each folder made is followed by an fsync of its parent,
 * now (defer NULL) or added to defer. */
int store_fs_mkdirs(const char *path, mode_t mode, struct store_dirset *defer,
                    struct store_fs_clock *clk, char *err, size_t errlen);

/* Write data as dir/name without ever replacing an existing file: write a
 * temporary file in dir (O_EXCL, named by tmp_name), fsync it (unless !sync:
 * then the caller syncs the file system before anything names the file), and
 * rename it to name only if name does not exist. The folder is not fsync'd. 0 placed, 1
 * name already exists (nothing left behind), -1 error. ENOENT for dir is
 * reported as errno ENOENT with -1 so that the caller can make the folders. */
int store_fs_place(const char *dir, const char *name, const char *tmp_name, const void *data,
                   size_t len, int sync, struct store_fs_clock *clk, char *err, size_t errlen);
/* syncfs of the file system that holds dir: every file written before is on
 * disk when it returns 0 (one flush for a whole batch of files). */
int store_fs_sync_all(const char *dir, struct store_fs_clock *clk, char *err, size_t errlen);

/* SHA-256 of bytes, as 64 lowercase hex digits and a NUL. */
void store_fs_sha256(const void *data, size_t len, char hex[65]);
/* SHA-256 and size of a file: 0, 1 the file does not exist, -1 error. */
int store_fs_sha256_file(const char *path, char hex[65], int64_t *size, char *err, size_t errlen);

/* Call fn for every regular file under root, at most depth folders down, with
 * the folder path and the file name. A missing root is empty. fn returns 0 to
 * go on, -1 to stop with err set. */
int store_fs_walk(const char *root, int depth,
                  int (*fn)(void *ctx, const char *dir, const char *name, char *err, size_t errlen),
                  void *ctx, char *err, size_t errlen);
/* 1 when the folder exists and holds anything, 0 when absent or empty, -1. */
int store_fs_nonempty(const char *dir, char *err, size_t errlen);

/* n random bytes from the cryptographic source as 2n hex digits + NUL. */
int store_random_hex(char *out, size_t nbytes);

/* The PDF files under the store folder root (store_pdf.c, the only code that
 * knows their names): a revision's file is
 * pdf/<institution>/<yyyy>/<mm>/<id>-r<revision>.pdf, with ".g<generation>"
 * before ".pdf" once made again, and ".<id>-r<revision>.<random>.tmp" while
 * being written. Paths called rel are relative to root, as an index keeps them. */
#define STORE_PDF_FOLDER "pdf"

/* Write a ticket's PDF durably under the folder of (inst, year, mon),
 * starting at generation *gen and taking the next one while a name is taken.
 * rel gets the path. The folder's fsync is done now (defer NULL) or added to
 * defer. 0, or -1 with err (nothing left behind). */
int store_pdf_place(const char *root, int64_t inst, int year, int mon, const struct store_ticket *t,
                    int *gen, const struct buf *pdf, struct store_dirset *defer,
                    struct store_fs_clock *clk, struct buf *rel, char *err, size_t errlen);
/* Remove a placed file whose row was not committed (best effort). */
void store_pdf_unplace(const char *root, const char *rel);
/* The folder of a path store_pdf_place made, so that a file made again goes
 * next to the one it replaces: 0, or -1 when rel is not of that shape. */
int store_pdf_folder_of(const char *rel, int64_t *inst, int *year, int *mon);

/* Whether the index names the file rel as the one of (id, revision): 1 keep
 * it, 0 remove it, -1 error with err set. */
typedef int (*store_pdf_keep_fn)(void *ctx, const char *rel, const char *id, int revision,
                                 char *err, size_t errlen);
struct store_pdf_swept {
    long temp_removed, orphans_removed;
};
/* Crash recovery's sweep of root's PDF folders: temporary files removed, each
 * file named as a revision's kept or removed as keep says (other files are
 * left alone), the folders touched fsync'd; swept counts the removals. */
int store_pdf_sweep(const char *root, store_pdf_keep_fn keep, void *ctx,
                    struct store_pdf_swept *swept, char *err, size_t errlen);

struct caltime;
/* What store_put checks before anything (store_rule.c): a renderer given
 * (have_fn), the required fields present, ids positive, certified_at (into
 * when) and send_at well-formed times, the event's size; and the id of the
 * triple into id. 0, or -1 with err naming the field. */
int store_put_check(const struct store_fields *f, int have_fn, struct caltime *when,
                    char id[STORE_ID_MAX], char *err, size_t errlen);

/* A search query as every backend reads it (store_query.c). The words of q:
 * a word of digits with CPF punctuation gives digits() its digits (a prefix
 * of a word); another word is folded (store_fold_text) and each of its
 * pieces (store_fold_piece) with a letter, digit or non-ASCII character goes
 * to piece(), cjk being its count of CJK characters (0: none). 0, with
 * *nothing set when q had words but none searchable, or -1 with err (too
 * long, too many words). */
struct store_words_fn {
    void (*digits)(void *ctx, const char *d, size_t n);
    void (*piece)(void *ctx, const char *w, size_t n, size_t cjk);
};
int store_query_words(const char *q, const struct store_words_fn *fn, void *ctx, int *nothing,
                      char *err, size_t errlen);
/* valid: neither revoked nor expired; expired: past expires_at, not revoked. */
enum store_status_filter {
    STORE_STATUS_ANY,
    STORE_STATUS_VALID,
    STORE_STATUS_REVOKED,
    STORE_STATUS_EXPIRED
};
/* The other fields, checked in this order, each error naming its field. */
struct store_query_norm {
    const char *type;         /* "participation", "achievement" or NULL */
    int64_t from_day, to_day; /* yyyyMMdd as a number, 0 when not given */
    enum store_status_filter status;
    char now[20]; /* the query's now, or the clock's (UTC), for expiry */
    int page, per_page; /* defaults filled in */
    int64_t offset;
};
int store_query_check(const struct store_query *q, struct store_query_norm *out, char *err,
                      size_t errlen);

/* Tokens (store_token.c): a fresh one, 32 random bytes in base64url, and
 * its SHA-256; the digest of a presented one. 0, or -1 with err. */
#define STORE_TOKEN_DIGEST 32
int store_token_new(char token[64], unsigned char md[STORE_TOKEN_DIGEST], char *err,
                    size_t errlen);
int store_token_digest(const char *token, unsigned char md[STORE_TOKEN_DIGEST], char *err,
                       size_t errlen);
/* A new staff token, once name (store_staff_name_valid) and scope (NULL: all;
 * a school needs its institution) are checked. 0, or -1 with err. */
int store_staff_token_new(const char *name, const struct store_scope *scope, char token[64],
                          unsigned char md[STORE_TOKEN_DIGEST], char *err, size_t errlen);
/* A new webhook token, once institution_id (> 0) and *label are checked;
 * a NULL *label becomes "institution-ID" in deflabel. 0, or -1 with err. */
int store_webhook_token_new(int64_t institution_id, const char **label, char deflabel[64],
                            char token[64], unsigned char md[STORE_TOKEN_DIGEST], char *err,
                            size_t errlen);

/* Search text (store_fold.c), the same for every backend. A name or course
 * name is folded where its script allows it: invisible format characters
 * (ZWJ, ZWNJ, bidi marks) dropped; Arabic harakat, Quranic marks and tatweel
 * dropped, alef forms to bare alef, alef maksura and Persian yeh to yeh, ta
 * marbuta to heh, Persian kaf to kaf; Hebrew points dropped; Greek accents
 * dropped and final sigma to sigma; Cyrillic yo to ye; other non-Latin
 * letters lowercased; full- and half-width forms to their plain ones; a space
 * between a run of CJK characters (Han, Hiragana, Katakana, Hangul) and a
 * letter or digit of another script. Latin text is left as it is (the full-text
 * tokenizer folds its case and accents). Returns a string to free(), or NULL
 * when the folded text is s itself. */
char *store_fold_text(const char *s);
/* The CJK bigrams of a folded text, appended to out: in every sequence of CJK
 * characters (white space between them does not end one), each two consecutive
 * characters as one word; sequences are separated by the word "0", so that no
 * two bigrams of different sequences are neighbours. Nothing for a text with
 * no two CJK characters in a row. */
void store_fold_grams(const char *folded, struct buf *out);
/* The next piece of a folded query word at s (n bytes): its length in bytes,
 * white space skipped before it in *skip; *cjk is the number of CJK characters
 * in it (0: no CJK, a piece of other characters). A piece is a run of CJK
 * characters or a run of others without white space. */
size_t store_fold_piece(const char *s, size_t n, size_t *skip, size_t *cjk);

/* The fields of a certificate store_copy_put is given make one: its id is
 * its triple's, its certified_at a time (into *when), its text fields there
 * and latest at least 1. 0, or -1 with err naming the certificate. */
struct caltime;
int store_copy_check(const struct store_cert *c, struct caltime *when, char *err, size_t errlen);

/* A staff account or webhook token store_cred_put is given: a valid name,
 * a scope (a webhook token's institution), a created_at. 0, or -1 with err. */
int store_cred_check(const struct store_cred *c, char *err, size_t errlen);

/* The expiry a rerender function wrote for ticket t: "" or a calendar time
 * (made a string first). 0, or -1 with err naming the revision. */
int store_remade_expiry_check(char expires_at[20], const struct store_ticket *t, char *err,
                              size_t errlen);

/* The earlier files of a copied revision (store_copy_rev.earlier,
 * store_earlier.c): add one line; read the next from *pos: 1 got one, 0 the
 * end, -1 a line that is not "SHA-256 replaced_at". */
void store_earlier_add(struct buf *b, const char *sha, const char *when);
int store_earlier_next(const struct buf *b, size_t *pos, char sha[65], char when[20]);

#endif
