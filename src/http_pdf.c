/* The PDF of a revision, for staff: sent from its archived file (sendfile
 * through MHD_create_response_from_fd_at_offset64), the path always the one
 * the index holds; its SHA-256 as ETag with 304 on If-None-Match; one byte
 * range per request (206, or 416); and a file name made from the student's
 * and the course's names. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_int.h"
#include "utf8.h"
#include "banned.h"

#define NAME_CHARS 100 /* code points kept of each name in the file name */

enum range { RANGE_NONE, RANGE_OK, RANGE_UNSATISFIABLE };

static const struct store_revision *find_revision(const struct store_cert *c, int revision)
{
    if (revision == 0)
        revision = c->latest;
    for (size_t i = 0; i < c->n_revs; i++)
        if (c->revs[i].revision == revision)
            return &c->revs[i];
    return NULL;
}

/* 1 when the If-None-Match list holds "sha" (weakly compared) or "*". */
static int etag_listed(const char *list, const char *sha)
{
    size_t n = strlen(sha);
    for (const char *p = list; *p;) {
        p += strspn(p, " \t,");
        if (*p == '*')
            return 1;
        if (!strncmp(p, "W/", 2))
            p += 2;
        if (*p == '"' && !strncmp(p + 1, sha, n) && p[n + 1] == '"')
            return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

/* Decimal digits at *p (at most 18) into *v; 0, or -1 when there are none. */
static int read_number(const char **p, int64_t *v)
{
    int n = 0;
    *v = 0;
    while (**p >= '0' && **p <= '9' && n < 18) {
        *v = *v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n > 0 && !(**p >= '0' && **p <= '9') ? 0 : -1;
}

/* One "bytes=a-b", "bytes=a-" or "bytes=-n" against a file of size bytes.
 * Anything else (another unit, several ranges, bad syntax) is ignored and
 * the whole file sent, as RFC 9110 allows. */
static enum range parse_range(const char *h, int64_t size, int64_t *off, int64_t *len)
{
    const char *p = h;
    int64_t a, b = -1;
    p += strspn(p, " \t");
    if (strncasecmp(p, "bytes=", 6) != 0 || strchr(p, ','))
        return RANGE_NONE;
    p += 6;
    p += strspn(p, " \t");
    if (*p == '-') {
        p++;
        if (read_number(&p, &a) < 0 || p[strspn(p, " \t")] != '\0')
            return RANGE_NONE;
        if (a == 0 || size == 0)
            return RANGE_UNSATISFIABLE;
        *len = a < size ? a : size;
        *off = size - *len;
        return RANGE_OK;
    }
    if (read_number(&p, &a) < 0 || *p++ != '-')
        return RANGE_NONE;
    if (*p >= '0' && *p <= '9' && read_number(&p, &b) < 0)
        return RANGE_NONE;
    if (p[strspn(p, " \t")] != '\0' || (b >= 0 && b < a))
        return RANGE_NONE;
    if (a >= size)
        return RANGE_UNSATISFIABLE;
    if (b < 0 || b >= size)
        b = size - 1;
    *off = a;
    *len = b - a + 1;
    return RANGE_OK;
}

/* A name as a file name: control, format and every Bidi_Control character
 * (html_is_bidi_control) dropped, characters
 * that mean something in paths or headers become spaces, runs of spaces one,
 * at most NAME_CHARS code points. */
static void safe_name(struct buf *out, const char *s)
{
    size_t n = strlen(s), start = out->len;
    int kept = 0, space = 1;
    for (size_t i = 0; i < n && kept < NAME_CHARS;) {
        uint32_t cp;
        size_t l = utf8_decode(s + i, n - i, &cp);
        if (l == 0) {
            i++;
            continue;
        }
        if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0xad ||
            html_is_bidi_control(cp) || (cp >= 0x200b && cp <= 0x200d) ||
            (cp >= 0x2060 && cp <= 0x206f) || cp == 0x180e || cp == 0xfeff ||
            (cp >= 0xfff9 && cp <= 0xfffb)) {
            i += l;
            continue;
        }
        if (cp == ' ' || cp == 0xa0 || (cp < 0x80 && strchr("\"'/\\:*?<>|;%", (int)cp))) {
            if (!space)
                buf_addc(out, ' ');
            space = 1;
        } else {
            buf_add(out, s + i, l);
            space = 0;
        }
        kept++;
        i += l;
    }
    while (out->len > start && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
}

/* inline; filename="certificado.pdf"; filename*=UTF-8''Name%20-%20Course.pdf */
static void disposition(struct buf *out, const struct store_cert *c)
{
    struct buf name = BUF_INIT;
    buf_adds(out, "inline; filename=\"certificado.pdf\"");
    safe_name(&name, c->user_name ? c->user_name : "");
    if (name.len && c->course_name && *c->course_name)
        buf_adds(&name, " - ");
    safe_name(&name, c->course_name ? c->course_name : "");
    if (name.len) {
        buf_adds(&name, ".pdf");
        buf_adds(out, "; filename*=UTF-8''");
        html_url_encode(out, name.data);
    }
    buf_free(&name);
}

static int reply_not_modified(struct http_request *rq, const char *etag)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r)
        return -1;
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-cache");
    return http_queue(rq, MHD_HTTP_NOT_MODIFIED, r);
}

static int reply_unsatisfiable(struct http_request *rq, int64_t size)
{
    char cr[48];
    const char *h[] = {MHD_HTTP_HEADER_CONTENT_RANGE, cr, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes",
                       NULL};
    snprintf(cr, sizeof(cr), "bytes */%" PRId64, size);
    return http_reply_error(rq, MHD_HTTP_RANGE_NOT_SATISFIABLE, "range not satisfiable", h);
}

/* Open the revision's file as the index names it; fd, -2 when it is gone
 * (ENOENT), or -1 with rq->error. */
static int open_pdf(struct http_request *rq, const struct store_revision *rev, int64_t *size)
{
    struct stat st;
    int fd = open(rev->pdf_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT)
        return -2;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(rq->error, sizeof(rq->error), "cannot open '%s': %s", rev->pdf_path,
                 fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *size = (int64_t)st.st_size;
    return fd;
}

static int pdf_failed(struct http_request *rq)
{
    return http_reply_problem(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, 0, H_ERROR_TITLE, H_ERROR_TEXT,
                              "cannot read the certificate's file", NULL);
}


/* The headers of a PDF answer (the whole file, or the range off..off+len of
 * its size bytes); returns its status. */
static int pdf_headers(struct MHD_Response *r, const struct store_cert *c, const char *etag,
                       enum range rg, int64_t off, int64_t len, int64_t size)
{
    struct buf cd = BUF_INIT;
    char cr[80];
    int status = MHD_HTTP_OK;

    disposition(&cd, c);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/pdf");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, cd.data);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-cache");
    if (rg == RANGE_OK) {
        snprintf(cr, sizeof(cr), "bytes %" PRId64 "-%" PRId64 "/%" PRId64, off, off + len - 1,
                 size);
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
        status = MHD_HTTP_PARTIAL_CONTENT;
    }
    buf_free(&cd);
    return status;
}

/* A PDF the store keeps itself (a database): read whole, then sent from
 * memory, ranges included. */
static int send_stored(struct http_request *rq, const struct store_cert *c,
                       const struct store_revision *rev, const char *etag)
{
    struct buf pdf = BUF_INIT;
    const char *range = http_header(rq, MHD_HTTP_HEADER_RANGE);
    const char *if_range = http_header(rq, MHD_HTTP_HEADER_IF_RANGE);
    struct MHD_Response *r;
    enum range rg = RANGE_NONE;
    int64_t off = 0, len = 0, size;
    int rc;

    rc = store_pdf(issue_store(rq->opt->issue), c->id, rev->revision, &pdf, rq->error,
                   sizeof(rq->error));
    if (rc != 0) {
        buf_free(&pdf);
        return rc > 0 ? 1 : pdf_failed(rq);
    }
    if (range && (!if_range || !strcmp(if_range, etag)))
        rg = parse_range(range, (int64_t)pdf.len, &off, &len);
    if (rg == RANGE_UNSATISFIABLE) {
        buf_free(&pdf);
        return reply_unsatisfiable(rq, (int64_t)pdf.len);
    }
    if (rg == RANGE_NONE)
        len = (int64_t)pdf.len;
    r = MHD_create_response_from_buffer((size_t)len, pdf.data + off, MHD_RESPMEM_MUST_COPY);
    if (!r) {
        buf_free(&pdf);
        snprintf(rq->error, sizeof(rq->error), "libmicrohttpd refused the response");
        return pdf_failed(rq);
    }
    size = (int64_t)pdf.len;
    buf_free(&pdf);
    return http_queue(rq, pdf_headers(r, c, etag, rg, off, len, size), r);
}

int http_pdf_send(struct http_request *rq, const struct store_cert *c, int revision)
{
    const struct store_revision *rev = find_revision(c, revision);
    const char *inm, *range, *if_range;
    struct MHD_Response *r;
    char etag[72];
    int64_t size = 0, off = 0, len = 0;
    enum range rg = RANGE_NONE;
    int fd;

    if (!rev)
        return http_reply_problem(rq, MHD_HTTP_NOT_FOUND, 0, H_NOT_FOUND_TITLE, H_CERT_NOT_FOUND,
                                  "no such revision", NULL);
    rq->revision = rev->revision;
    snprintf(etag, sizeof(etag), "\"%s\"", rev->sha256);
    inm = http_header(rq, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm && etag_listed(inm, rev->sha256))
        return reply_not_modified(rq, etag);
    if (!rev->pdf_path) /* kept in the database */
        return send_stored(rq, c, rev, etag);
    fd = open_pdf(rq, rev, &size);
    if (fd == -2)
        return 1;
    if (fd < 0)
        return pdf_failed(rq);
    range = http_header(rq, MHD_HTTP_HEADER_RANGE);
    if_range = http_header(rq, MHD_HTTP_HEADER_IF_RANGE);
    if (range && (!if_range || !strcmp(if_range, etag)))
        rg = parse_range(range, size, &off, &len);
    if (rg == RANGE_UNSATISFIABLE) {
        close(fd);
        return reply_unsatisfiable(rq, size);
    }
    if (rg == RANGE_NONE)
        len = size;
    r = MHD_create_response_from_fd_at_offset64((uint64_t)len, fd, (uint64_t)off);
    if (!r) {
        close(fd);
        snprintf(rq->error, sizeof(rq->error), "libmicrohttpd refused the file response");
        return pdf_failed(rq);
    }
    return http_queue(rq, pdf_headers(r, c, etag, rg, off, len, size), r);
}
