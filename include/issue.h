/* The one place that turns an event body into an archived certificate:
 * validate -> render -> store. Used alike by `render --store`, `import`,
 * `rerender` and the webhook.
 * Thread safety: one struct issue may be shared by many threads. It draws
 * with a configuration snapshot (tenants and templates, read and checked at
 * once); issue_reload swaps in a new one while requests holding the old one
 * finish with it, and the old one is freed when the last of them ends. */
#ifndef ISSUE_H
#define ISSUE_H

#include <stddef.h>

#include "event.h"
#include "i18n.h"
#include "sign.h"
#include "store.h"
#include "tenant.h"

struct issue_config {
    const char *store_dir;  /* the archive folder */
    const char *home;       /* folder with fonts/ and templates/, NULL: next to the program */
    const char *public_url; /* verification links: {public_url}/verify/{code} */
    const char *template;   /* NULL: by the event's type */
    enum i18n_locale locale;
    const char *tenants; /* the tenants folder, NULL: $CERTIFICA_TENANTS, else home/tenants */
    int locale_fixed;    /* locale was asked for: it beats a tenant's "locale" */
    const struct sign_key *sign; /* sign every PDF before it is archived; NULL: unsigned.
                                    Not owned: it must outlive the struct issue */
    int pdfa_off;        /* 1: plain PDFs; 0 (the default): PDF/A-1b */
};

enum issue_status {
    ISSUE_STORED,   /* result.stored says issued, unchanged or revised */
    ISSUE_IGNORED,  /* another slug: nothing done */
    ISSUE_BAD_JSON, /* not JSON / not UTF-8: diags has one entry */
    ISSUE_INVALID,  /* schema violations: diags has them all */
    ISSUE_FAILED,   /* render, sign or store failed: error says why (retry later) */
};

struct issue_result {
    enum issue_status status;
    struct store_result stored;
    struct event_diags diags;
    char slug[128]; /* event.slug when there was one */
    int64_t institution_id; /* data.institution.id as far as it was read, 0 otherwise */
    char error[256];
    char public_url[512]; /* the institution's own verification base (tenant.json), or "" */
    double render_ms;     /* time spent rendering, 0 when nothing rendered */
    double store_ms;      /* time spent writing the archive */
};

struct issue;

/* Open the archive (recovering it) and prepare rendering. NULL with err set. */
struct issue *issue_open(const struct issue_config *cfg, char *err, size_t errlen);
void issue_close(struct issue *is);
/* Append the public verification URL of a code, {public_url}/verify/{code}:
 * the one printed in the QR code and returned by the webhook. */
void issue_verify_url(struct buf *out, const char *public_url, const char *code);
/* The archive, for read-only queries (search, download, verify). */
struct store *issue_store(struct issue *is);

/* Archive one event body with the configuration in use now. Always fills
 * *r; free it with issue_result_free. */
enum issue_status issue_event(struct issue *is, const char *body, size_t len,
                              struct issue_result *r);

/* The configuration in use now, held (counted) until issue_release: a
 * request that holds it from its start uses it to its end, whatever reloads
 * happen meanwhile. Never NULL; release NULL is fine. */
struct issue_snapshot;
struct issue_snapshot *issue_hold(struct issue *is);
void issue_release(struct issue *is, struct issue_snapshot *s);
/* issue_event with a held configuration. */
enum issue_status issue_event_on(struct issue *is, struct issue_snapshot *s, const char *body,
                                 size_t len, struct issue_result *r);
/* issue_event_on in two parts, which may run on two threads. begin checks
 * the body and looks at the archive (store_peek): 1 when that is the answer
 * (a body refused, ignored or not printable, or a delivery found unchanged),
 * r filled as issue_event_on fills it; 0 when a render and a write are due:
 * *pending is set, r holds what the check found (slug, institution,
 * warnings), and issue_event_finish (with the same s and r, and the body
 * still there) renders, writes and frees pending; issue_pending_free frees
 * one that is not finished. */
struct issue_pending;
int issue_event_begin(struct issue *is, struct issue_snapshot *s, const char *body, size_t len,
                      struct issue_result *r, struct issue_pending **pending);
enum issue_status issue_event_finish(struct issue *is, struct issue_snapshot *s,
                                     struct issue_pending *p, struct issue_result *r);
void issue_pending_free(struct issue_pending *p);
/* The tenants of a held configuration (valid while it is held). */
const struct tenants *issue_tenants(const struct issue_snapshot *s);
/* The tenant of an institution in a held configuration (name, logo, ...),
 * or NULL when it has no folder; valid while s is held. */
const struct tenant *issue_tenant(const struct issue_snapshot *s, long long institution_id);

/* Read and check tenants and templates again, exactly as issue_open does, and
 * when all is valid make that the configuration of every later issue_hold
 * (0). Otherwise keep the running one: -1 with err naming each file and key
 * that is wrong, one a line. Call it from one thread at a time. */
int issue_reload(struct issue *is, char *err, size_t errlen);
void issue_result_free(struct issue_result *r);

/* Re-make the PDFs of the latest revisions the filter takes (NULL: all; see
 * store_rerender) with the configured template and locale, or each tenant's
 * rules; *count says how many. 0, or -1 with err set. */
int issue_rerender(struct issue *is, const struct store_rerender_filter *f, size_t *count,
                   char *err, size_t errlen);

/* Group many issue_event calls into one durable batch (import). */
int issue_batch_begin(struct issue *is, char *err, size_t errlen);
int issue_batch_end(struct issue *is, char *err, size_t errlen);

#endif
