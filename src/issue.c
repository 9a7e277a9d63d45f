/* validate -> render -> store: the one path from an event body to an
 * archived certificate, shared by the webhook, import, rerender and
 * `render --store`. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "issue.h"
#include "render.h"
#include "banned.h"

struct issue {
    struct store *st;
    char *home, *tenants, *public_url, *template;
    enum i18n_locale locale;
    int locale_fixed;
    int pdfa_off;
    pthread_key_t key; /* this thread's render context */
    pthread_mutex_t lock;
    struct render_ctx **ctxs; /* every context made, freed at close */
    size_t n_ctxs;
    char ctx_err[256];
};

/* What the store's render callback needs. */
struct render_job {
    struct issue *is;
    const struct event *ev;
    double ms;
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static struct render_ctx *thread_ctx(struct issue *is, char *err, size_t errlen)
{
    struct render_ctx *c = pthread_getspecific(is->key);
    if (c)
        return c;
    c = render_ctx_new_tenants(is->home, is->tenants, err, errlen);
    if (!c)
        return NULL;
    pthread_mutex_lock(&is->lock);
    is->ctxs = xrealloc(is->ctxs, (is->n_ctxs + 1) * sizeof(*is->ctxs));
    is->ctxs[is->n_ctxs++] = c;
    pthread_mutex_unlock(&is->lock);
    pthread_setspecific(is->key, c);
    return c;
}

void issue_verify_url(struct buf *out, const char *public_url, const char *code)
{
    buf_addf(out, "%s/verify/%s", public_url, code);
}

static int render_ticket(struct issue *is, const struct event *ev, const struct store_ticket *t,
                         struct buf *pdf, char *err, size_t errlen)
{
    struct render_ctx *c = thread_ctx(is, err, errlen);
    struct buf url = BUF_INIT;
    struct render_opts o;
    const char *base;
    int rc;

    if (!c)
        return -1;
    /* a tenant with its own public_url verifies on its own host */
    base = render_public_url(c, ev->institution_id);
    issue_verify_url(&url, base ? base : is->public_url, t->code);
    o = (struct render_opts){is->template, is->locale,       t->code,
                             url.data,     is->locale_fixed, is->pdfa_off};
    rc = render_pdf(c, ev, &o, pdf, err, errlen);
    buf_free(&url);
    return rc;
}

static int render_cb(void *ctx, const struct store_ticket *t, struct buf *pdf, char *err,
                     size_t errlen)
{
    struct render_job *job = ctx;
    double t0 = now_ms();
    int rc = render_ticket(job->is, job->ev, t, pdf, err, errlen);
    job->ms += now_ms() - t0;
    return rc;
}

/* Make an archived revision again from its raw event body. */
static int rerender_cb(void *ctx, const struct store_ticket *t, const char *raw, size_t len,
                       struct buf *pdf, char *err, size_t errlen)
{
    struct issue *is = ctx;
    struct event ev = {0};
    struct event_diags d = {0};
    int rc = -1;

    if (event_parse(raw, len, &ev, &d) != EVENT_OK) {
        snprintf(err, errlen, "archived event of '%s' r%d no longer validates: %s: %s", t->id,
                 t->revision, d.n_errors ? d.errors[0].path : "",
                 d.n_errors ? d.errors[0].message : "");
        goto out;
    }
    rc = render_ticket(is, &ev, t, pdf, err, errlen);
out:
    event_free(&ev);
    event_diags_free(&d);
    return rc;
}

struct issue *issue_open(const struct issue_config *cfg, char *err, size_t errlen)
{
    struct issue *is = xcalloc(1, sizeof(*is));
    struct render_opts o = {cfg->template, cfg->locale,       NULL,
                            NULL,          cfg->locale_fixed, cfg->pdfa_off};
    struct render_ctx *probe;

    is->home = cfg->home ? xstrdup(cfg->home) : NULL;
    is->tenants = cfg->tenants ? xstrdup(cfg->tenants) : NULL;
    is->public_url = xstrdup(cfg->public_url ? cfg->public_url : "http://127.0.0.1:8080");
    /* "http://host/" and "http://host" give the same links */
    for (size_t n = strlen(is->public_url); n > 0 && is->public_url[n - 1] == '/'; n--)
        is->public_url[n - 1] = '\0';
    is->template = cfg->template ? xstrdup(cfg->template) : NULL;
    is->locale = cfg->locale;
    is->locale_fixed = cfg->locale_fixed;
    is->pdfa_off = cfg->pdfa_off;
    pthread_mutex_init(&is->lock, NULL);
    pthread_key_create(&is->key, NULL);
    /* fail early, before the store, when fonts or templates are missing or
     * damaged: load both types' templates and their fonts now */
    probe = thread_ctx(is, err, errlen);
    if (!probe || render_preload(probe, CERT_PARTICIPATION, &o, err, errlen) < 0 ||
        render_preload(probe, CERT_ACHIEVEMENT, &o, err, errlen) < 0)
        goto fail;
    is->st = store_open(cfg->store_dir, rerender_cb, is, err, errlen);
    if (!is->st)
        goto fail;
    return is;
fail:
    issue_close(is);
    return NULL;
}

void issue_close(struct issue *is)
{
    if (!is)
        return;
    store_close(is->st);
    for (size_t i = 0; i < is->n_ctxs; i++)
        render_ctx_free(is->ctxs[i]);
    free(is->ctxs);
    pthread_key_delete(is->key);
    pthread_mutex_destroy(&is->lock);
    free(is->home);
    free(is->tenants);
    free(is->public_url);
    free(is->template);
    free(is);
}

struct store *issue_store(struct issue *is)
{
    return is->st;
}

/* The number of characters of ev that cannot be printed (errors added to d), or -1 with err. */
static int unprintable(struct issue *is, const struct event *ev, struct event_diags *d, char *err,
                       size_t errlen)
{
    struct render_ctx *c = thread_ctx(is, err, errlen);
    struct render_opts o = {is->template, is->locale, NULL, NULL, is->locale_fixed, is->pdfa_off};

    return c ? render_check_event(c, ev, &o, d, err, errlen) : -1;
}

static void fields_of(const struct event *ev, const char *raw, size_t len, struct store_fields *f,
                      char dates[4][20])
{
    caltime_format(&ev->certified_at, dates[0]);
    caltime_format(&ev->concluded_at, dates[1]);
    if (ev->has_enrolled_at)
        caltime_format(&ev->enrolled_at, dates[2]);
    caltime_format(&ev->send_at, dates[3]);
    *f = (struct store_fields){
        .institution_id = ev->institution_id,
        .user_id = ev->user_id,
        .course_id = ev->course_id,
        .school_id = ev->school_id,
        .user_name = ev->user_name,
        .user_email = ev->user_email,
        .user_cpf = ev->user_cpf,
        .course_name = ev->course_name,
        .school_name = ev->school_name,
        .workload = ev->workload_raw,
        .type = event_type_name(ev->type),
        .certified_at = dates[0],
        .concluded_at = dates[1],
        .enrolled_at = ev->has_enrolled_at ? dates[2] : NULL,
        .has_approval_rate = ev->has_approval_rate,
        .approval_rate = ev->approval_rate,
        .canonical = ev->canonical,
        .send_at = dates[3],
        .raw = raw,
        .raw_len = len,
    };
}

enum issue_status issue_event(struct issue *is, const char *body, size_t len,
                              struct issue_result *r)
{
    struct event ev = {0};
    struct store_fields f;
    struct render_job job = {is, &ev, 0};
    char dates[4][20];
    enum event_status es;
    double t0;

    memset(r, 0, sizeof(*r));
    es = event_parse(body, len, &ev, &r->diags);
    if (ev.slug)
        snprintf(r->slug, sizeof(r->slug), "%s", ev.slug);
    switch (es) {
    case EVENT_IGNORED:
        r->status = ISSUE_IGNORED;
        goto out;
    case EVENT_BAD_JSON:
        r->status = ISSUE_BAD_JSON;
        goto out;
    case EVENT_INVALID:
        r->status = ISSUE_INVALID;
        goto out;
    case EVENT_OK:
        break;
    }
    /* a character no font has would print blank: refuse it before anything is archived */
    switch (unprintable(is, &ev, &r->diags, r->error, sizeof(r->error))) {
    case -1:
        r->status = ISSUE_FAILED;
        goto out;
    case 0:
        break;
    default:
        r->status = ISSUE_INVALID;
        goto out;
    }
    {
        struct render_ctx *c = thread_ctx(is, r->error, sizeof(r->error));
        const char *base = c ? render_public_url(c, ev.institution_id) : NULL;
        if (base)
            snprintf(r->public_url, sizeof(r->public_url), "%s", base);
    }
    fields_of(&ev, body, len, &f, dates);
    t0 = now_ms();
    if (store_put(is->st, &f, render_cb, &job, &r->stored, r->error, sizeof(r->error)) < 0)
        r->status = ISSUE_FAILED;
    else
        r->status = ISSUE_STORED;
    r->render_ms = job.ms;
    r->store_ms = now_ms() - t0 - job.ms;
out:
    event_free(&ev);
    return r->status;
}

void issue_result_free(struct issue_result *r)
{
    event_diags_free(&r->diags);
}

int issue_rerender(struct issue *is, const char *since, size_t *count, char *err, size_t errlen)
{
    return store_rerender(is->st, since, rerender_cb, is, count, err, errlen);
}

int issue_batch_begin(struct issue *is, char *err, size_t errlen)
{
    return store_batch_begin(is->st, err, errlen);
}

int issue_batch_end(struct issue *is, char *err, size_t errlen)
{
    return store_batch_end(is->st, err, errlen);
}
