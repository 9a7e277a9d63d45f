/* certifica render: events in, PDF certificates out, next to the input or in
 * the folder or file named by -o. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "evsrc.h"
#include "issue.h"
#include "render.h"
#include "banned.h"

#define OPT_SIGN 0x200

struct render_state {
    struct render_ctx *ctx;
    struct render_opts opts;
    const char *out; /* -o, or NULL */
    int out_is_dir;
    struct issue *archive; /* --store: through the archive instead of files */
    const struct sign_key *sign; /* --sign: sign each PDF before it is written */
    size_t max;            /* bytes of an event */
    int invalid, failed;
    size_t written;
    struct buf pdf;
};

/* x.json -> x, x.jsonl line 3 -> x-3; stdin -> "certificate". */
static void output_name(const struct evsrc_item *it, struct buf *name)
{
    const char *file = it->file, *dot = strrchr(file, '.'), *slash = strrchr(file, '/');
    if (!strcmp(file, "<stdin>"))
        buf_adds(name, "certificate");
    else if (dot && (!slash || dot > slash))
        buf_add(name, file, (size_t)(dot - file));
    else
        buf_adds(name, file);
    if (it->line)
        buf_addf(name, "-%zu", it->line);
    buf_adds(name, ".pdf");
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* "cannot write 'path': why" into err, the name escaped. */
static void write_error(char *err, size_t errlen, const char *path)
{
    struct buf b = BUF_INIT;
    int e = errno;

    evsrc_add_name(&b, path);
    snprintf(err, errlen, "cannot write '%s': %s", b.data, strerror(e));
    buf_free(&b);
}

/* Write atomically: a temporary file beside the target, then rename. */
static int write_file(const char *path, const struct buf *b, char *err, size_t errlen)
{
    struct buf tmp = BUF_INIT;
    int fd, rc = -1;
    size_t off = 0;

    buf_addf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        write_error(err, errlen, path);
        goto out;
    }
    while (off < b->len) {
        ssize_t n = write(fd, b->data + off, b->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC;
            write_error(err, errlen, path);
            close(fd);
            unlink(tmp.data);
            goto out;
        }
        off += (size_t)n;
    }
    if (close(fd) < 0 || rename(tmp.data, path) < 0) {
        write_error(err, errlen, path);
        unlink(tmp.data);
        goto out;
    }
    rc = 0;
out:
    buf_free(&tmp);
    return rc;
}

/* Print a file name on its own line, escaped. */
static void print_name(const char *name)
{
    struct buf b = BUF_INIT;

    evsrc_add_name(&b, name);
    printf("%s\n", b.data ? b.data : "");
    buf_free(&b);
}

/* --store: the same path as import and the webhook. */
static int archive_one(struct render_state *st, const struct evsrc_item *it)
{
    struct issue_result r;
    struct store_cert c;
    char where[512], err[512];

    evsrc_where(it, where, sizeof(where));
    issue_event(st->archive, it->body, it->len, &r);
    evsrc_print_diags(stderr, it, &r.diags);
    if (r.status == ISSUE_IGNORED) {
        fprintf(stderr, "%s: ignored: slug '%s' is not a certificate event\n", where, r.slug);
    } else if (r.status == ISSUE_BAD_JSON || r.status == ISSUE_INVALID) {
        st->invalid = 1;
    } else if (r.status == ISSUE_FAILED) {
        fprintf(stderr, "%s: %s\n", where, r.error);
        st->failed = 1;
    } else {
        const struct store_ticket *t = &r.stored.ticket;
        struct buf path = BUF_INIT;
        int found = store_get(issue_store(st->archive), t->id, &c, err, sizeof(err)) == 0;
        if (found && t->revision >= 1 && (size_t)t->revision <= c.n_revs &&
            c.revs[t->revision - 1].pdf_path)
            evsrc_add_name(&path, c.revs[t->revision - 1].pdf_path);
        printf("%s: %s %s r%d %s %s\n", where, store_outcome_name(r.stored.outcome), t->id,
               t->revision, t->code, path.data ? path.data : "");
        buf_free(&path);
        if (found)
            store_cert_free(&c);
    }
    issue_result_free(&r);
    return 0;
}

static int render_one(void *ctx, const struct evsrc_item *it)
{
    struct render_state *st = ctx;
    struct event ev = {0};
    struct event_diags d = {0};
    struct buf name = BUF_INIT, path = BUF_INIT;
    char where[512], err[1024];
    enum event_status s;

    if (evsrc_refuse(stderr, it)) {
        st->invalid = 1;
        return 0;
    }
    if (st->archive)
        return archive_one(st, it);
    s = event_parse(it->body, it->len, &ev, &d);
    evsrc_where(it, where, sizeof(where));
    if (s == EVENT_OK) {
        int bad = render_check_event(st->ctx, &ev, &st->opts, &d, err, sizeof(err));
        if (bad < 0) {
            fprintf(stderr, "%s: %s\n", where, err);
            st->failed = 1;
            goto out;
        }
        if (bad > 0)
            s = EVENT_INVALID;
    }
    evsrc_print_diags(stderr, it, &d);
    if (s == EVENT_IGNORED) {
        fprintf(stderr, "%s: ignored: slug '%s' is not a certificate event\n", where,
                ev.slug ? ev.slug : "");
        goto out;
    }
    if (s != EVENT_OK) {
        st->invalid = 1;
        goto out;
    }
    buf_reset(&st->pdf);
    if (render_pdf(st->ctx, &ev, &st->opts, &st->pdf, err, sizeof(err)) < 0 ||
        (st->sign && sign_pdf(st->sign, &st->pdf, time(NULL), err, sizeof(err)) < 0)) {
        fprintf(stderr, "%s: %s\n", where, err);
        st->failed = 1;
        goto out;
    }
    if (st->out && !st->out_is_dir) {
        buf_adds(&path, st->out);
    } else {
        output_name(it, &name);
        if (st->out_is_dir) /* "-o pdfs/" and "-o pdfs" give the same names */
            buf_addf(&path, "%s%s%s", st->out,
                     st->out[0] && st->out[strlen(st->out) - 1] == '/' ? "" : "/",
                     base_name(name.data));
        else
            buf_add(&path, name.data, name.len);
    }
    if (!st->out && !strcmp(it->file, "<stdin>") && !it->line) {
        if (isatty(STDOUT_FILENO)) {
            fprintf(stderr, "certifica: not writing a PDF to a terminal: use -o FILE\n");
            st->failed = 1;
        } else if (fwrite(st->pdf.data, 1, st->pdf.len, stdout) != st->pdf.len || fflush(stdout)) {
            fprintf(stderr, "certifica: cannot write to standard output: %s\n", strerror(errno));
            st->failed = 1;
        }
        goto out;
    }
    if (write_file(path.data, &st->pdf, err, sizeof(err)) < 0) {
        fprintf(stderr, "certifica: %s\n", err);
        st->failed = 1;
        goto out;
    }
    st->written++;
    print_name(path.data);
out:
    event_free(&ev);
    event_diags_free(&d);
    buf_free(&name);
    buf_free(&path);
    return 0;
}

static int cmd_render(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"sign", no_argument, NULL, OPT_SIGN},
        CMD_COMMON_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct render_state st = {0};
    struct cmd_common co = {0};
    struct sign_key *key = NULL;
    struct stat sb;
    char err[1024];
    int c, many, rc = EXIT_OK, sign = 0, bad_key = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:t:l:h", longopts, NULL)) != -1) {
        if ((rc = cmd_common_option(&cmd_render_entry, c, optarg, &co)) != 0) {
            if (rc < 0)
                return EXIT_USAGE;
            continue;
        }
        switch (c) {
        case 'o':
            st.out = optarg;
            break;
        case OPT_SIGN:
            sign = 1;
            break;
        case 'h':
            printf("usage: certifica %s\n", cmd_render_entry.usage);
            return EXIT_OK;
        default:
            return cmd_usage_error(&cmd_render_entry, NULL);
        }
    }
    if (cmd_common_done(&cmd_render_entry, &co) < 0)
        return EXIT_USAGE;
    rc = EXIT_OK;
    st.opts.template = co.template;
    st.opts.pdfa_off = co.pdfa_off;
    st.opts.locale = co.locale;
    st.opts.locale_fixed = co.locale_given;
    if (optind >= argc)
        return cmd_usage_error(&cmd_render_entry, "no input: name EVENT.json, EVENTS.jsonl or -");
    many = argc - optind > 1 || evsrc_is_lines(argv[optind]);
    if (evsrc_max(&st.max, err, sizeof(err)) < 0)
        return cmd_usage_error(&cmd_render_entry, err);
    if (co.store && st.out)
        return cmd_usage_error(&cmd_render_entry,
                               "--store archives the certificates: -o does not go with it");
    /* plain files are signed when asked; the archive whenever a key is named */
    if (sign || co.store)
        key = cmd_sign_key(&cmd_render_entry, &co, &bad_key);
    if (bad_key)
        return EXIT_RUNTIME;
    if (sign && !key)
        return cmd_usage_error(&cmd_render_entry,
                               "--sign: no key: give --sign-cert and --sign-key, or --sign-p12 "
                               "(or CERTIFICA_SIGN_CERT, ...)");
    st.sign = key;
    if (co.store) {
        struct issue_config cfg = {co.store,         NULL,           cmd_public_url(co.public_url),
                                   st.opts.template, st.opts.locale, co.tenants,
                                   co.locale_given,  key, co.pdfa_off};
        st.archive = issue_open(&cfg, err, sizeof(err));
        if (!st.archive) {
            fprintf(stderr, "certifica: %s\n", err);
            sign_key_free(key);
            return EXIT_RUNTIME;
        }
    }
    if (st.out) {
        size_t len = strlen(st.out);
        st.out_is_dir = (stat(st.out, &sb) == 0 && S_ISDIR(sb.st_mode)) || st.out[len - 1] == '/';
        if (st.out_is_dir && mkdir(st.out, 0755) < 0 && errno != EEXIST) {
            struct buf b = BUF_INIT;
            int e = errno;
            evsrc_add_name(&b, st.out);
            fprintf(stderr, "certifica: cannot create '%s': %s\n", b.data, strerror(e));
            buf_free(&b);
            return EXIT_RUNTIME;
        }
        if (many && !st.out_is_dir)
            return cmd_usage_error(&cmd_render_entry,
                                   "-o names a file but there are several events: give a folder");
    }
    st.ctx = st.archive ? NULL : render_ctx_new_tenants(NULL, co.tenants, err, sizeof(err));
    if (!st.ctx && !st.archive) {
        fprintf(stderr, "certifica: %s\n", err);
        return EXIT_RUNTIME;
    }
    for (int i = optind; i < argc; i++) {
        if (evsrc_each(argv[i], 0, st.max, render_one, &st, err, sizeof(err)) < 0) {
            fprintf(stderr, "certifica: %s\n", err);
            st.failed = 1;
        }
    }
    if (st.invalid)
        rc = EXIT_USAGE;
    else if (st.failed)
        rc = EXIT_RUNTIME;
    render_ctx_free(st.ctx);
    issue_close(st.archive);
    sign_key_free(key);
    buf_free(&st.pdf);
    return rc;
}

const struct cmd_entry cmd_render_entry = {
    "render",
    "render EVENT.json|EVENTS.jsonl|- ... [-o FILE|DIR] [--template NAME|PATH] [--locale pt-BR|en] "
    "[--tenants DIR] [--pdfa 1b|off] [--store DIR [--public-url URL]] [--sign --sign-cert FILE "
    "--sign-key FILE | --sign-p12 FILE] [--tsa-url URL]",
    "lay out certificates as PDF files (x.json -> x.pdf unless -o says otherwise); with --store, "
    "archive them instead; --sign signs them (PAdES)",
    cmd_render,
};
