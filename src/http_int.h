/* Internals shared by the http_*.c files (not part of http.h): URL decoding
 * and route patterns for the server, the staff form token, and what the
 * certificate routes share. */
#ifndef HTTP_INT_H
#define HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

#define HTTP_CSRF_LEN 64 /* hex digits of a form token */

/* 0..15 for a hex digit, else -1. */
int http_hex_value(char c);

/* Add an integer to a JSON object exactly: cJSON prints numbers through a
 * double with 15 significant digits, which changes ids near 2^53. */
void http_json_add_int(struct cJSON *o, const char *key, int64_t v);
/* libmicrohttpd's unescape callback: percent-decoding of paths and query
 * values in place, except that "%00" stays as written (a NUL would cut the
 * string short). Returns the new length. */
size_t http_unescape(void *cls, struct MHD_Connection *conn, char *s);
/* 1 when url matches pattern: '*' is one or more characters other than '/'. */
int http_path_match(const char *pattern, const char *url);

/* The form token of a staff member for one certificate's revoke form:
 * HMAC-SHA256 under a key drawn at start, in hex (so forms expire when the
 * server restarts). 0, or -1 when the random source failed. */
int http_csrf_token(const char *staff, const char *id, char out[HTTP_CSRF_LEN + 1]);
/* 1 when given[0..len) is that token (compared in constant time). */
int http_csrf_ok(const char *staff, const char *id, const char *given, size_t len);

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
/* 404 "no such certificate"; 500 after a store failure (what: err logged). */
int http_cert_not_found(struct http_request *rq);
int http_cert_failed(struct http_request *rq, const char *what, const char *err);

#endif
