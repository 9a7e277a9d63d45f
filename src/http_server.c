/* The HTTP server on libmicrohttpd: a pool of internal polling threads on
 * epoll, connection limits and timeouts, dispatch through the route table,
 * bodies read incrementally under a size limit, and each request's log
 * line, audit entry and metrics once it completes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "http_deadline.h"
#include "http_peer.h"
#include "http_reply.h"
#include "http_request.h"
#include "http_routes.h"
#include "http_tarpit.h"
#include "http_throttle.h"
#include "http_work.h"
#include "log.h"
#include "banned.h"

struct http_server {
    struct MHD_Daemon *daemon;
    const struct http_options *opt;
    atomic_int in_flight; /* requests between their headers and their completion */
    atomic_int stopping;
    atomic_int started; /* past MHD_start_daemon: libmicrohttpd messages are only logged */
    char start_error[256];
    struct http_deadline *deadline;                    /* cuts off requests that trickle in */
    struct http_throttle *webhook_fails, *staff_fails; /* failed sign-ins by address */
    struct http_tarpit *tarpit;                        /* holds 429s back */
    struct http_work *work;                            /* issues the webhooks */
    struct http_proxies proxies;                       /* trust_proxy */
};

#define HOLD_SECONDS 1.0 /* how long a 429 is held back */

/* Query parameters a request may carry (the staff search has nine): each
 * takes room in the connection's memory pool, and past a few hundred none
 * is left for the answer. */
#define MAX_PARAMS 100

/* libmicrohttpd's own messages; the first ones explain a failed start. */
static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    struct http_server *srv = cls;
    char msg[512];
    size_t n;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
        msg[--n] = '\0';
    /* Said after every refusal that closes a connection (send_raw_413);
     * the request's own log line tells more. */
    if (strstr(msg, "Application reported internal error"))
        return;
    if (atomic_load(&srv->started))
        log_printf(LOG_LEVEL_WARN, "libmicrohttpd: %s", msg);
    else if (!srv->start_error[0]) /* http_start reports it */
        snprintf(srv->start_error, sizeof(srv->start_error), "%.200s", msg);
}

/* ---- the request cycle ---- */

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The connection's request deadline watch (see http_deadline.h), or NULL. */
static void *conn_watch(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Answer 413 for a body over the limit; Content-Length is checked before
 * reading anything, chunked bodies as they arrive. */
static size_t body_limit(const struct http_request *rq)
{
    return http_route_max_body(rq->route, rq->opt->cfg->max_body);
}

static int refuse_large(struct http_request *rq)
{
    char msg[96];
    snprintf(msg, sizeof(msg), "body larger than %zu bytes", body_limit(rq));
    return http_reply_error(rq, MHD_HTTP_CONTENT_TOO_LARGE, msg, NULL);
}

/* An answer written straight on the (plain TCP) socket, then no more
 * writing: for when libmicrohttpd cannot queue one (see its callers). */
static void send_raw(struct MHD_Connection *conn, const char *status_line, const char *error)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    char body[192], msg[512];
    int bl, ml;
    bl = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", error);
    ml = snprintf(msg, sizeof(msg),
                  "HTTP/1.1 %s\r\nConnection: close\r\n"
                  "Content-Type: application/json; charset=utf-8\r\n"
                  "Cache-Control: no-store\r\nContent-Length: %d\r\n\r\n%s",
                  status_line, bl, body);
    if (!ci || bl < 0 || (size_t)bl >= sizeof(body) || ml < 0 || (size_t)ml >= sizeof(msg))
        return;
    if (send(ci->connect_fd, msg, (size_t)ml, MSG_NOSIGNAL | MSG_DONTWAIT) == ml)
        shutdown(ci->connect_fd, SHUT_WR);
}

/* libmicrohttpd 0.9.75 cannot queue a response while the handler is
 * consuming body data (a chunked body that grows past the limit), and
 * consuming the rest would mean reading it all. So the 413 goes out
 * directly, before the connection is closed. */
static void send_raw_413(struct http_request *rq)
{
    snprintf(rq->error, sizeof(rq->error), "body larger than %zu bytes", body_limit(rq));
    rq->status = MHD_HTTP_CONTENT_TOO_LARGE;
    rq->closed = 1;
    send_raw(rq->conn, "413 Content Too Large", rq->error);
}

/* Marks, as the request's first context, a request line with too many
 * query parameters (answered in on_uri). */
static char too_many_params;

/* libmicrohttpd's URI callback: the request line, before its parameters are
 * parsed into the connection's pool. Past MAX_PARAMS they would fill it and
 * leave no room for any answer (the client would wait for the timeout), so
 * the 414 is sent now; the handler then only closes the connection. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    const char *q = strchr(uri, '?');
    size_t n = 0;
    char msg[96];
    (void)cls;
    for (; q && *q && n <= MAX_PARAMS; q++)
        n += *q == '&' || *q == '?';
    if (n <= MAX_PARAMS)
        return NULL;
    snprintf(msg, sizeof(msg), "query string has more than %d parameters", MAX_PARAMS);
    send_raw(conn, "414 URI Too Long", msg);
    return &too_many_params;
}

static int begin_request(struct http_request *rq, const char *url, const char *version)
{
    const char *cl;
    char msg[160];
    enum http_framing fr;
    rq->route = http_route_find(url);
    /* Before anything else: a body whose length is in doubt must not be
     * read at all (smuggling), nor the connection kept after the answer. */
    fr = http_framing_check(rq->conn, version, msg, sizeof(msg));
    if (fr != HTTP_FRAMING_OK)
        rq->must_close = 1;
    if (fr == HTTP_FRAMING_BAD)
        return http_reply_error(rq, MHD_HTTP_BAD_REQUEST, msg, NULL);
    if (fr == HTTP_FRAMING_UNSUPPORTED)
        return http_reply_error(rq, MHD_HTTP_NOT_IMPLEMENTED, msg, NULL);
    if (!rq->route)
        return http_reply_error(rq, MHD_HTTP_NOT_FOUND, "not found", NULL);
    if (!http_route_allows(rq->route, rq->method)) {
        const char *h[] = {MHD_HTTP_HEADER_ALLOW, rq->route->allow, NULL};
        snprintf(msg, sizeof(msg), "method %.16s not allowed, use %s", rq->method,
                 rq->route->allow);
        return http_reply_error(rq, MHD_HTTP_METHOD_NOT_ALLOWED, msg, h);
    }
    if (rq->route->begin && rq->route->begin(rq) < 0)
        return -1;
    if (rq->status)
        return 0;
    cl = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        unsigned long long n;
        errno = 0;
        n = strtoull(cl, &end, 10);
        if (errno || end == cl || n > body_limit(rq))
            return refuse_large(rq);
        buf_grow(&rq->body, (size_t)n);
    }
    return 0;
}

/* The work a handler left (see struct http_request), run once. */
static void run_work(struct http_request *rq)
{
    void (*fn)(struct http_request *) = rq->work;

    rq->work = NULL;
    fn(rq);
}

/* run_work on a webhook worker, after its wait in the queue (/metrics). */
static void run_queued(void *arg)
{
    struct http_request *rq = arg;

    metrics_observe(METRICS_WAIT, seconds_since(&rq->queued));
    run_work(rq);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *srv = cls;
    struct http_request *rq = *con_cls;
    if (!rq || rq == (void *)&too_many_params) {
        int refused = rq != NULL;
        rq = xcalloc(1, sizeof(*rq));
        rq->stopping = &srv->stopping;
        rq->opt = srv->opt;
        rq->conn = conn;
        rq->method = method;
        rq->url = url;
        rq->webhook_fails = srv->webhook_fails;
        rq->staff_fails = srv->staff_fails;
        clock_gettime(CLOCK_MONOTONIC, &rq->start);
        http_peer_find(conn, &srv->proxies, rq->peer, sizeof(rq->peer), rq->peer_key,
                       rq->peer_group, sizeof(rq->peer_group));
        *con_cls = rq;
        atomic_fetch_add(&srv->in_flight, 1);
        if (refused) { /* answered in on_uri: close */
            rq->route = http_route_find(url);
            rq->status = MHD_HTTP_URI_TOO_LONG;
            rq->closed = 1;
            snprintf(rq->error, sizeof(rq->error), "query string has more than %d parameters",
                     MAX_PARAMS);
            return MHD_NO;
        }
        if (begin_request(rq, url, version) < 0)
            return MHD_NO;
        if (rq->hold && rq->status)
            http_tarpit_hold(srv->tarpit, conn);
        return MHD_YES;
    }
    if (!*upload_data_size && srv->deadline) /* the request is in whole */
        http_deadline_received(srv->deadline, conn_watch(conn));
    if (rq->status) { /* answered early: discard whatever still comes */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (n > body_limit(rq) - rq->body.len) {
            send_raw_413(rq);
            return MHD_NO; /* close: read no more of the body */
        }
        buf_add(&rq->body, upload_data, n);
        return MHD_YES;
    }
    if (rq->route->end(rq) < 0 && !rq->status)
        return MHD_NO;
    if (!rq->status && rq->work) {
        /* called again once the work is done, on a worker or here */
        clock_gettime(CLOCK_MONOTONIC, &rq->queued);
        if (http_work_submit(srv->work, conn, run_queued, rq))
            return MHD_YES;
        run_work(rq);
        if (rq->route->end(rq) < 0 && !rq->status)
            return MHD_NO;
    }
    if (rq->hold && rq->status)
        http_tarpit_hold(srv->tarpit, conn);
    return MHD_YES;
}

static const char *termination_reason(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return NULL;
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "connection timed out";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "server shutting down";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "client closed the connection";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client aborted";
    default:
        return "connection closed on error";
    }
}

static void log_webhook(const struct http_request *rq, double ms)
{
    enum log_level level = LOG_LEVEL_INFO;
    if (rq->status >= 500)
        level = LOG_LEVEL_ERROR;
    else if (rq->status >= 400 || rq->status == 0) /* 0: the client went away */
        level = LOG_LEVEL_WARN;
    if (rq->cert_id[0])
        log_printf(level, "webhook %d %s id=%s revision=%d peer=%s %.1f ms", rq->status,
                   rq->outcome ? rq->outcome : "", rq->cert_id, rq->revision, rq->peer, ms);
    else if (rq->status == MHD_HTTP_ACCEPTED)
        log_printf(level, "webhook %d ignored slug='%s' peer=%s %.1f ms", rq->status, rq->slug,
                   rq->peer, ms);
    else
        log_printf(level, "webhook %d peer=%s %.1f ms: %s", rq->status, rq->peer, ms,
                   rq->error[0] ? rq->error : "-");
}

/* One line in the log and the audit for a window's failed webhook sign-ins
 * from one address that were counted, not written one by one. */
static void report_fails(struct http_server *srv, const struct http_throttle_summary *s)
{
    char msg[256], err[512];
    struct audit_entry e = {s->peer,
                            "POST",
                            NULL,
                            NULL,
                            0,
                            NULL,
                            s->limited ? MHD_HTTP_TOO_MANY_REQUESTS : MHD_HTTP_UNAUTHORIZED,
                            msg,
                            0.0,
                            s->quiet,
                            0};
    snprintf(msg, sizeof(msg),
             "%u more failed sign-ins in %.0f s (%u answered 429), counted, not written one by one",
             s->quiet, s->seconds, s->limited);
    log_printf(LOG_LEVEL_WARN, "webhook %d peer=%s: %s", e.status, s->peer, msg);
    if (srv->opt->audit && audit_write(srv->opt->audit, &e, err, sizeof(err)) < 0)
        log_printf(LOG_LEVEL_ERROR, "audit: %s", err);
}

/* Write the failure counts of windows that have ended. */
static void report_due(struct http_server *srv, int everything)
{
    struct http_throttle_summary due[16];
    size_t n;
    do {
        n = http_throttle_due(srv->webhook_fails, everything, due, 16);
        for (size_t i = 0; i < n; i++)
            report_fails(srv, &due[i]);
    } while (n == 16);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct http_server *srv = cls;
    /* The mark of on_uri when libmicrohttpd gave up before the handler. */
    struct http_request *rq = *con_cls == (void *)&too_many_params ? NULL : *con_cls;
    const char *why = rq && rq->closed ? NULL : termination_reason(toe);
    char late[96];
    double secs;
    if (srv->deadline && http_deadline_expired(srv->deadline, conn_watch(conn))) {
        snprintf(late, sizeof(late), "request not received whole within %.0f s",
                 2.0 * srv->opt->cfg->connection_timeout);
        why = late;
    }
    if (srv->deadline) /* the next request on this connection starts now */
        http_deadline_next(srv->deadline, conn_watch(conn));
    if (!rq) {
        *con_cls = NULL;
        return;
    }
    secs = seconds_since(&rq->start);
    if (why && !rq->error[0])
        snprintf(rq->error, sizeof(rq->error), "%s", why);
    else if (why && rq->status) {
        size_t n = strlen(rq->error);
        snprintf(rq->error + n, sizeof(rq->error) - n, " (%s)", why);
    }
    metrics_request(rq->route ? rq->route->metric : METRICS_OTHER, rq->status, secs);
    if (rq->route && rq->route->metric == METRICS_WEBHOOK) {
        for (int i = 0; i < rq->fail.n_ended; i++)
            report_fails(srv, &rq->fail.ended[i]);
    }
    if (rq->route && rq->route->metric == METRICS_WEBHOOK && !rq->fail.quiet) {
        char err[512];
        struct audit_entry e = {rq->peer,
                                rq->method,
                                rq->slug[0] ? rq->slug : NULL,
                                rq->cert_id[0] ? rq->cert_id : NULL,
                                rq->revision,
                                rq->outcome,
                                rq->status,
                                rq->error[0] ? rq->error : NULL,
                                secs * 1000.0,
                                1,
                                rq->institution_id};
        log_webhook(rq, secs * 1000.0);
        if (srv->opt->audit && audit_write(srv->opt->audit, &e, err, sizeof(err)) < 0)
            log_printf(LOG_LEVEL_ERROR, "audit: %s", err);
    } else if (rq->status >= 500) { /* other routes log their failures only */
        log_printf(LOG_LEVEL_ERROR, "%s %s %d%s%s peer=%s %.1f ms: %s", rq->method,
                   rq->route ? rq->route->path : "-", rq->status, rq->cert_id[0] ? " id=" : "",
                   rq->cert_id, rq->peer, secs * 1000.0, rq->error[0] ? rq->error : "-");
    }
    issue_pending_free(rq->pending);
    if (rq->issued)
        issue_result_free(&rq->issue);
    issue_release(srv->opt->issue, rq->snap);
    buf_free(&rq->body);
    free(rq);
    *con_cls = NULL;
    report_due(srv, 0);
    atomic_fetch_sub(&srv->in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct http_server *srv = cls;
    metrics_connection(toe == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
    if (!srv->deadline)
        return;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        char peer[64];
        http_peer_addr(conn, peer, sizeof(peer));
        if (ci)
            http_deadline_open(srv->deadline, socket_context, ci->connect_fd, peer);
    } else {
        http_deadline_close(srv->deadline, socket_context);
    }
}

struct http_server *http_start(const struct http_options *opt, char *err, size_t errlen)
{
    struct http_server *srv = xcalloc(1, sizeof(*srv));
    const struct config *cfg = opt->cfg;
    struct sockaddr_storage ss;
    socklen_t sslen;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_OptionItem o[16];
    size_t n = 0;
    uint16_t port;

    srv->opt = opt;
    srv->webhook_fails = http_throttle_new(cfg->auth_fail_limit, cfg->auth_fail_window);
    srv->staff_fails = http_throttle_new(cfg->auth_fail_limit, cfg->auth_fail_window);
    if (config_parse_listen(cfg->listen, &ss, &sslen, err, errlen) < 0 ||
        http_peer_proxies(cfg->trust_proxy, &srv->proxies, err, errlen) < 0)
        goto fail;
    if (!(srv->tarpit = http_tarpit_start(HOLD_SECONDS, cfg->max_connections, err, errlen)) ||
        !(srv->work = http_work_start(opt->threads, err, errlen)))
        goto fail;
    /* libmicrohttpd's timeout only closes idle connections; a client that
     * trickles its request is cut off at twice the timeout (idle ones are
     * closed by then, so only trickling ones are caught). */
    if (cfg->connection_timeout > 0 &&
        !(srv->deadline = http_deadline_start(2.0 * cfg->connection_timeout, err, errlen)))
        goto fail;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &ss};
    if (opt->threads > 1)
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, opt->threads, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, NULL};
    if (cfg->max_connections_per_ip)
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                         cfg->max_connections_per_ip, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                     (intptr_t)cfg->connection_memory, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 511, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};

    /* The port is taken from MHD_OPTION_SOCK_ADDR; given here for messages. */
    port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
    srv->daemon = MHD_start_daemon(
        flags, port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv, MHD_OPTION_UNESCAPE_CALLBACK,
        http_unescape, NULL, MHD_OPTION_ARRAY, o, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, errlen, "cannot listen on '%s': %s", cfg->listen,
                 srv->start_error[0] ? srv->start_error : "libmicrohttpd refused to start");
        goto fail;
    }
    atomic_store(&srv->started, 1);
    return srv;
fail:
    http_tarpit_stop(srv->tarpit);
    http_work_stop(srv->work);
    http_work_free(srv->work);
    http_deadline_stop(srv->deadline);
    http_throttle_free(srv->webhook_fails);
    http_throttle_free(srv->staff_fails);
    free(srv);
    return NULL;
}

void http_quiesce(struct http_server *srv)
{
    MHD_socket fd;
    atomic_store(&srv->stopping, 1);
    fd = MHD_quiesce_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

int http_drain(struct http_server *srv, double seconds)
{
    struct timespec t0, pause = {0, 10 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (atomic_load(&srv->in_flight) > 0 && seconds_since(&t0) < seconds)
        nanosleep(&pause, NULL);
    return atomic_load(&srv->in_flight);
}

void http_stop(struct http_server *srv)
{
    if (!srv)
        return;
    http_tarpit_stop(srv->tarpit); /* no connection may stay suspended */
    http_work_stop(srv->work);
    MHD_stop_daemon(srv->daemon);
    http_work_free(srv->work);
    http_deadline_stop(srv->deadline);
    report_due(srv, 1);
    http_throttle_free(srv->webhook_fails);
    http_throttle_free(srv->staff_fails);
    free(srv);
}
