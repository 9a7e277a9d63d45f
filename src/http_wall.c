/* The wall between institutions at the webhook. A delivery authenticated by
 * an institution's own token (store_webhook_token_check) may issue only for
 * that institution: once the body is in, and before anything about it is
 * answered, the institution it names is compared with the token's, and a
 * mismatch is refused with 403 (audited, nothing stored).
 *
 * Order: the token first (401 without a known one, before the body is read),
 * then the body's institution, then validation. So a wrong-institution
 * delivery gets the same 403 whether the rest of its event is valid or not,
 * and learns nothing of what validation would say. The institution is read as
 * the validator reads it (event_parse); when the event is not valid, from
 * data.institution.id as far as the JSON can be read: one that names another
 * institution is refused, one that names none is left to validation (400 or
 * 422), which stores nothing. Only a valid event is ever stored, and for a
 * valid event the comparison used the validator's own reading. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#include "event.h"
#include "http_int.h"
#include "log.h"
#include "banned.h"

#define TOKEN_MAX 256 /* bytes of a presented token */

int http_webhook_institution_token(struct http_request *rq, const char *tok, size_t len)
{
    char t[TOKEN_MAX], err[256];
    int64_t inst = 0;
    int rc;

    if (len == 0 || len >= sizeof(t) || memchr(tok, '\0', len))
        return 1;
    memcpy(t, tok, len);
    t[len] = '\0';
    rc = store_webhook_token_check(issue_store(rq->opt->issue), t, &inst, err, sizeof(err));
    OPENSSL_cleanse(t, sizeof(t));
    if (rc < 0)
        snprintf(rq->error, sizeof(rq->error), "webhook token check: %s", err);
    else if (rc == 0)
        rq->webhook_institution = rq->institution_id = inst;
    return rc;
}

int http_webhook_body_institution(const char *body, size_t len, int64_t *out)
{
    struct event ev;
    struct event_diags d;
    cJSON *root;
    const cJSON *id;
    int rc = 1;

    if (event_parse(body, len, &ev, &d) == EVENT_OK) {
        *out = ev.institution_id;
        rc = 0;
    }
    event_free(&ev);
    event_diags_free(&d);
    if (rc == 0)
        return 0;
    root = cJSON_ParseWithLength(body, len);
    id = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "data"),
                                         "institution"),
        "id");
    if (cJSON_IsNumber(id) && id->valuedouble >= -9e15 && id->valuedouble <= 9e15) {
        *out = (int64_t)id->valuedouble;
        rc = 0;
    }
    cJSON_Delete(root);
    return rc;
}

int http_webhook_wall(struct http_request *rq, const char *body, size_t len)
{
    int64_t inst;
    char msg[160];

    if (http_webhook_body_institution(body, len, &inst) != 0 || inst == rq->webhook_institution)
        return 1;
    if (inst > 0)
        rq->institution_id = inst;
    snprintf(msg, sizeof(msg),
             "token of institution %" PRId64 " may not issue for institution %" PRId64,
             rq->webhook_institution, inst);
    snprintf(rq->outcome_buf, sizeof(rq->outcome_buf), "refused: institution %" PRId64, inst);
    rq->outcome = rq->outcome_buf;
    snprintf(rq->error, sizeof(rq->error), "%s", msg);
    log_printf(LOG_LEVEL_WARN, "webhook refused: %s (peer=%s)", msg, rq->peer);
    return http_reply_error(rq, MHD_HTTP_FORBIDDEN, msg, NULL);
}
