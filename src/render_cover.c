/* What can be printed: every character of the texts a template prints must
 * be in some font of the chain of the role that prints it. Checked before
 * anything is issued, for the event's fields, and at load for the
 * template's own texts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_int.h"
#include "utf8.h"
#include "banned.h"

#define MARK "\x01"

const char *const render_vars[4] = {"student", "nickname", "course", "school"};

/* The lookup of a text expanded to see whether it prints `want`: MARK for it, anything else
 * non-empty (so that every section counts as shown). */
struct probe {
    const char *want;
};

static const char *probe_lookup(void *ctx, const char *name)
{
    const struct probe *p = ctx;
    return !strcmp(name, p->want) ? MARK : "x";
}

static int prints(const char *text, const char *var)
{
    struct probe p = {var};
    struct buf out = BUF_INIT;
    int hit;

    if (!text)
        return 0;
    template_expand(text, probe_lookup, &p, &out);
    hit = strstr(out.data, MARK) != NULL;
    buf_free(&out);
    return hit;
}

/* Does element k of ct print the field of placeholder var? */
static int element_prints(const struct cached_template *ct, size_t k, const char *var)
{
    const struct tpl_element *e = &ct->t->elems[k];

    if (!strcmp(var, "manager"))
        return e->kind == TPL_SIGNATURES;
    for (unsigned v = 0; v < 4; v++)
        if (!strcmp(var, render_vars[v]))
            return (ct->prints[k] >> v) & 1;
    return e->kind == TPL_TEXT && prints(e->text, var);
}

/* The first character of s no font of the chain has, from *at on; 0 at the end. */
static uint32_t next_missing(const struct chain *ch, const char *s, size_t *at)
{
    size_t n = strlen(s), k;
    uint32_t cp;

    while (*at < n) {
        k = utf8_decode(s + *at, n - *at, &cp);
        if (!k)
            cp = 0xFFFD, k = 1;
        *at += k;
        if (shape_font_for(ch->f, ch->n, cp) < 0)
            return cp;
    }
    return 0;
}

static int seen(const uint32_t *v, size_t n, uint32_t cp)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == cp)
            return 1;
    return 0;
}

static void add_diag(struct event_diags *d, const char *path, uint32_t cp)
{
    struct event_diag *e;

    d->errors = xrealloc(d->errors, (d->n_errors + 1) * sizeof(*d->errors));
    e = &d->errors[d->n_errors++];
    snprintf(e->path, sizeof(e->path), "%s", path);
    snprintf(e->message, sizeof(e->message), "U+%04X cannot be printed: no font has it",
             (unsigned)cp);
}

size_t render_event_fields(const struct event *ev, struct render_field **out)
{
    struct render_field *f = xcalloc(4 + ev->n_managers, sizeof(*f));
    size_t n = 0;

    f[n++] = (struct render_field){"student", "data.user.name", ev->user_name};
    if (ev->user_nickname)
        f[n++] = (struct render_field){"nickname", "data.user.nickname", ev->user_nickname};
    f[n++] = (struct render_field){"course", "data.course.name", ev->course_name};
    f[n++] = (struct render_field){"school", "data.school.name", ev->school_name};
    for (size_t i = 0; i < ev->n_managers; i++) {
        f[n].var = "manager";
        snprintf(f[n].path, sizeof(f[n].path), "data.school.managers[%zu].manager_name", i);
        f[n++].text = ev->managers[i].name;
    }
    *out = f;
    return n;
}

/* Each character of text no font of ch has, once, as a line "FILE: KEY: U+XXXX ..." in
 * msgs. */
static void course_text(const struct chain *ch, const char *file, const char *key, const char *text,
                        struct buf *msgs)
{
    uint32_t *done = xmalloc((strlen(text) + 1) * sizeof(*done)), cp;
    size_t n_done = 0, at = 0;

    while ((cp = next_missing(ch, text, &at))) {
        if (seen(done, n_done, cp))
            continue;
        done[n_done++] = cp;
        buf_addf(msgs, "%s%s: %s: U+%04X cannot be printed: no font has it", msgs->len ? "\n" : "",
                 file, key, (unsigned)cp);
    }
    free(done);
}

int render_check_courses(struct render_ctx *c, char *err, size_t errlen)
{
    struct chain all = {0};
    struct buf msgs = BUF_INIT, file = BUF_INIT;
    char key[32];
    int rc = 0, any = 0;

    for (size_t i = 0; i < c->tenants->n && !any; i++)
        any = c->tenants->t[i].n_courses > 0;
    if (any) /* the fonts are opened only for a tenant with course files */
        rc = render_all_fonts(c, &all, err, errlen);

    for (size_t i = 0; rc == 0 && all.n && i < c->tenants->n; i++) {
        const struct tenant *t = &c->tenants->t[i];
        for (size_t k = 0; k < t->n_courses; k++) {
            const struct tenant_course *tc = &t->courses[k];
            buf_reset(&file);
            buf_addf(&file, "%s/courses/%lld.json", t->dir, tc->id);
            if (tc->display_name)
                course_text(&all, file.data, "display_name", tc->display_name, &msgs);
            for (size_t j = 0; j < tc->n_syllabus; j++) {
                snprintf(key, sizeof(key), "syllabus[%zu]", j);
                course_text(&all, file.data, key, tc->syllabus[j], &msgs);
            }
        }
    }
    if (rc == 0 && msgs.len) {
        snprintf(err, errlen, "%s", msgs.data);
        rc = -1;
    }
    free(all.f);
    buf_free(&msgs);
    buf_free(&file);
    return rc;
}

size_t render_course_fields(const struct render_ctx *c, const struct event *ev,
                            struct render_field **f, size_t n)
{
    const struct tenant_course *tc = render_course(c, ev);

    if (!tc)
        return n;
    *f = xrealloc(*f, (n + 1 + tc->n_syllabus) * sizeof(**f));
    for (size_t i = 0; tc->display_name && i < n; i++)
        if (!strcmp((*f)[i].var, "course")) {
            snprintf((*f)[i].path, sizeof((*f)[i].path), "courses/%lld.json: display_name", tc->id);
            (*f)[i].text = tc->display_name;
        }
    for (size_t j = 0; j < tc->n_syllabus; j++) {
        (*f)[n].var = "syllabus";
        snprintf((*f)[n].path, sizeof((*f)[n].path), "courses/%lld.json: syllabus[%zu]", tc->id, j);
        (*f)[n++].text = tc->syllabus[j];
    }
    return n;
}

int render_cover_check(const struct cached_template *ct, const struct render_field *fields,
                       size_t n, struct event_diags *d)
{
    uint32_t *done = NULL;
    int added = 0;

    for (size_t i = 0; i < n; i++) {
        size_t n_done = 0;
        if (!fields[i].text)
            continue;
        done = xrealloc(done, (strlen(fields[i].text) + 1) * sizeof(*done));
        for (size_t k = 0; k < ct->t->n_elems; k++) {
            const struct tpl_element *e = &ct->t->elems[k];
            size_t at = 0;
            uint32_t cp;
            if (!element_prints(ct, k, fields[i].var))
                continue;
            while ((cp = next_missing(&ct->chains[e->font], fields[i].text, &at))) {
                if (seen(done, n_done, cp))
                    continue;
                done[n_done++] = cp;
                add_diag(d, fields[i].path, cp);
                added++;
            }
        }
    }
    free(done);
    return added;
}

int render_check_template(struct cached_template *ct, char *err, size_t errlen)
{
    ct->prints = xcalloc(ct->t->n_elems + 1, sizeof(*ct->prints));
    for (size_t k = 0; k < ct->t->n_elems; k++) {
        const struct tpl_element *e = &ct->t->elems[k];
        for (unsigned v = 0; v < 4 && e->kind == TPL_TEXT; v++)
            if (prints(e->text, render_vars[v]))
                ct->prints[k] |= 1u << v;
        const char *texts[2] = {e->text, e->label};
        const int roles[2] = {e->font, e->label_font};
        for (int j = 0; j < 2; j++) {
            size_t at = 0;
            uint32_t cp;
            if (!texts[j])
                continue;
            if ((cp = next_missing(&ct->chains[roles[j]], texts[j], &at))) {
                snprintf(err, errlen,
                         "%s: elements[%zu].%s: U+%04X cannot be printed: no font has it",
                         ct->t->path, k, j ? "label" : "text", (unsigned)cp);
                return -1;
            }
        }
    }
    return 0;
}
