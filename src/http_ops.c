/* The operations routes: GET /healthz for load balancers and GET /metrics
 * for Prometheus. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "http_int.h"
#include "log.h"
#include "metrics.h"
#include "banned.h"

/* A database store: 200 when it answers a query (within its connection
 * timeout), else 503. */
static int healthz_db(struct http_request *rq, cJSON *o)
{
    struct store *st = issue_store(rq->opt->issue);
    if (store_ping(st, rq->error, sizeof(rq->error)) == 0) {
        rq->error[0] = '\0';
        cJSON_AddStringToObject(o, "status", "ok");
        return http_reply_json(rq, MHD_HTTP_OK, o, NULL);
    }
    cJSON_AddStringToObject(o, "status", "unavailable");
    cJSON_AddStringToObject(o, "error", "the database does not answer");
    log_printf(LOG_LEVEL_ERROR, "healthz: %s", rq->error);
    return http_reply_json(rq, MHD_HTTP_SERVICE_UNAVAILABLE, o, NULL);
}

/* 200 when a file can be created and removed in the store folder (or the
 * database answers). */
int http_ops_healthz(struct http_request *rq)
{
    struct buf path = BUF_INIT;
    cJSON *o = cJSON_CreateObject();
    int fd, e = 0;
    if (store_is_database(rq->opt->cfg->store)) {
        buf_free(&path);
        return healthz_db(rq, o);
    }
    buf_addf(&path, "%s/.healthz-XXXXXX", rq->opt->cfg->store);
    fd = mkstemp(path.data);
    if (fd < 0)
        e = errno;
    else if (close(fd) < 0 || unlink(path.data) < 0)
        e = errno;
    buf_free(&path);
    if (!e) {
        cJSON_AddStringToObject(o, "status", "ok");
        return http_reply_json(rq, MHD_HTTP_OK, o, NULL);
    }
    cJSON_AddStringToObject(o, "status", "unavailable");
    snprintf(rq->error, sizeof(rq->error), "store is not writable: %s", strerror(e));
    cJSON_AddStringToObject(o, "error", rq->error);
    log_printf(LOG_LEVEL_ERROR, "healthz: store '%s' is not writable: %s", rq->opt->cfg->store,
               strerror(e));
    return http_reply_json(rq, MHD_HTTP_SERVICE_UNAVAILABLE, o, NULL);
}

int http_ops_metrics(struct http_request *rq)
{
    struct buf b = BUF_INIT;
    int rc;
    metrics_render(&b);
    rc = http_reply(rq, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.data, b.len,
                    NULL);
    buf_free(&b);
    return rc;
}
