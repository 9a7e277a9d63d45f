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

/* A configuration snapshot (tenants and templates as read at one moment) and
 * the render contexts made on it. A request holds one from start to end; a
 * reload puts a new one in place, and the old is freed when its last holder
 * lets it go. */
struct issue_snapshot {
    struct render_conf *conf;
    unsigned refs;            /* holders; being the current one counts as one */
    struct render_ctx **idle; /* contexts made on conf and not in use now */
    size_t n_idle;
};

struct issue {
    struct store *st;
    char *home, *tenants, *public_url, *template;
    enum i18n_locale locale;
    int locale_fixed;
    const struct sign_key *sign;
    int pdfa_off;
    pthread_mutex_t lock; /* guards cur and every snapshot's refs and idle */
    struct issue_snapshot *cur;
};

/* What the store's render callback needs. */
struct render_job {
    struct issue *is;
    struct render_ctx *ctx;
    const struct event *ev;
    double ms;
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Read and check tenants and templates: the same check at start and on reload. */
static struct issue_snapshot *snapshot_load(struct issue *is, char *err, size_t errlen)
{
    struct render_opts o = {is->template, is->locale,       NULL,
                            NULL,         is->locale_fixed, is->pdfa_off};
    struct render_conf *conf = render_conf_load(is->home, is->tenants, &o, err, errlen);
    struct issue_snapshot *s;

    if (!conf)
        return NULL;
    s = xcalloc(1, sizeof(*s));
    s->conf = conf;
    s->refs = 1;
    return s;
}

static void snapshot_free(struct issue_snapshot *s)
{
    for (size_t i = 0; i < s->n_idle; i++)
        render_ctx_free(s->idle[i]);
    free(s->idle);
    render_conf_free(s->conf);
    free(s);
}

struct issue_snapshot *issue_hold(struct issue *is)
{
    struct issue_snapshot *s;
    pthread_mutex_lock(&is->lock);
    s = is->cur;
    s->refs++;
    pthread_mutex_unlock(&is->lock);
    return s;
}

void issue_release(struct issue *is, struct issue_snapshot *s)
{
    unsigned left;
    if (!s)
        return;
    pthread_mutex_lock(&is->lock);
    left = --s->refs;
    pthread_mutex_unlock(&is->lock);
    if (!left)
        snapshot_free(s);
}

int issue_reload(struct issue *is, char *err, size_t errlen)
{
    struct issue_snapshot *s = snapshot_load(is, err, errlen), *old;
    if (!s)
        return -1;
    pthread_mutex_lock(&is->lock);
    old = is->cur;
    is->cur = s;
    pthread_mutex_unlock(&is->lock);
    issue_release(is, old);
    return 0;
}

const struct tenants *issue_tenants(const struct issue_snapshot *s)
{
    return render_conf_tenants(s->conf);
}

/* A render context on s for this thread's use until ctx_give. NULL with err set. */
static struct render_ctx *ctx_take(struct issue *is, struct issue_snapshot *s, char *err,
                                   size_t errlen)
{
    struct render_ctx *c = NULL;
    pthread_mutex_lock(&is->lock);
    if (s->n_idle)
        c = s->idle[--s->n_idle];
    pthread_mutex_unlock(&is->lock);
    return c ? c : render_ctx_new_conf(s->conf, err, errlen);
}

static void ctx_give(struct issue *is, struct issue_snapshot *s, struct render_ctx *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&is->lock);
    s->idle = xrealloc(s->idle, (s->n_idle + 1) * sizeof(*s->idle));
    s->idle[s->n_idle++] = c;
    pthread_mutex_unlock(&is->lock);
}

void issue_verify_url(struct buf *out, const char *public_url, const char *code)
{
    buf_addf(out, "%s/verify/%s", public_url, code);
}

static int render_ticket(struct issue *is, struct render_ctx *c, const struct event *ev,
                         const struct store_ticket *t, struct buf *pdf, char *err, size_t errlen)
{
    struct buf url = BUF_INIT;
    struct render_opts o;
    const char *base;
    int rc;

    /* a tenant with its own public_url verifies on its own host */
    base = render_public_url(c, ev->institution_id);
    issue_verify_url(&url, base ? base : is->public_url, t->code);
    o = (struct render_opts){is->template, is->locale,       t->code,
                             url.data,     is->locale_fixed, is->pdfa_off};
    rc = render_pdf(c, ev, &o, pdf, err, errlen);
    buf_free(&url);
    /* signed before the store hashes and writes it: the archive keeps the
     * SHA-256 of the signed file, and never an unsigned one */
    if (rc == 0 && is->sign)
        rc = sign_pdf(is->sign, pdf, time(NULL), err, errlen);
    return rc;
}

static int render_cb(void *ctx, const struct store_ticket *t, struct buf *pdf, char *err,
                     size_t errlen)
{
    struct render_job *job = ctx;
    double t0 = now_ms();
    int rc = render_ticket(job->is, job->ctx, job->ev, t, pdf, err, errlen);
    job->ms += now_ms() - t0;
    return rc;
}

/* Make an archived revision again from its raw event body, with the
 * configuration in use now, and the expiry it now prints (the course file's
 * validity may have changed). */
static int rerender_cb(void *ctx, const struct store_ticket *t, const char *raw, size_t len,
                       struct buf *pdf, char expires_at[20], char *err, size_t errlen)
{
    struct issue *is = ctx;
    struct issue_snapshot *s = issue_hold(is);
    struct render_ctx *c = NULL;
    struct event ev = {0};
    struct event_diags d = {0};
    struct caltime until;
    int rc = -1;

    if (event_parse(raw, len, &ev, &d) != EVENT_OK) {
        snprintf(err, errlen, "archived event of '%s' r%d no longer validates: %s: %s", t->id,
                 t->revision, d.n_errors ? d.errors[0].path : "",
                 d.n_errors ? d.errors[0].message : "");
        goto out;
    }
    if ((c = ctx_take(is, s, err, errlen)))
        rc = render_ticket(is, c, &ev, t, pdf, err, errlen);
    /* the same context, so the same course file */
    if (rc == 0 && render_expires_at(c, &ev, &until))
        caltime_format(&until, expires_at);
out:
    ctx_give(is, s, c);
    issue_release(is, s);
    event_free(&ev);
    event_diags_free(&d);
    return rc;
}

struct issue *issue_open(const struct issue_config *cfg, char *err, size_t errlen)
{
    struct issue *is = xcalloc(1, sizeof(*is));

    is->home = cfg->home ? xstrdup(cfg->home) : NULL;
    is->tenants = cfg->tenants ? xstrdup(cfg->tenants) : NULL;
    is->public_url = xstrdup(cfg->public_url ? cfg->public_url : "http://127.0.0.1:8080");
    /* "http://host/" and "http://host" give the same links */
    for (size_t n = strlen(is->public_url); n > 0 && is->public_url[n - 1] == '/'; n--)
        is->public_url[n - 1] = '\0';
    is->template = cfg->template ? xstrdup(cfg->template) : NULL;
    is->locale = cfg->locale;
    is->locale_fixed = cfg->locale_fixed;
    is->sign = cfg->sign;
    is->pdfa_off = cfg->pdfa_off;
    pthread_mutex_init(&is->lock, NULL);
    /* fail early, before the store, when tenants, fonts or templates are
     * missing or damaged: both types' templates and their fonts load now */
    if (!(is->cur = snapshot_load(is, err, errlen)))
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
    issue_release(is, is->cur); /* every request has ended: the last holder */
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

const struct tenant *issue_tenant(const struct issue_snapshot *s, long long institution_id)
{
    return tenants_find(issue_tenants(s), institution_id);
}

/* The number of characters of ev that cannot be printed (errors added to d), or -1 with err. */
static int unprintable(struct issue *is, struct render_ctx *c, const struct event *ev,
                       struct event_diags *d, char *err, size_t errlen)
{
    struct render_opts o = {is->template, is->locale, NULL, NULL, is->locale_fixed, is->pdfa_off};

    return render_check_event(c, ev, &o, d, err, errlen);
}

/* dates: certified_at, concluded_at, enrolled_at, send_at and expires_at
 * (render_expires_at: the same date the certificate prints). */
static void fields_of(const struct event *ev, const char *raw, size_t len,
                      const struct render_ctx *ctx, struct store_fields *f, char dates[5][20])
{
    struct caltime until;
    int expires = render_expires_at(ctx, ev, &until);

    caltime_format(&ev->certified_at, dates[0]);
    caltime_format(&ev->concluded_at, dates[1]);
    if (ev->has_enrolled_at)
        caltime_format(&ev->enrolled_at, dates[2]);
    caltime_format(&ev->send_at, dates[3]);
    if (expires)
        caltime_format(&until, dates[4]);
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
        .expires_at = expires ? dates[4] : NULL,
    };
}

enum issue_status issue_event(struct issue *is, const char *body, size_t len,
                              struct issue_result *r)
{
    struct issue_snapshot *s = issue_hold(is);
    enum issue_status st = issue_event_on(is, s, body, len, r);
    issue_release(is, s);
    return st;
}

/* A delivery checked and due for a write: what issue_event_finish needs.
 * f points into ev, dates and the caller's body. */
struct issue_pending {
    struct event ev;
    struct store_fields f;
    char dates[5][20];
};

void issue_pending_free(struct issue_pending *p)
{
    if (!p)
        return;
    event_free(&p->ev);
    free(p);
}

int issue_event_begin(struct issue *is, struct issue_snapshot *s, const char *body, size_t len,
                      struct issue_result *r, struct issue_pending **pending)
{
    struct issue_pending *p = xcalloc(1, sizeof(*p));
    struct render_ctx *c = NULL;
    enum event_status es;
    double t0;

    *pending = NULL;
    memset(r, 0, sizeof(*r));
    es = event_parse(body, len, &p->ev, &r->diags);
    if (p->ev.slug)
        snprintf(r->slug, sizeof(r->slug), "%s", p->ev.slug);
    r->institution_id = p->ev.institution_id > 0 ? p->ev.institution_id : 0;
    switch (es) {
    case EVENT_IGNORED:
        r->status = ISSUE_IGNORED;
        goto answered;
    case EVENT_BAD_JSON:
        r->status = ISSUE_BAD_JSON;
        goto answered;
    case EVENT_INVALID:
        r->status = ISSUE_INVALID;
        goto answered;
    case EVENT_OK:
        break;
    }
    if (!(c = ctx_take(is, s, r->error, sizeof(r->error)))) {
        r->status = ISSUE_FAILED;
        goto answered;
    }
    /* a character no font has would print blank: refuse it before anything is archived */
    switch (unprintable(is, c, &p->ev, &r->diags, r->error, sizeof(r->error))) {
    case -1:
        r->status = ISSUE_FAILED;
        goto answered;
    case 0:
        break;
    default:
        r->status = ISSUE_INVALID;
        goto answered;
    }
    {
        const char *base = render_public_url(c, p->ev.institution_id);
        if (base)
            snprintf(r->public_url, sizeof(r->public_url), "%s", base);
    }
    fields_of(&p->ev, body, len, c, &p->f, p->dates);
    ctx_give(is, s, c);
    r->status = ISSUE_STORED;
    t0 = now_ms();
    if (store_peek(is->st, &p->f, &r->stored) == 1) {
        r->store_ms = now_ms() - t0;
        issue_pending_free(p);
        return 1;
    }
    *pending = p;
    return 0;
answered:
    ctx_give(is, s, c);
    issue_pending_free(p);
    return 1;
}

enum issue_status issue_event_finish(struct issue *is, struct issue_snapshot *s,
                                     struct issue_pending *p, struct issue_result *r)
{
    struct render_job job = {is, NULL, &p->ev, 0};
    double t0;

    if (!(job.ctx = ctx_take(is, s, r->error, sizeof(r->error)))) {
        r->status = ISSUE_FAILED;
        goto out;
    }
    t0 = now_ms();
    if (store_write(is->st, &p->f, render_cb, &job, &r->stored, r->error, sizeof(r->error)) < 0)
        r->status = ISSUE_FAILED;
    else
        r->status = ISSUE_STORED;
    r->render_ms = job.ms;
    r->store_ms = now_ms() - t0 - job.ms;
out:
    ctx_give(is, s, job.ctx);
    issue_pending_free(p);
    return r->status;
}

enum issue_status issue_event_on(struct issue *is, struct issue_snapshot *s, const char *body,
                                 size_t len, struct issue_result *r)
{
    struct issue_pending *p;

    if (!issue_event_begin(is, s, body, len, r, &p))
        issue_event_finish(is, s, p, r);
    return r->status;
}

void issue_result_free(struct issue_result *r)
{
    event_diags_free(&r->diags);
}

int issue_rerender(struct issue *is, const struct store_rerender_filter *f, size_t *count,
                   char *err, size_t errlen)
{
    return store_rerender(is->st, f, rerender_cb, is, count, err, errlen);
}

int issue_batch_begin(struct issue *is, char *err, size_t errlen)
{
    return store_batch_begin(is->st, err, errlen);
}

int issue_batch_end(struct issue *is, char *err, size_t errlen)
{
    return store_batch_end(is->st, err, errlen);
}
