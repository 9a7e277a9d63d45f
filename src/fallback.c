/* fonts/FALLBACK: one font per line, "CHAIN REGULAR [BOLD [ITALIC
 * [BOLD-ITALIC]]] [script=XXXX]", '-' for a face the font lacks, '#' starts
 * a comment. Files are looked up in the fonts folder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hb.h>

#include "buf.h"
#include "fallback.h"
#include "font.h"
#include "banned.h"

#define LINE_MAX_LEN 1024

static struct fallback_chain *chain_for(struct fallback *fb, const char *name)
{
    for (size_t i = 0; i < fb->n; i++)
        if (!strcmp(fb->chains[i].name, name))
            return &fb->chains[i];
    fb->chains = xrealloc(fb->chains, (fb->n + 1) * sizeof(*fb->chains));
    memset(&fb->chains[fb->n], 0, sizeof(fb->chains[0]));
    fb->chains[fb->n].name = xstrdup(name);
    return &fb->chains[fb->n++];
}

/* "file.ttf" or "file.ttc:N" into f; 0, or -1 with err. */
static int parse_file(const char *dir, const char *tok, struct fallback_font *f, const char *where,
                      char *err, size_t errlen)
{
    struct buf path = BUF_INIT;
    const char *colon = strrchr(tok, ':');
    struct stat st;
    size_t len = colon ? (size_t)(colon - tok) : strlen(tok);
    char *end;

    f->index = 0;
    if (colon) {
        long v = strtol(colon + 1, &end, 10);
        if (*end || end == colon + 1 || v < 0 || v > 9999) {
            snprintf(err, errlen, "%s: bad face index in '%s'", where, tok);
            return -1;
        }
        f->index = (int)v;
    }
    if (!len || memchr(tok, '/', len)) {
        snprintf(err, errlen, "%s: '%s' must be a file name in the fonts folder", where, tok);
        return -1;
    }
    buf_addf(&path, "%s/%.*s", dir, (int)len, tok);
    if (stat(path.data, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: font file '%.*s' not found in '%s'", where, (int)len, tok, dir);
        buf_free(&path);
        return -1;
    }
    f->path = buf_detach(&path, NULL);
    return 0;
}

static int parse_line(struct fallback *fb, const char *dir, char *line, const char *where,
                      char *err, size_t errlen)
{
    char *save = NULL, *tok, *name;
    struct fallback_entry e;
    struct fallback_chain *c;
    int nface = 0;

    memset(&e, 0, sizeof(e));
    if (!(name = strtok_r(line, " \t", &save)))
        return 0;
    while ((tok = strtok_r(NULL, " \t", &save))) {
        if (!strncmp(tok, "script=", 7)) {
            hb_script_t s = hb_script_from_string(tok + 7, -1);
            if (strlen(tok + 7) != 4 || s == HB_SCRIPT_UNKNOWN || s == HB_SCRIPT_INVALID) {
                snprintf(err, errlen, "%s: unknown script '%s' (use an ISO 15924 code: Hang)",
                         where, tok + 7);
                goto fail;
            }
            e.script = (uint32_t)s;
            continue;
        }
        if (nface == 4) {
            snprintf(err, errlen, "%s: at most four faces (regular, bold, italic, bold italic)",
                     where);
            goto fail;
        }
        if (strcmp(tok, "-") && parse_file(dir, tok, &e.face[nface], where, err, errlen) < 0)
            goto fail;
        nface++;
    }
    if (!e.face[0].path) {
        snprintf(err, errlen, "%s: a chain name and at least its regular font file", where);
        goto fail;
    }
    c = chain_for(fb, name);
    c->e = xrealloc(c->e, (c->n + 1) * sizeof(*c->e));
    c->e[c->n++] = e;
    return 0;
fail:
    for (int i = 0; i < 4; i++)
        free(e.face[i].path);
    return -1;
}

struct fallback *fallback_load(const char *fonts_dir, char *err, size_t errlen)
{
    struct fallback *fb = xcalloc(1, sizeof(*fb));
    struct buf path = BUF_INIT;
    char line[LINE_MAX_LEN], where[LINE_MAX_LEN + 32];
    int lineno = 0;
    FILE *fp;

    buf_addf(&path, "%s/FALLBACK", fonts_dir);
    fp = fopen(path.data, "r");
    if (!fp) {
        if (errno == ENOENT) {
            buf_free(&path);
            return fb;
        }
        snprintf(err, errlen, "cannot open '%s': %s", path.data, strerror(errno));
        goto fail;
    }
    while (fgets(line, sizeof(line), fp)) {
        char *hash = strchr(line, '#');
        lineno++;
        if (hash)
            *hash = '\0';
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(where, sizeof(where), "%s:%d", path.data, lineno);
        if (parse_line(fb, fonts_dir, line, where, err, errlen) < 0) {
            fclose(fp);
            goto fail;
        }
    }
    fclose(fp);
    buf_free(&path);
    return fb;
fail:
    buf_free(&path);
    fallback_free(fb);
    return NULL;
}

void fallback_free(struct fallback *fb)
{
    if (!fb)
        return;
    for (size_t i = 0; i < fb->n; i++) {
        for (size_t k = 0; k < fb->chains[i].n; k++)
            for (int f = 0; f < 4; f++)
                free(fb->chains[i].e[k].face[f].path);
        free(fb->chains[i].e);
        free(fb->chains[i].name);
    }
    free(fb->chains);
    free(fb);
}

const struct fallback_chain *fallback_find(const struct fallback *fb, const char *name)
{
    for (size_t i = 0; fb && i < fb->n; i++)
        if (!strcmp(fb->chains[i].name, name))
            return &fb->chains[i];
    return NULL;
}

const struct fallback_font *fallback_face(const struct fallback_entry *e, int style)
{
    int bold = (style & FONT_BOLD) != 0, italic = (style & FONT_ITALIC) != 0;

    if (bold && italic && e->face[3].path)
        return &e->face[3];
    if (bold && e->face[1].path)
        return &e->face[1];
    if (italic && e->face[2].path)
        return &e->face[2];
    return &e->face[0];
}
