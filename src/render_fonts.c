/* The fonts of the render contexts: files opened once per process and shared (counted),
 * and the chain of each font role of a template: its own font, then its fallbacks. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdf.h"
#include "render_int.h"
#include "banned.h"

/* Fonts are shared by every context of the process, counted: a large face prepared for
 * subsetting (the CJK one takes tens of megabytes) then exists once, not once per server
 * thread. A struct font is safe to use from many threads. */
struct shared_font {
    char *path;
    int index;
    struct font *f;
    unsigned refs;
};
int render_icc(struct render_ctx *c, char *err, size_t errlen)
{
    struct buf small = BUF_INIT;
    char path[4096];

    if (c->icc.len)
        return 0;
    if (snprintf(path, sizeof(path), "%s/%s", c->fonts_dir, RENDER_ICC_FILE) >= (int)sizeof(path) ||
        buf_read_file(&c->icc, path) < 0 || c->icc.len < 128) {
        buf_reset(&c->icc);
        snprintf(err, errlen,
                 "colour profile '%s' for PDF/A is missing (package icc-profiles-free: run 'make "
                 "deps'), or set pdfa = off",
                 path);
        return -1;
    }
    if (pdf_icc_compact(c->icc.data, c->icc.len, &small) == 0) {
        buf_free(&c->icc);
        c->icc = small;
    }
    return 0;
}

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static struct shared_font *shared;
static size_t n_shared;

static struct font *font_acquire(const char *path, int index, int lazy, char *err, size_t errlen)
{
    struct font *f = NULL;

    pthread_mutex_lock(&shared_lock);
    for (size_t i = 0; i < n_shared && !f; i++)
        if (shared[i].index == index && !strcmp(shared[i].path, path)) {
            shared[i].refs++;
            f = shared[i].f;
        }
    if (!f && (f = font_open(path, index, lazy, err, errlen))) {
        shared = xrealloc(shared, (n_shared + 1) * sizeof(*shared));
        shared[n_shared++] = (struct shared_font){xstrdup(path), index, f, 1};
    }
    pthread_mutex_unlock(&shared_lock);
    return f;
}

void render_font_release(struct font *f)
{
    pthread_mutex_lock(&shared_lock);
    for (size_t i = 0; i < n_shared; i++) {
        if (shared[i].f != f)
            continue;
        if (--shared[i].refs == 0) {
            font_free(f);
            free(shared[i].path);
            shared[i] = shared[--n_shared];
            if (!n_shared) {
                free(shared);
                shared = NULL;
            }
        }
        break;
    }
    pthread_mutex_unlock(&shared_lock);
}

static struct font *get_font(struct render_ctx *c, const char *path, int index, int lazy, char *err,
                             size_t errlen)
{
    struct font *f;
    for (size_t i = 0; i < c->n_fonts; i++)
        if (c->fonts[i].index == index && !strcmp(c->fonts[i].path, path))
            return c->fonts[i].f;
    f = font_acquire(path, index, lazy, err, errlen);
    if (!f)
        return NULL;
    c->fonts = xrealloc(c->fonts, (c->n_fonts + 1) * sizeof(*c->fonts));
    c->fonts[c->n_fonts].path = xstrdup(path);
    c->fonts[c->n_fonts].index = index;
    c->fonts[c->n_fonts].f = f;
    c->n_fonts++;
    return f;
}

/* Append font f to the chain unless it is there already. */
static void chain_add(struct chain *ch, size_t *cap, struct font *f, uint32_t script, int embolden)
{
    for (size_t i = 0; i < ch->n; i++)
        if (ch->f[i].f == f && ch->f[i].script == script)
            return;
    if (ch->n == *cap)
        ch->f = xrealloc(ch->f, (*cap = *cap * 2 + 8) * sizeof(*ch->f));
    ch->f[ch->n++] = (struct shape_font){f, script, embolden};
}

/* Append the fonts of the chain of fonts/FALLBACK called name, in the faces style asks for. */
static int add_named_chain(struct render_ctx *c, const char *name, int style, struct chain *ch,
                           size_t *cap, char *err, size_t errlen)
{
    const struct fallback_chain *fc = fallback_find(c->fallback, name);

    if (!fc) {
        struct buf names = BUF_INIT;
        for (size_t i = 0; c->fallback && i < c->fallback->n; i++)
            buf_addf(&names, "%s'%s'", i ? ", " : "", c->fallback->chains[i].name);
        snprintf(err, errlen, "fallback: no chain '%s' in '%s/FALLBACK'%s%s%s", name, c->fonts_dir,
                 names.len ? " (it has " : "", names.len ? names.data : "", names.len ? ")" : "");
        buf_free(&names);
        return -1;
    }
    for (size_t i = 0; i < fc->n; i++) {
        const struct fallback_font *ff = fallback_face(&fc->e[i], style);
        struct font *f = get_font(c, ff->path, ff->index, 1, err, errlen);
        if (!f)
            return -1;
        chain_add(ch, cap, f, fc->e[i].script, (style & FONT_BOLD) && !fc->e[i].face[1].path);
    }
    return 0;
}

/* The template's font for a role, then its fallbacks: those the role's "fallback" key names,
 * else the chain its style calls for ("serif" or "sans"), in the matching bold and italic
 * faces. */
int render_make_chain(struct render_ctx *c, const struct tpl_font *tf, struct chain *ch, char *err,
                      size_t errlen)
{
    struct font *own = get_font(c, tf->path, tf->index, 0, err, errlen);
    size_t cap = 0;
    int style;

    if (!own)
        return -1;
    style = font_style(own);
    chain_add(ch, &cap, own, 0, 0);
    if (!tf->has_fallback)
        return fallback_find(c->fallback, style & FONT_SERIF ? "serif" : "sans")
                   ? add_named_chain(c, style & FONT_SERIF ? "serif" : "sans", style, ch, &cap, err,
                                     errlen)
                   : 0;
    for (size_t i = 0; i < tf->n_fallback; i++) {
        const struct tpl_fallback *fb = &tf->fallback[i];
        struct font *f;
        if (fb->chain) {
            if (add_named_chain(c, fb->chain, style, ch, &cap, err, errlen) < 0)
                return -1;
            continue;
        }
        if (!(f = get_font(c, fb->path, fb->index, 1, err, errlen)))
            return -1;
        chain_add(ch, &cap, f, 0, (style & FONT_BOLD) && !(font_style(f) & FONT_BOLD));
    }
    return 0;
}

int render_all_fonts(struct render_ctx *c, struct chain *ch, char *err, size_t errlen)
{
    size_t cap = 0;

    memset(ch, 0, sizeof(*ch));
    for (size_t i = 0; c->fallback && i < c->fallback->n; i++)
        if (add_named_chain(c, c->fallback->chains[i].name, 0, ch, &cap, err, errlen) < 0)
            return -1;
    return 0;
}
