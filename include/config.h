/* Settings of `certifica serve`, from four sources in rising strength:
 * built-in defaults < config file (--config FILE, "key = value" lines) <
 * environment (CERTIFICA_*) < command-line flags.
 * A struct config belongs to one thread while it is loaded; afterwards it is
 * read-only and may be shared. Strings are owned by the struct (config_free). */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <sys/socket.h>

#define CONFIG_DEFAULT_LISTEN "127.0.0.1:8080"
#define CONFIG_DEFAULT_STORE "out"
#define CONFIG_DEFAULT_MAX_BODY 262144

enum config_source { CONFIG_DEFAULT = 0, CONFIG_FILE, CONFIG_ENV, CONFIG_FLAG };

struct config {
    char *listen;                    /* "ADDR:PORT", IPv4 or [IPv6] literal */
    char *store;                     /* the archive folder */
    char *public_url;                /* no trailing slash; "http://" + listen unless set */
    char *webhook_token;             /* NULL: generated on first start, kept in the store */
    int require_institution_tokens;  /* 1: the server-wide webhook token is refused */
    char *signing_secret;            /* "whsec_..."; NULL: Standard Webhooks signatures off */
    char *template;                  /* NULL: chosen by the certificate type */
    char *locale;                    /* "pt-BR" (default) or "en" */
    char *tenants;                   /* NULL: tenants/ in the certifica home */
    size_t max_body;                 /* bytes of a webhook body */
    unsigned threads;                /* server threads; 0: one per core */
    unsigned connection_timeout;     /* seconds an idle connection is kept */
    unsigned max_connections;        /* open connections in total */
    unsigned max_connections_per_ip; /* 0: no per-address limit */
    char *trust_proxy;               /* proxies' addresses, "a,b"; NULL: trust none */
    size_t connection_memory;        /* bytes per connection for headers and buffers */
    unsigned auth_fail_limit;        /* failed sign-ins per address per window; 0: no 429 */
    unsigned auth_fail_window;       /* seconds */
    /* the signing key (src/sign.c): file names, NULL when not set */
    char *sign_cert, *sign_key, *sign_key_pass_file, *sign_p12, *sign_p12_pass_file, *sign_chain;
    char *tsa_url; /* RFC 3161 timestamps (PAdES B-T); NULL: none */
    int pdfa_off;                    /* pdfa = off: plain PDFs; default 1b: PDF/A-1b */
    char *config_file;               /* the file read, or NULL */
    int file_has_secrets;            /* it sets webhook_token or signing_secret */
    /* Where each setting came from, by key (read it with config_source_of). */
    enum config_source source[32];
};

/* Fill c with the defaults. */
void config_init(struct config *c);
void config_free(struct config *c);

/* Load every source in order: defaults, the file named by --config FILE
 * (or --config=FILE) in argv, the CERTIFICA_* variables of envp (a
 * NULL-terminated "NAME=value" array like environ; empty values are
 * ignored), then the flags of argv[1..argc) (argv[0] is the command name).
 * Returns 0, 1 when --help was asked, or -1 with err naming the source and
 * the key: "config 'x.conf' line 3: unknown key 'lisen'". Secret values are
 * never quoted in err. */
int config_load(struct config *c, int argc, char **argv, char *const *envp, char *err,
                size_t errlen);

/* Set one key (underscores or dashes) from a source; where names the source
 * for messages ("option --listen"). 0, or -1 with err. */
int config_set(struct config *c, const char *key, const char *value, enum config_source src,
               const char *where, char *err, size_t errlen);

/* Read a config file: "key = value" lines, blank lines, '#' comments (a
 * whole line, or after white space), values optionally in double quotes. */
int config_read_file(struct config *c, const char *path, char *err, size_t errlen);

#define CONFIG_PROXIES_MAX 16 /* addresses in trust_proxy, at most */
/* One IPv4 or IPv6 address, s[0..len) (white space around it allowed), into
 * out as 16 bytes (IPv4 as ::ffff:a.b.c.d). 0, or -1. */
int config_parse_addr(const char *s, size_t len, unsigned char out[16]);
/* A comma-separated list of IPv4 and IPv6 addresses (white space around each
 * allowed), each into out[i] as 16 bytes (IPv4 as ::ffff:a.b.c.d; out may be
 * NULL to check only), *n (may be NULL) how many. 0, or -1 with err. */
int config_parse_addrs(const char *s, unsigned char (*out)[16], size_t max, size_t *n, char *err,
                       size_t errlen);

/* The pdfa setting: "1b" 0, "off" 1 (any case), else -1. */
int config_parse_pdfa(const char *v);

/* Parse "1.2.3.4:8080" or "[::1]:8080" into a socket address. 0, or -1 with err. */
int config_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
                        size_t errlen);

/* Names and provenance, for --help and the start-up log. */
const char *config_source_name(enum config_source src); /* "default", "config file", ... */
enum config_source config_source_of(const struct config *c, const char *key);
/* The option list for --help, one line per key with its environment
 * variable and default. Caller frees the string. */
char *config_help(void);

#endif
