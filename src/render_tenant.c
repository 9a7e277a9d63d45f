/* Which template a certificate uses: the command line's, else its tenant's
 * first matching rule, else its type's; each NAME looked up in the tenant's
 * templates/ before the global templates/. The one place for render, import,
 * rerender and the webhook. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "layout.h"
#include "pdf.h"
#include "render_int.h"
#include "tenant.h"
#include "banned.h"

const struct tenants *render_tenants(const struct render_ctx *c)
{
    return c->tenants;
}

const struct tenant_course *render_course(const struct render_ctx *c, const struct event *ev)
{
    return tenant_course(tenants_find(c->tenants, ev->institution_id), ev->course_id);
}

const struct render_opts *render_tenant_opts(const struct render_ctx *c, const struct event *ev,
                                             const struct render_opts *o, struct render_opts *copy)
{
    const struct tenant *t = tenants_find(c->tenants, ev->institution_id);
    if (o->locale_fixed || !t || !t->has_locale || t->locale == o->locale)
        return o;
    *copy = *o;
    copy->locale = t->locale;
    return copy;
}

const char *render_public_url(const struct render_ctx *c, long long institution_id)
{
    const struct tenant *t = tenants_find(c->tenants, institution_id);
    return t ? t->public_url : NULL;
}

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* NAME.<locale>.json, then NAME.json, in dir as the configuration read it: appended to out
 * when found (1), else the paths tried are appended to tried (0). */
static int look_in(const struct render_conf *cf, const char *dir, const char *name,
                   enum i18n_locale loc, struct buf *out, struct buf *tried)
{
    struct buf a = BUF_INIT, b = BUF_INIT;
    int hit = 0;
    buf_addf(&a, "%s/%s.%s.json", dir, name, i18n_name(loc));
    buf_addf(&b, "%s/%s.json", dir, name);
    if (render_conf_has(cf, a.data)) {
        buf_adds(out, a.data);
        hit = 1;
    } else if (render_conf_has(cf, b.data)) {
        buf_adds(out, b.data);
        hit = 1;
    } else {
        buf_addf(tried, "%s'%s' and '%s'", tried->len ? ", " : "", a.data, b.data);
    }
    buf_free(&a);
    buf_free(&b);
    return hit;
}

const char *render_template_path(struct render_ctx *c, const struct event *ev,
                                 const struct render_opts *o, char *err, size_t errlen)
{
    const struct tenant *tn = tenants_find(c->tenants, ev->institution_id);
    struct render_opts copy;
    const char *name = o->template;
    struct buf hit = BUF_INIT, tried = BUF_INIT;
    static __thread char found[PATH_MAX];
    int ok = 0;
    size_t len;

    o = render_tenant_opts(c, ev, o, &copy);
    if (!name && tn)
        name = tenant_match(tn, ev->school_id, ev->course_id, ev->type, o->locale);
    if (!name)
        name = event_type_name(ev->type);
    len = strlen(name);
    if (strchr(name, '/') || (len > 5 && !strcmp(name + len - 5, ".json"))) {
        if (file_exists(name) && len < sizeof(found)) {
            snprintf(found, sizeof(found), "%s", name);
            return found;
        }
        snprintf(err, errlen, "template '%s' not found", name);
        return NULL;
    }
    if (tn) {
        struct buf own = BUF_INIT;
        buf_addf(&own, "%s/templates", tn->dir);
        ok = look_in(c->conf, own.data, name, o->locale, &hit, &tried);
        buf_free(&own);
    }
    if (!ok)
        ok = look_in(c->conf, c->templates_dir, name, o->locale, &hit, &tried);
    if (ok && hit.len < sizeof(found))
        snprintf(found, sizeof(found), "%s", hit.data);
    else
        snprintf(err, errlen, "template '%s' not found (looked for %s)", name, tried.data);
    buf_free(&hit);
    buf_free(&tried);
    return ok ? found : NULL;
}

/* The scanned signature of a manager: signatures/<id>.png, .jpg or .jpeg, or NULL. */
static char *signature_file(const struct tenant *t, long long manager_id)
{
    static const char *const ext[] = {"png", "jpg", "jpeg"};
    char name[48];
    char *p = NULL;
    for (size_t i = 0; i < 3 && !p; i++) {
        snprintf(name, sizeof(name), "%lld.%s", manager_id, ext[i]);
        p = tenant_file(t, "signatures", name);
    }
    return p;
}

int render_signature_images(struct render_ctx *c, struct pdf *p, const struct event *ev,
                            const struct layout_sign *sg, double top, char *err, size_t errlen)
{
    const struct tenant *t = tenants_find(c->tenants, ev->institution_id);
    int rc = 0;
    for (size_t i = 0; t && t->n_signatures && rc == 0 && i < sg->shown && i < ev->n_managers;
         i++) {
        const struct layout_sign_cell *cell = &sg->cells[i];
        char *img = signature_file(t, (long long)ev->managers[i].id);
        double above = top;
        if (!img)
            continue;
        /* the room above this cell's line: up to the row above it, or the block's top */
        for (size_t k = 0; k < sg->shown; k++) {
            const struct layout_sign_cell *o = &sg->cells[k];
            double bottom = o->name.y + o->name.h;
            if (o->label.h > 0 && o->label.y + o->label.h > bottom)
                bottom = o->label.y + o->label.h;
            if (o->line_y < cell->line_y - 0.01 && bottom > above)
                above = bottom;
        }
        if (cell->line_y - 1 - above > 4)
            rc = pdf_image_fit(p, img, cell->line_x0, above, cell->line_x1 - cell->line_x0,
                               cell->line_y - 1 - above, err, errlen);
        free(img);
    }
    return rc;
}
