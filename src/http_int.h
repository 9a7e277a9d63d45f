/* What the route handlers share (not part of http.h): their entry points,
 * which only the route table (http_routes.c) calls, the staff form token,
 * and what the certificate routes share. Handlers answer through
 * http_reply.h and never call the server or the route table. */
#ifndef HTTP_INT_H
#define HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "http_reply.h"
#include "http_request.h"

/* ---- entry points (see struct http_route for begin and end) ---- */

/* Webhook handlers (http_webhook.c). */
int http_webhook_begin(struct http_request *rq);
int http_webhook_end(struct http_request *rq);
/* The one mapping from an archive outcome to an HTTP status. */
int http_webhook_status(const struct issue_result *r);
/* 1 when a Content-Type value is acceptable for a webhook body (see README). */
int http_webhook_content_type_ok(const char *content_type);
/* Institutions' webhook tokens (http_wall.c). Whether tok[0..len) is one:
 * 0 and rq->webhook_institution set, 1 not one, -1 the store failed (err in
 * rq->error). */
int http_webhook_institution_token(struct http_request *rq, const char *tok, size_t len);
/* Once the body is in, for a delivery with an institution's token: 1 when
 * the body may go on to be issued, else the 403 was answered (0, or -1 as
 * http_reply). */
int http_webhook_wall(struct http_request *rq, const char *body, size_t len);
/* The institution body[0..len) names, read as the validator reads it, else
 * as far as the JSON can be read: 0 and *out, or 1 when it names none. */
int http_webhook_body_institution(const char *body, size_t len, int64_t *out);

/* Staff routes. http_staff_begin checks the staff token (Bearer, or the
 * password of HTTP Basic) and answers 401 without one (http_auth.c); the
 * others answer GET / and /certificates (http_staff.c), GET
 * /certificates/{id}, /certificates/{id}.pdf, /certificates/{id}/r{n}.pdf
 * (http_cert.c, http_pdf.c) and POST /certificates/{id}/revoke
 * (http_revoke.c). */
int http_staff_begin(struct http_request *rq);
int http_staff_home(struct http_request *rq);
int http_staff_search(struct http_request *rq);
int http_cert_get(struct http_request *rq);
int http_cert_revoke(struct http_request *rq);

/* Public verification (http_verify.c): GET /verify (a form; ?code=
 * redirects) and GET /verify/{code}. */
int http_verify_form(struct http_request *rq);
int http_verify_code(struct http_request *rq);

/* POST /verify/check (http_check.c): whether a PDF, sent raw or uploaded
 * by the /verify form, is exactly an archived file; at most
 * HTTP_CHECK_MAX_BODY bytes. */
#define HTTP_CHECK_MAX_BODY (5u << 20)
int http_check_begin(struct http_request *rq);
int http_check_end(struct http_request *rq);
/* The /verify page's upload form that posts to it. */
void http_check_form(struct buf *o, enum i18n_locale loc, const char *lang_query);

/* Operations (http_ops.c): GET /healthz (200 when the store folder is
 * writable, else 503) and GET /metrics (Prometheus text). */
int http_ops_healthz(struct http_request *rq);
int http_ops_metrics(struct http_request *rq);

/* ---- shared by the staff routes ---- */

#define HTTP_CSRF_LEN 64 /* hex digits of a form token */

/* The form token of a staff member for one certificate's revoke form:
 * HMAC-SHA256 under a key drawn at start, in hex (so forms expire when the
 * server restarts). 0, or -1 when the random source failed. */
int http_csrf_token(const char *staff, const char *id, char out[HTTP_CSRF_LEN + 1]);
/* 1 when given[0..len) is that token (compared in constant time). */
int http_csrf_ok(const char *staff, const char *id, const char *given, size_t len);

/* GET /certificates/{id}.pdf and /certificates/{id}/r{n}.pdf for the
 * certificate c (http_pdf.c); revision 0 means the latest. 0 or -1 as
 * http_reply; 1 when the file c names is gone (re-made meanwhile by
 * rerender or recovery): nothing was answered, read c again and retry. */
int http_pdf_send(struct http_request *rq, const struct store_cert *c, int revision);

/* What a path below /certificates/ asks for. */
struct http_cert_path {
    char id[STORE_ID_MAX];
    int pdf;      /* 1: the file */
    int revision; /* of the file; 0: the latest */
    int revoke;   /* 1: .../revoke */
};

/* "/certificates/ID", "ID.pdf", "ID/rN.pdf" or "ID/revoke", where ID has
 * exactly the form store_id_make writes; 0, or -1 when malformed. */
int http_cert_path_parse(const char *url, struct http_cert_path *p);
/* The certificate's metadata with every revision (caller owns it). */
struct cJSON *http_cert_json(struct http_request *rq, const struct store_cert *c);
/* How staff JSON names a certificate's state: "revoked" (which beats
 * expired), "expired" or "valid". A static string. */
const char *http_status_name(int revoked, int expired);
/* 404 "no such certificate"; 500 after a store failure (what: err logged). */
int http_cert_not_found(struct http_request *rq);
int http_cert_failed(struct http_request *rq, const char *what, const char *err);

#endif
