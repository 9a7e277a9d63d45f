/* certifica validate: check events against SPEC §2, and that the shipped
 * templates' fonts can print every name, without rendering. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "evsrc.h"
#include "render.h"
#include "banned.h"

struct validate_state {
    int invalid;
    size_t checked;
    struct render_ctx *ctx; /* the shipped templates and fonts: what can be printed */
    int failed;
};

static int validate_one(void *ctx, const struct evsrc_item *it)
{
    struct validate_state *st = ctx;
    struct event ev = {0};
    struct event_diags d = {0};
    char where[512];
    enum event_status s;
    struct render_opts o = {NULL, I18N_PT_BR, NULL, NULL, 0, 0};
    char err[512];

    st->checked++;
    if (evsrc_refuse(stderr, it)) {
        st->invalid = 1;
        return 0;
    }
    s = event_parse(it->body, it->len, &ev, &d);
    evsrc_where(it, where, sizeof(where));
    if (s == EVENT_OK) {
        int bad = render_check_event(st->ctx, &ev, &o, &d, err, sizeof(err));
        if (bad < 0) {
            fprintf(stderr, "%s: %s\n", where, err);
            st->failed = 1;
        }
        if (bad != 0)
            s = EVENT_INVALID;
    }
    if (s == EVENT_OK)
        printf("%s: ok\n", where);
    else if (s == EVENT_IGNORED)
        printf("%s: ignored: slug '%s' is not a certificate event\n", where,
               ev.slug ? ev.slug : "");
    else
        st->invalid = 1;
    evsrc_print_diags(stderr, it, &d);
    event_free(&ev);
    event_diags_free(&d);
    return 0;
}

static int cmd_validate(int argc, char **argv)
{
    struct validate_state st = {0};
    char err[512];
    size_t max;
    int failed = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: certifica %s\n", cmd_validate_entry.usage);
        return EXIT_USAGE;
    }
    if (evsrc_max(&max, err, sizeof(err)) < 0)
        return cmd_usage_error(&cmd_validate_entry, err);
    if (!(st.ctx = render_ctx_new(NULL, err, sizeof(err)))) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    for (int i = 1; i < argc; i++) {
        if (evsrc_each(argv[i], 1, max, validate_one, &st, err, sizeof(err)) < 0) {
            fprintf(stderr, "certifica: %s\n", err);
            failed = 1;
        }
    }
    render_ctx_free(st.ctx);
    if (st.failed)
        return EXIT_RUNTIME;
    if (st.invalid)
        return EXIT_USAGE;
    return failed ? EXIT_RUNTIME : EXIT_OK;
}

const struct cmd_entry cmd_validate_entry = {
    "validate",
    "validate EVENT.json|EVENTS.jsonl|DIR|- ...",
    "check events; print 'ok' or every error with its JSON path",
    cmd_validate,
};
