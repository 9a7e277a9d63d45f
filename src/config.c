/* Settings of `certifica serve`: defaults < config file < environment <
 * flags, every key checked when it is set, errors naming key and source. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config.h"
#include "banned.h"

enum kind {
    K_LISTEN, K_TEXT, K_URL, K_TOKEN, K_SECRET, K_LOCALE, K_SIZE, K_UINT, K_BOOL, K_PDFA, K_ADDRS
};

struct key {
    const char *name; /* file key; the flag is "--" + name with '-' for '_' */
    const char *env;
    enum kind kind;
    size_t off;
    unsigned long long min, max; /* numbers only */
    const char *def;             /* default, as shown in --help */
    const char *help;
};

#define STR(f) offsetof(struct config, f)

static const struct key keys[] = {
    {"listen", "CERTIFICA_LISTEN", K_LISTEN, STR(listen), 0, 0, CONFIG_DEFAULT_LISTEN,
     "address and port to listen on: IPv4 or [IPv6]"},
    {"store", "CERTIFICA_STORE", K_TEXT, STR(store), 0, 0, CONFIG_DEFAULT_STORE,
     "archive folder, or a postgresql:// URI"},
    {"public_url", "CERTIFICA_PUBLIC_URL", K_URL, STR(public_url), 0, 0, "http://LISTEN",
     "base of the verification links printed on certificates"},
    {"webhook_token", "CERTIFICA_WEBHOOK_TOKEN", K_TOKEN, STR(webhook_token), 0, 0,
     "generated, kept in STORE/webhook-token", "shared secret of the webhook (Bearer or ?token=)"},
    {"require_institution_tokens", "CERTIFICA_REQUIRE_INSTITUTION_TOKENS", K_BOOL,
     STR(require_institution_tokens), 0, 0, "false",
     "refuse the server-wide webhook token: only institutions' own tokens (true or false)"},
    {"signing_secret", "CERTIFICA_SIGNING_SECRET", K_SECRET, STR(signing_secret), 0, 0, "none",
     "Standard Webhooks secret (whsec_...); signatures required when set"},
    {"max_body", "CERTIFICA_MAX_BODY", K_SIZE, STR(max_body), 1, 64u << 20, "262144",
     "largest webhook body in bytes (suffix k or m for KiB, MiB)"},
    {"threads", "CERTIFICA_THREADS", K_UINT, STR(threads), 0, 256, "0",
     "server threads, 0: four per core"},
    {"connection_timeout", "CERTIFICA_CONNECTION_TIMEOUT", K_UINT, STR(connection_timeout), 1, 3600,
     "10", "seconds before an idle or stalled connection is dropped"},
    {"max_connections", "CERTIFICA_MAX_CONNECTIONS", K_UINT, STR(max_connections), 1, 100000,
     "1024", "open connections in total"},
    {"max_connections_per_ip", "CERTIFICA_MAX_CONNECTIONS_PER_IP", K_UINT,
     STR(max_connections_per_ip), 0, 100000, "256",
     "open connections per client address, 0: no limit"},
    {"connection_memory", "CERTIFICA_CONNECTION_MEMORY", K_SIZE, STR(connection_memory), 4096,
     16u << 20, "32768", "bytes per connection for request headers"},
    {"trust_proxy", "CERTIFICA_TRUST_PROXY", K_ADDRS, STR(trust_proxy), 0, 0, "none",
     "addresses of the proxies (nginx) whose X-Forwarded-For names the client, comma-separated"},
    {"auth_fail_limit", "CERTIFICA_AUTH_FAIL_LIMIT", K_UINT, STR(auth_fail_limit), 0, 1000000, "20",
     "failed sign-ins per client address per window before 429, 0: no limit"},
    {"auth_fail_window", "CERTIFICA_AUTH_FAIL_WINDOW", K_UINT, STR(auth_fail_window), 1, 86400,
     "10", "seconds of that window; failures are logged once per address per window"},
    {"template", "CERTIFICA_TEMPLATE", K_TEXT, STR(template), 0, 0, "by certificate type",
     "template name or path for every certificate"},
    {"tenants", "CERTIFICA_TENANTS", K_TEXT, STR(tenants), 0, 0, "tenants/ beside templates/",
     "folder of the institutions' own folders (docs/tenants.md)"},
    {"locale", "CERTIFICA_LOCALE", K_LOCALE, STR(locale), 0, 0, "pt-BR", "pt-BR or en"},
    {"sign_cert", "CERTIFICA_SIGN_CERT", K_TEXT, STR(sign_cert), 0, 0, "none",
     "PEM certificate to sign every archived PDF with (PAdES), with sign_key"},
    {"sign_key", "CERTIFICA_SIGN_KEY", K_TEXT, STR(sign_key), 0, 0, "none",
     "PEM private key of sign_cert"},
    {"sign_key_pass_file", "CERTIFICA_SIGN_KEY_PASS_FILE", K_TEXT, STR(sign_key_pass_file), 0, 0,
     "none", "file whose first line is the password of an encrypted sign_key"},
    {"sign_p12", "CERTIFICA_SIGN_P12", K_TEXT, STR(sign_p12), 0, 0, "none",
     "PKCS#12 file (an ICP-Brasil A1 .pfx) instead of sign_cert and sign_key"},
    {"sign_p12_pass_file", "CERTIFICA_SIGN_P12_PASS_FILE", K_TEXT, STR(sign_p12_pass_file), 0, 0,
     "none", "file whose first line is the password of sign_p12"},
    {"sign_chain", "CERTIFICA_SIGN_CHAIN", K_TEXT, STR(sign_chain), 0, 0, "none",
     "PEM file of the issuing certificates to embed in each signature"},
    {"tsa_url", "CERTIFICA_TSA_URL", K_TEXT, STR(tsa_url), 0, 0, "none",
     "RFC 3161 timestamp authority for every signature (PAdES B-T)"},
    {"pdfa", "CERTIFICA_PDFA", K_PDFA, STR(pdfa_off), 0, 0, "1b",
     "1b: every certificate is PDF/A-1b (sRGB profile fonts/sRGB.icc); off: plain PDF"},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(N_KEYS <= sizeof(((struct config *)0)->source) / sizeof(enum config_source),
               "struct config has room for every key's source");

void config_init(struct config *c)
{
    memset(c, 0, sizeof(*c));
    c->listen = xstrdup(CONFIG_DEFAULT_LISTEN);
    c->store = xstrdup(CONFIG_DEFAULT_STORE);
    c->locale = xstrdup("pt-BR");
    c->max_body = CONFIG_DEFAULT_MAX_BODY;
    c->threads = 0;
    c->connection_timeout = 10;
    c->max_connections = 1024;
    c->max_connections_per_ip = 256;
    c->connection_memory = 32768;
    c->auth_fail_limit = 20;
    c->auth_fail_window = 10;
}

void config_free(struct config *c)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (keys[i].kind == K_SIZE || keys[i].kind == K_UINT || keys[i].kind == K_BOOL ||
            keys[i].kind == K_PDFA)
            continue;
        char **p = (char **)((char *)c + keys[i].off);
        if (keys[i].kind == K_TOKEN || keys[i].kind == K_SECRET) {
            if (*p)
                memset(*p, 0, strlen(*p));
        }
        free(*p);
        *p = NULL;
    }
    free(c->config_file);
    c->config_file = NULL;
}

static const struct key *find_key(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *a = keys[i].name, *b = name;
        while (*a && (*a == *b || (*a == '_' && *b == '-'))) {
            a++;
            b++;
        }
        if (!*a && !*b)
            return &keys[i];
    }
    return NULL;
}

const char *config_source_name(enum config_source src)
{
    static const char *const names[] = {"default", "config file", "environment", "flag"};
    return src <= CONFIG_FLAG ? names[src] : "?";
}

enum config_source config_source_of(const struct config *c, const char *key)
{
    const struct key *k = find_key(key);
    return k ? c->source[k - keys] : CONFIG_DEFAULT;
}

int config_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
                        size_t errlen)
{
    char host[64];
    const char *colon, *h = s;
    size_t hl;
    char *end;
    unsigned long port;
    memset(ss, 0, sizeof(*ss));
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            goto bad;
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            goto bad;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= sizeof(host))
        goto bad;
    memcpy(host, h, hl);
    host[hl] = '\0';
    errno = 0;
    if (!isdigit((unsigned char)colon[1]))
        goto bad;
    port = strtoul(colon + 1, &end, 10);
    if (*end || errno || port == 0 || port > 65535)
        goto bad;
    if (*s == '[') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            goto bad;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((unsigned short)port);
        *len = sizeof(*a6);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
            goto bad;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((unsigned short)port);
        *len = sizeof(*a4);
    }
    return 0;
bad:
    snprintf(err, errlen, "'%.64s' is not ADDR:PORT (like 127.0.0.1:8080 or [::1]:8080)", s);
    return -1;
}

/* A number with an optional k/m suffix (KiB, MiB) for sizes. */
static int parse_number(const char *v, int sizes, unsigned long long *out)
{
    char *end;
    unsigned long long n;
    if (!isdigit((unsigned char)*v))
        return -1;
    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno)
        return -1;
    if (sizes && (*end == 'k' || *end == 'K')) {
        n *= 1024;
        end++;
    } else if (sizes && (*end == 'm' || *end == 'M')) {
        n *= 1024 * 1024;
        end++;
    }
    if (*end || n > (1ull << 40))
        return -1;
    *out = n;
    return 0;
}

/* "true", "yes", "on", "1" / "false", "no", "off", "0", any case: 1, 0, or -1. */
static int parse_bool(const char *v)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no",
                                                                                "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]))
            return 1;
        if (!strcasecmp(v, no[i]))
            return 0;
    }
    return -1;
}

int config_parse_pdfa(const char *v)
{
    if (!strcasecmp(v, "1b"))
        return 0;
    return !strcasecmp(v, "off") ? 1 : -1;
}

static int has_control(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || *v == 0x7f)
            return 1;
    return 0;
}

/* Check value for key k; 0, or -1 with the problem (no source) in err. */
int config_parse_addr(const char *s, size_t len, unsigned char out[16])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char one[INET6_ADDRSTRLEN + 1];
    struct in_addr v4;

    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof(one))
        return -1;
    memcpy(one, s, len);
    one[len] = '\0';
    if (inet_pton(AF_INET, one, &v4) == 1) {
        memcpy(out, mapped, sizeof(mapped));
        memcpy(out + 12, &v4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, one, out) == 1 ? 0 : -1;
}

int config_parse_addrs(const char *s, unsigned char (*out)[16], size_t max, size_t *n, char *err,
                       size_t errlen)
{
    size_t count = 0;

    for (;;) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        unsigned char a[16];

        if (config_parse_addr(s, len, a) < 0) {
            snprintf(err, errlen, "'%.*s' is not an IPv4 or IPv6 address", (int)(len > 64 ? 64 : len),
                     s);
            return -1;
        }
        if (count == max) {
            snprintf(err, errlen, "more than %zu addresses", max);
            return -1;
        }
        if (out)
            memcpy(out[count], a, 16);
        count++;
        if (!end)
            break;
        s = end + 1;
    }
    if (n)
        *n = count;
    return 0;
}

static int check_value(const struct key *k, const char *v, char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    unsigned long long n;
    size_t len = strlen(v);
    char why[160];
    if (!*v) {
        snprintf(err, errlen, "%s: empty value", k->name);
        return -1;
    }
    switch (k->kind) {
    case K_LISTEN:
        if (config_parse_listen(v, &ss, &sl, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s: %s", k->name, why);
            return -1;
        }
        return 0;
    case K_TEXT:
        if (has_control(v) || len > 4096) {
            snprintf(err, errlen, "%s: control characters or too long", k->name);
            return -1;
        }
        return 0;
    case K_URL:
        if ((strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) ||
            strpbrk(v, " ?#\"<>\\") || has_control(v) || len > 1024 || strstr(v, "://")[3] == '/' ||
            strstr(v, "://")[3] == '\0') {
            snprintf(err, errlen, "%s: '%.200s' is not an http:// or https:// URL without query",
                     k->name, v);
            return -1;
        }
        return 0;
    case K_TOKEN:
        /* Quoting the value would leak a near-miss secret. */
        if (!(len >= 16 && len <= 256) || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                                                    "qrstuvwxyz0123456789-_") != len) {
            snprintf(err, errlen,
                     "%s: must be 16 to 256 URL-safe characters (letters, digits, '-', '_')",
                     k->name);
            return -1;
        }
        return 0;
    case K_SECRET:
        if (strncmp(v, "whsec_", 6) != 0 || has_control(v) || len > 512) {
            snprintf(err, errlen, "%s: must be 'whsec_' followed by base64", k->name);
            return -1;
        }
        return 0;
    case K_LOCALE:
        if (len > 16 ||
            strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_") != len) {
            snprintf(err, errlen, "%s: '%.40s' is not a locale like pt-BR or en", k->name, v);
            return -1;
        }
        return 0;
    case K_ADDRS:
        if (config_parse_addrs(v, NULL, CONFIG_PROXIES_MAX, NULL, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s: %s", k->name, why);
            return -1;
        }
        return 0;
    case K_BOOL:
        if (parse_bool(v) < 0) {
            snprintf(err, errlen, "%s: '%.40s' is not true or false", k->name, v);
            return -1;
        }
        return 0;
    case K_PDFA:
        if (config_parse_pdfa(v) < 0) {
            snprintf(err, errlen, "%s: '%.40s' is not 1b or off", k->name, v);
            return -1;
        }
        return 0;
    case K_SIZE:
    case K_UINT:
        if (parse_number(v, k->kind == K_SIZE, &n) < 0 || n < k->min || n > k->max) {
            snprintf(err, errlen, "%s: '%.40s' is not a number from %llu to %llu%s", k->name, v,
                     k->min, k->max, k->kind == K_SIZE ? " (bytes)" : "");
            return -1;
        }
        return 0;
    }
    return 0;
}

static void store_value(struct config *c, const struct key *k, const char *v)
{
    char *field = (char *)c + k->off;
    unsigned long long n = 0;
    if (k->kind == K_SIZE) {
        parse_number(v, 1, &n);
        *(size_t *)(void *)field = (size_t)n;
    } else if (k->kind == K_BOOL) {
        *(int *)(void *)field = parse_bool(v) == 1;
    } else if (k->kind == K_PDFA) {
        *(int *)(void *)field = config_parse_pdfa(v) == 1;
    } else if (k->kind == K_UINT) {
        parse_number(v, 0, &n);
        *(unsigned *)(void *)field = (unsigned)n;
    } else {
        char **p = (char **)(void *)field;
        size_t len = strlen(v);
        if (*p && (k->kind == K_TOKEN || k->kind == K_SECRET))
            memset(*p, 0, strlen(*p));
        free(*p);
        if (k->kind == K_URL)
            while (len > 0 && v[len - 1] == '/')
                len--;
        *p = xstrndup(v, len);
    }
}

int config_set(struct config *c, const char *key, const char *value, enum config_source src,
               const char *where, char *err, size_t errlen)
{
    const struct key *k = find_key(key);
    char problem[320];
    if (!k) {
        snprintf(err, errlen, "%s: unknown key '%.64s'", where, key);
        return -1;
    }
    if (check_value(k, value, problem, sizeof(problem)) < 0) {
        snprintf(err, errlen, "%s: %s", where, problem);
        return -1;
    }
    store_value(c, k, value);
    c->source[k - keys] = src;
    if (src == CONFIG_FILE && (k->kind == K_TOKEN || k->kind == K_SECRET))
        c->file_has_secrets = 1;
    return 0;
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    *e = '\0';
    return s;
}

int config_read_file(struct config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, where[512];
    size_t cap = 0;
    int lineno = 0, rc = -1;
    if (!f) {
        snprintf(err, errlen, "cannot open config '%s': %s", path, strerror(errno));
        return -1;
    }
    while (getline(&line, &cap, f) >= 0) {
        char *s, *eq, *key, *val, *hash;
        lineno++;
        snprintf(where, sizeof(where), "config '%s' line %d", path, lineno);
        s = trim(line);
        if (!*s || *s == '#')
            continue;
        eq = strchr(s, '=');
        if (!eq) {
            snprintf(err, errlen, "%s: expected 'key = value'", where);
            goto fail;
        }
        *eq = '\0';
        key = trim(s);
        val = eq + 1;
        /* A comment after a value starts at " #" or "\t#". */
        for (hash = val; (hash = strchr(hash, '#')) != NULL; hash++)
            if (hash > val && (hash[-1] == ' ' || hash[-1] == '\t')) {
                *hash = '\0';
                break;
            }
        val = trim(val);
        if (val[0] == '"') {
            size_t n = strlen(val);
            if (n < 2 || val[n - 1] != '"') {
                snprintf(err, errlen, "%s: unterminated quote", where);
                goto fail;
            }
            val[n - 1] = '\0';
            val++;
        }
        if (config_set(c, key, val, CONFIG_FILE, where, err, errlen) < 0)
            goto fail;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read config '%s': %s", path, strerror(errno));
        goto fail;
    }
    rc = 0;
fail:
    if (line) {
        memset(line, 0, cap);
        free(line);
    }
    fclose(f);
    return rc;
}

/* The value of --name VALUE / --name=VALUE at argv[*i]; NULL when absent. */
static const char *flag_value(int argc, char **argv, int *i, const char *eq, char *err,
                              size_t errlen)
{
    if (eq)
        return eq + 1;
    if (*i + 1 >= argc) {
        snprintf(err, errlen, "option %s: missing value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

int config_load(struct config *c, int argc, char **argv, char *const *envp, char *err,
                size_t errlen)
{
    char where[128], name[64];
    int i;
    /* 1. the config file, wherever --config appears */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--config") != 0 && strncmp(a, "--config=", 9) != 0)
            continue;
        v = flag_value(argc, argv, &i, a[8] == '=' ? a + 8 : NULL, err, errlen);
        if (!v)
            return -1;
        free(c->config_file);
        c->config_file = xstrdup(v);
    }
    if (c->config_file && config_read_file(c, c->config_file, err, errlen) < 0)
        return -1;
    /* 2. the environment */
    for (size_t k = 0; envp && k < N_KEYS; k++) {
        size_t n = strlen(keys[k].env);
        for (char *const *e = envp; *e; e++) {
            if (strncmp(*e, keys[k].env, n) != 0 || (*e)[n] != '=' || !(*e)[n + 1])
                continue;
            snprintf(where, sizeof(where), "environment %s", keys[k].env);
            if (config_set(c, keys[k].name, *e + n + 1, CONFIG_ENV, where, err, errlen) < 0)
                return -1;
        }
    }
    /* 3. the flags */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *eq, *v;
        size_t n;
        if (!strcmp(a, "-h") || !strcmp(a, "--help"))
            return 1;
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            snprintf(err, errlen, "unexpected argument '%.64s'", a);
            return -1;
        }
        eq = strchr(a, '=');
        n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (n >= sizeof(name))
            n = sizeof(name) - 1;
        memcpy(name, a + 2, n);
        name[n] = '\0';
        if (!strcmp(name, "config")) { /* read in step 1 */
            if (!eq)
                i++;
            continue;
        }
        if (!find_key(name)) {
            snprintf(err, errlen, "unknown option '--%s'", name);
            return -1;
        }
        snprintf(where, sizeof(where), "option --%s", name);
        /* A switch: "--name" alone is true, "--name=false" says otherwise. */
        v = find_key(name)->kind == K_BOOL && !eq ? "true"
                                                  : flag_value(argc, argv, &i, eq, err, errlen);
        if (!v || config_set(c, name, v, CONFIG_FLAG, where, err, errlen) < 0)
            return -1;
    }
    /* 4. what derives from other keys */
    if (!c->public_url) {
        struct buf b = BUF_INIT;
        buf_addf(&b, "http://%s", c->listen);
        c->public_url = buf_detach(&b, NULL);
    }
    return 0;
}

char *config_help(void)
{
    struct buf b = BUF_INIT;
    buf_adds(&b, "options (flag, environment, config key = default):\n");
    for (size_t i = 0; i < N_KEYS; i++) {
        char flag[64];
        size_t j;
        snprintf(flag, sizeof(flag), "--%s", keys[i].name);
        for (j = 2; flag[j]; j++)
            if (flag[j] == '_')
                flag[j] = '-';
        buf_addf(&b, "  %-26s %-34s %s\n      %s (default: %s)\n", flag, keys[i].env, keys[i].name,
                 keys[i].help, keys[i].def);
    }
    buf_addf(&b, "  %-26s %-34s %s\n      %s\n", "--config FILE", "", "",
             "read 'key = value' lines from FILE (weaker than environment and flags)");
    return buf_detach(&b, NULL);
}
