/* `certifica serve`: load the configuration, open the archive and the
 * audit log, start the HTTP server, reload tenants and templates on SIGHUP,
 * and stop cleanly on SIGTERM or SIGINT. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "http.h"
#include "i18n.h"
#include "issue.h"
#include "log.h"
#include "metrics.h"
#include "sign.h"
#include "store.h"
#include "whsig.h"
#include "banned.h"

#define TOKEN_FILE "webhook-token"
#define SHUTDOWN_GRACE 10.0 /* seconds for requests in flight to finish */
#define USAGE "serve [--listen ADDR:PORT] [--store DIR] [--config FILE] [--public-url URL] ..."

extern char **environ;

/* mkdir -p; 0, or -1 with err. */
static int make_dirs(const char *path, char *err, size_t errlen)
{
    char *p = xstrdup(path), *s;
    int rc = 0;
    for (s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create '%s': %s", p, strerror(errno));
            rc = -1;
        }
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return rc;
}

/* Read the kept token; 0, 1 when there is none, -1 with err. */
static int read_token(const char *path, char *tok, size_t toklen, char *err, size_t errlen)
{
    struct stat st;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 1;
    if (fd < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "'%s' is not a regular file", path);
        close(fd);
        return -1;
    }
    if (st.st_mode & 077)
        log_printf(LOG_LEVEL_WARN, "'%s' is readable by others (mode %03o): run 'chmod 600 %s'",
                   path, (unsigned)(st.st_mode & 0777), path);
    n = read(fd, tok, toklen - 1);
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    while (n > 0 && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' '))
        n--;
    tok[n] = '\0';
    if (!whsig_token_valid(tok)) {
        snprintf(err, errlen, "'%s' does not hold a valid token: remove it to make a new one",
                 path);
        return -1;
    }
    return 0;
}

/* A token made once and kept in the store (mode 0600): written to a
 * temporary file, fsync'd, then linked into place so that two servers
 * starting at once agree on one token. 0, or -1 with err. */
static int load_or_make_token(const char *store, char *tok, size_t toklen, int *made, char *err,
                              size_t errlen)
{
    struct buf path = BUF_INIT, tmp = BUF_INIT;
    int rc = -1, fd = -1;
    *made = 0;
    buf_addf(&path, "%s/" TOKEN_FILE, store);
    buf_addf(&tmp, "%s/." TOKEN_FILE ".%ld", store, (long)getpid());
    rc = read_token(path.data, tok, toklen, err, errlen);
    if (rc <= 0)
        goto out;
    rc = -1;
    if (whsig_token_generate(tok, toklen, err, errlen) < 0)
        goto out;
    fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, tok, strlen(tok)) != (ssize_t)strlen(tok) || write(fd, "\n", 1) != 1 ||
        fsync(fd) < 0) {
        snprintf(err, errlen, "cannot write '%s': %s", tmp.data, strerror(errno));
        goto out;
    }
    if (link(tmp.data, path.data) < 0) {
        if (errno == EEXIST) /* another server was quicker: use its token */
            rc = read_token(path.data, tok, toklen, err, errlen);
        else
            snprintf(err, errlen, "cannot create '%s': %s", path.data, strerror(errno));
        goto out;
    }
    *made = 1;
    rc = 0;
out:
    if (fd >= 0) {
        close(fd);
        unlink(tmp.data);
    }
    buf_free(&path);
    buf_free(&tmp);
    return rc;
}

static void usage(FILE *f)
{
    char *h = config_help();
    fprintf(f, "usage: certifica " USAGE "\n\n%s\n", h);
    free(h);
}

static int audit_to_store(void *ctx, const struct audit_record *r, char *err, size_t errlen)
{
    return store_audit_append(ctx, r, err, errlen);
}

/* SIGHUP: tenants and templates read and checked again, swapped in when all
 * is valid, else the running ones kept and every problem logged. */
static void reload(struct issue *issue)
{
    char err[8192];
    if (issue_reload(issue, err, sizeof(err)) == 0) {
        struct issue_snapshot *s = issue_hold(issue);
        const struct tenants *ts = issue_tenants(s);
        metrics_reload(1);
        log_printf(LOG_LEVEL_INFO, "SIGHUP: tenants and templates reloaded (%zu %s in '%s')",
                   ts->n, ts->n == 1 ? "tenant" : "tenants", ts->dir);
        issue_release(issue, s);
        return;
    }
    metrics_reload(0);
    for (char *line = err, *nl; line && *line; line = nl) {
        if ((nl = strchr(line, '\n')))
            *nl++ = '\0';
        log_printf(LOG_LEVEL_ERROR, "SIGHUP: %s", line);
    }
    log_printf(LOG_LEVEL_ERROR, "SIGHUP: reload refused, still serving the previous tenants and "
                                "templates");
}

static unsigned cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

static int serve_exec(int argc, char **argv)
{
    struct config cfg;
    struct whsig_key key;
    struct issue_config icfg;
    struct http_options opt;
    struct issue *issue = NULL;
    struct audit *audit = NULL;
    struct http_server *srv = NULL;
    struct sign_key *sign = NULL;
    char err[1024], token[300];
    enum i18n_locale loc = I18N_PT_BR;
    sigset_t sigs;
    struct stat st;
    int rc = EXIT_RUNTIME, made = 0, sig = 0, left, db;

    err[0] = '\0';
    config_init(&cfg);
    memset(&key, 0, sizeof(key));
    memset(&opt, 0, sizeof(opt));
    switch (config_load(&cfg, argc, argv, environ, err, sizeof(err))) {
    case 1:
        usage(stdout);
        rc = EXIT_OK;
        goto out;
    case 0:
        break;
    default:
        fprintf(stderr, "certifica serve: %s\n", err);
        rc = EXIT_USAGE;
        goto out;
    }
    if (i18n_parse(cfg.locale, &loc) < 0) {
        fprintf(stderr, "certifica serve: locale: '%s' is not pt-BR or en\n", cfg.locale);
        rc = EXIT_USAGE;
        goto out;
    }
    if (cfg.signing_secret && whsig_key_parse(&key, cfg.signing_secret, err, sizeof(err)) < 0) {
        fprintf(stderr, "certifica serve: %s\n", err);
        rc = EXIT_USAGE;
        goto out;
    }
    if (cfg.file_has_secrets && stat(cfg.config_file, &st) == 0 && (st.st_mode & 077))
        log_printf(LOG_LEVEL_WARN,
                   "config '%s' holds secrets and is readable by others: chmod 600 it",
                   cfg.config_file);
    /* The token and the audit log go into the store folder; a database
     * store has none: its nodes are given the token, and keep the audit log
     * in the folder they run in. */
    db = store_is_database(cfg.store);
    if (store_check_location(cfg.store, err, sizeof(err)) < 0 ||
        (!db && make_dirs(cfg.store, err, sizeof(err)) < 0))
        goto out;
    if (db && !cfg.webhook_token) {
        snprintf(err, sizeof(err),
                 "a database store keeps no token file: give every node the same "
                 "--webhook-token (or CERTIFICA_WEBHOOK_TOKEN)");
        goto out;
    }
    if (cfg.webhook_token)
        snprintf(token, sizeof(token), "%s", cfg.webhook_token);
    else if (load_or_make_token(cfg.store, token, sizeof(token), &made, err, sizeof(err)) < 0)
        goto out;

    /* Every thread started from here on inherits the blocked signals, so
     * that only sigwait below sees them: no handler runs, and a reload is
     * ordinary code on this thread. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Past a file size limit (ulimit -f) a write fails with EFBIG and the
     * webhook answers 503, instead of the whole server being killed. */
    signal(SIGXFSZ, SIG_IGN);

    {
        struct sign_settings ss = {cfg.sign_cert,     cfg.sign_key,   cfg.sign_key_pass_file,
                                   cfg.sign_p12,      cfg.sign_p12_pass_file, cfg.sign_chain,
                                   cfg.tsa_url};
        if ((sign_settings_any(&ss) || cfg.tsa_url) &&
            !(sign = sign_key_load(&ss, err, sizeof(err))))
            goto out;
    }
    icfg = (struct issue_config){cfg.store,
                                 NULL,
                                 cfg.public_url,
                                 cfg.template,
                                 loc,
                                 cfg.tenants,
                                 config_source_of(&cfg, "locale") != CONFIG_DEFAULT,
                                 sign, cfg.pdfa_off};
    issue = issue_open(&icfg, err, sizeof(err));
    if (!issue)
        goto out;
    /* The audit lines go into the store, whatever its kind. */
    audit = audit_open_sink(audit_to_store, issue_store(issue), NULL, NULL);
    opt.cfg = &cfg;
    /* A webhook holds its thread while the PDF and the index row are fsync'd,
     * so each core gets several threads to keep the CPU busy meanwhile. */
    opt.threads = cfg.threads ? cfg.threads : 4 * cores();
    opt.issue = issue;
    opt.audit = audit;
    opt.webhook_token = token;
    opt.sigkey = cfg.signing_secret ? &key : NULL;
    srv = http_start(&opt, err, sizeof(err));
    if (!srv)
        goto out;

    log_printf(LOG_LEVEL_INFO, "listening on %s (store '%s', %u threads, body limit %zu bytes%s)",
               cfg.listen, store_dir(issue_store(issue)), opt.threads, cfg.max_body,
               opt.sigkey ? ", Standard Webhooks signatures required" : "");
    if (cfg.webhook_token)
        log_printf(LOG_LEVEL_INFO, "webhook URL: %s/webhooks (token from the %s)", cfg.public_url,
                   config_source_name(config_source_of(&cfg, "webhook_token")));
    else
        log_printf(LOG_LEVEL_INFO,
                   "webhook URL (%s token, kept in '%s/" TOKEN_FILE "'): "
                   "%s/webhooks?token=%s",
                   made ? "new" : "kept", cfg.store, cfg.public_url, token);
    if (sign) {
        char who[512];
        sign_key_describe(sign, who, sizeof(who));
        log_printf(LOG_LEVEL_INFO, "signing every archived PDF: %s", who);
    }
    log_printf(LOG_LEVEL_INFO, "staff tokens: certifica staff add NAME --store %s",
               store_dir(issue_store(issue)));
    if (cfg.require_institution_tokens)
        log_printf(LOG_LEVEL_INFO, "require_institution_tokens: only institutions' own webhook "
                                   "tokens are accepted, the server-wide one gets 401");

    for (;;) {
        if (sigwait(&sigs, &sig) != 0)
            sig = SIGTERM;
        if (sig != SIGHUP)
            break;
        reload(issue);
    }
    log_printf(LOG_LEVEL_INFO, "%s: no new connections, finishing requests in flight",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_quiesce(srv);
    left = http_drain(srv, SHUTDOWN_GRACE);
    if (left > 0)
        log_printf(LOG_LEVEL_WARN, "%d requests still open after %.0f s: closing them", left,
                   SHUTDOWN_GRACE);
    http_stop(srv);
    srv = NULL;
    issue_close(issue);
    issue = NULL;
    log_printf(LOG_LEVEL_INFO, "stopped");
    rc = EXIT_OK;
out:
    if (rc == EXIT_RUNTIME)
        fprintf(stderr, "certifica serve: %s\n", err);
    http_stop(srv);
    if (issue)
        issue_close(issue);
    audit_close(audit);
    sign_key_free(sign);
    memset(token, 0, sizeof(token));
    memset(&key, 0, sizeof(key));
    config_free(&cfg);
    return rc;
}

const struct cmd_entry cmd_serve_entry = {
    "serve",
    USAGE,
    "receive course-completion webhooks and archive their certificates",
    serve_exec,
};
