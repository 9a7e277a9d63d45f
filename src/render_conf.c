/* A render configuration read at one moment: the tenants folder (checked)
 * and the text of every template a certificate may be drawn with (the global
 * templates/ and each tenant's own). Contexts made on it draw with exactly
 * that, whatever happens on disk afterwards, until the program loads a new
 * one (the server on SIGHUP). render.c adds the checks that need a context. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render_int.h"
#include "banned.h"

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *join(const char *a, const char *b)
{
    struct buf x = BUF_INIT;
    buf_addf(&x, "%s/%s", a, b);
    return buf_detach(&x, NULL);
}

/* The folder with templates/: $CERTIFICA_HOME, else the program's folder or
 * one of its parents (build/tests/ programs find the repository's). */
static char *find_home(void)
{
    char exe[PATH_MAX], *slash, *t;
    const char *env = getenv("CERTIFICA_HOME");
    ssize_t n;

    if (env && *env)
        return xstrdup(env);
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return xstrdup(".");
    exe[n] = '\0';
    for (int up = 0; up < 4 && (slash = strrchr(exe, '/')); up++) {
        *slash = '\0';
        t = join(exe[0] ? exe : "/", "templates");
        if (is_dir(t)) {
            free(t);
            return xstrdup(exe[0] ? exe : "/");
        }
        free(t);
    }
    return xstrdup(".");
}

/* Keep the text of every *.json file of dir (a missing folder holds none).
 * 0, or -1 with err naming the file that cannot be read. */
static int read_texts(struct render_conf *cf, const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;

    if (!d && (errno == ENOENT || errno == ENOTDIR))
        return 0;
    if (!d) {
        snprintf(err, errlen, "cannot open '%s': %s", dir, strerror(errno));
        return -1;
    }
    while (rc == 0 && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        struct buf text = BUF_INIT;
        char *path;
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json"))
            continue;
        path = join(dir, e->d_name);
        if (!is_dir(path) && buf_read_file(&text, path) < 0) {
            snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
            rc = -1;
        } else if (!is_dir(path)) {
            cf->texts = xrealloc(cf->texts, (cf->n_texts + 1) * sizeof(*cf->texts));
            cf->texts[cf->n_texts].path = path;
            cf->texts[cf->n_texts].len = text.len;
            cf->texts[cf->n_texts++].text = buf_detach(&text, NULL);
            path = NULL;
        }
        buf_free(&text);
        free(path);
    }
    closedir(d);
    return rc;
}

struct render_conf *render_conf_read(const char *home, const char *tenants, char *err,
                                     size_t errlen)
{
    struct render_conf *cf = xcalloc(1, sizeof(*cf));
    char *tdir = NULL;

    cf->home = home ? xstrdup(home) : find_home();
    cf->fonts_dir = join(cf->home, "fonts");
    cf->templates_dir = join(cf->home, "templates");
    if (!is_dir(cf->templates_dir)) {
        snprintf(err, errlen, "no templates folder at '%s' (set CERTIFICA_HOME)",
                 cf->templates_dir);
        goto fail;
    }
    tdir = tenants_dir(tenants, cf->home);
    cf->tenants = tenants_load(tdir, cf->templates_dir, cf->fonts_dir, err, errlen);
    if (!cf->tenants || read_texts(cf, cf->templates_dir, err, errlen) < 0)
        goto fail;
    for (size_t i = 0; i < cf->tenants->n; i++) {
        char *own = join(cf->tenants->t[i].dir, "templates");
        int rc = read_texts(cf, own, err, errlen);
        free(own);
        if (rc < 0)
            goto fail;
    }
    free(tdir);
    return cf;
fail:
    free(tdir);
    render_conf_drop(cf);
    return NULL;
}

void render_conf_drop(struct render_conf *cf)
{
    if (!cf)
        return;
    for (size_t i = 0; i < cf->n_texts; i++) {
        free(cf->texts[i].path);
        free(cf->texts[i].text);
    }
    free(cf->texts);
    tenants_free(cf->tenants);
    free(cf->home);
    free(cf->fonts_dir);
    free(cf->templates_dir);
    free(cf);
}

const struct tenants *render_conf_tenants(const struct render_conf *cf)
{
    return cf->tenants;
}

int render_conf_has(const struct render_conf *cf, const char *path)
{
    for (size_t i = 0; i < cf->n_texts; i++)
        if (!strcmp(cf->texts[i].path, path))
            return 1;
    return 0;
}

struct template *render_conf_template(const struct render_conf *cf, const char *path,
                                      char *err, size_t errlen)
{
    for (size_t i = 0; i < cf->n_texts; i++)
        if (!strcmp(cf->texts[i].path, path))
            return template_load_mem(cf->texts[i].text, cf->texts[i].len, path, cf->fonts_dir,
                                     err, errlen);
    return template_load(path, cf->fonts_dir, err, errlen); /* a path named on the command line */
}
