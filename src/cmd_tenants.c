/* certifica tenants check: read every tenant folder as the other commands do
 * at start and say, one line per tenant, what it holds; exit 1 naming the file
 * and key of each problem. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "render.h"
#include "tenant.h"
#include "banned.h"

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

static void print_tenant(const struct tenant *t)
{
    size_t syllabus = 0, validity = 0;
    for (size_t i = 0; i < t->n_courses; i++) {
        syllabus += t->courses[i].n_syllabus > 0;
        validity += t->courses[i].validity_months > 0;
    }
    printf("%lld %s: %zu %s, %zu %s, %zu %s (%zu with a syllabus, %zu with a validity), %zu %s, "
           "%zu %s\n",
           t->id, t->name ? t->name : "(no name)", t->n_templates,
           plural(t->n_templates, "template", "templates"), t->n_rules,
           plural(t->n_rules, "rule", "rules"), t->n_courses,
           plural(t->n_courses, "course", "courses"), syllabus, validity, t->n_signatures,
           plural(t->n_signatures, "signature", "signatures"), t->n_images,
           plural(t->n_images, "image", "images"));
}

static int cmd_tenants(int argc, char **argv)
{
    static const struct option longopts[] = {{"tenants", required_argument, NULL, 'T'},
                                             {NULL, 0, NULL, 0}};
    /* the templates a server would load at start, in its default locale */
    const struct render_opts o = {NULL, I18N_PT_BR, NULL, NULL, 0, 0};
    const char *dir = NULL;
    const struct tenants *ts;
    struct render_conf *conf;
    char err[8192];
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (c != 'T')
            return cmd_usage_error(&cmd_tenants_entry, NULL);
        dir = optarg;
    }
    if (optind != argc - 1 || strcmp(argv[optind], "check"))
        return cmd_usage_error(&cmd_tenants_entry, "expected 'check'");
    /* the same check as the start of serve, render, import, rerender and SIGHUP */
    if (!(conf = render_conf_load(NULL, dir, &o, err, sizeof(err)))) {
        /* one problem per line, each naming its file */
        for (char *line = err, *nl; line && *line; line = nl) {
            if ((nl = strchr(line, '\n')))
                *nl++ = '\0';
            fprintf(stderr, "certifica: %s\n", line);
        }
        return EXIT_RUNTIME;
    }
    ts = render_conf_tenants(conf);
    for (size_t i = 0; i < ts->n; i++)
        print_tenant(&ts->t[i]);
    printf("%zu %s in '%s': ok\n", ts->n, plural(ts->n, "tenant", "tenants"), ts->dir);
    render_conf_free(conf);
    return EXIT_OK;
}

const struct cmd_entry cmd_tenants_entry = {
    "tenants",
    "tenants check [--tenants DIR]",
    "check every tenant folder and say what each holds",
    cmd_tenants,
};
