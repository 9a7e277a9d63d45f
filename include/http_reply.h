/* Every way a handler answers a request: bytes with headers, a response it
 * made itself, JSON, {"error": ...}, gzip when the client accepts it,
 * redirects, HTML pages in the request's language, and errors as a page or
 * JSON as the client prefers. Each answer also carries the security headers
 * and, once the server stops, "Connection: close". Calls only
 * http_request.c below it.
 * Thread safety: as struct http_request (one thread per request). */
#ifndef HTTP_REPLY_H
#define HTTP_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "html.h"
#include "http_request.h"

struct cJSON;

/* Each answer queues one response for rq and records its status; 0, or -1
 * when libmicrohttpd refused it or rq was answered already (the handler
 * then returns failure and the connection is closed). headers: NULL or
 * name, value pairs then NULL. */
int http_reply(struct http_request *rq, int status, const char *content_type, const void *body,
               size_t len, const char *const *headers);
/* Queue a response the caller made (e.g. from a file), adding the headers
 * every answer carries, and destroy it. */
int http_queue(struct http_request *rq, int status, struct MHD_Response *r);
/* Like http_reply, but gzip-compressed when Accept-Encoding allows it, with
 * "Vary: Accept-Encoding" either way. */
int http_reply_body(struct http_request *rq, int status, const char *content_type, const void *body,
                    size_t len, const char *const *headers);
/* obj is consumed (cJSON_Delete'd); Content-Type application/json. */
int http_reply_json(struct http_request *rq, int status, struct cJSON *obj,
                    const char *const *headers);
/* {"error": message}; message also goes to rq->error for the audit log. */
int http_reply_error(struct http_request *rq, int status, const char *message,
                     const char *const *headers);
/* 303 See Other to a path of this server. */
int http_redirect(struct http_request *rq, const char *location);

/* gzip (RFC 1952) of data[0..len) appended to out; 0, or -1 (zlib failed). */
int http_gzip(const void *data, size_t len, struct buf *out);
/* Add an integer to a JSON object exactly: cJSON prints numbers through a
 * double with 15 significant digits, which changes ids near 2^53. */
void http_json_add_int(struct cJSON *o, const char *key, int64_t v);

/* An HTML page being written for rq: its shell says the title, the
 * language and the links to this page in each language. */
struct http_page {
    struct html_page html;
    enum i18n_locale loc;
    struct buf out;            /* the page so far */
    struct buf url_pt, url_en; /* this page with ?lang= set */
    char lang_query[12];       /* "" or "?lang=en": carried on links */
};

/* Start a page: language, title (plain text), the staff navigation or not. */
void http_page_begin(struct http_request *rq, struct http_page *pg, const char *title, int staff);
/* End the page, answer it (gzip when accepted), free it. 0, or -1. */
int http_page_reply(struct http_request *rq, struct http_page *pg, int status,
                    const char *const *headers);
void http_page_free(struct http_page *pg);
/* An error: a page with a title and a sentence (in the page's language)
 * when the client wants HTML (default_html on a tie), else {"error":
 * message}. message also goes to rq->error. */
int http_reply_problem(struct http_request *rq, int status, int default_html, enum html_str title,
                       enum html_str text, const char *message, const char *const *headers);

#endif
