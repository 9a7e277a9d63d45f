/* Unit tests for config: defaults, the order file < environment < flags,
 * every error naming its key and source, ADDR:PORT parsing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "config.h"
#include "banned.h"

static char conf_path[64];

static void write_conf(const char *text)
{
    FILE *f = fopen(conf_path, "w");
    fputs(text, f);
    fclose(f);
}

/* Load with argv "serve" + args (NULL-terminated) and an environment. */
static int load(struct config *c, char *const *env, char *err, size_t errlen, ...)
{
    char *argv[16] = {(char *)"serve"};
    int argc = 1;
    va_list ap;
    va_start(ap, errlen);
    for (char *a; argc < 15 && (a = va_arg(ap, char *)) != NULL;)
        argv[argc++] = a;
    va_end(ap);
    config_init(c);
    err[0] = '\0';
    return config_load(c, argc, argv, env, err, errlen);
}

static void test_defaults(void)
{
    struct config c;
    char err[256];
    char *env[] = {NULL};
    is_int(load(&c, env, err, sizeof(err), NULL), 0, "no sources");
    ok(!c.file_has_secrets, "no file, no secrets in it");
    is_str(c.listen, "127.0.0.1:8080", "default listen");
    is_str(c.store, "out", "default store");
    is_str(c.public_url, "http://127.0.0.1:8080", "public_url from listen");
    ok(c.webhook_token == NULL, "no webhook token: generated later");
    ok(c.signing_secret == NULL, "no signing secret");
    is_int(c.max_body, 262144, "default max_body 256 KiB");
    is_int(c.connection_timeout, 10, "default timeout 10 s");
    is_int(config_source_of(&c, "listen"), CONFIG_DEFAULT, "listen from defaults");
    is_int(c.pdfa_off, 0, "PDF/A-1b by default");
    config_free(&c);

    is_int(load(&c, env, err, sizeof(err), "--listen", "[::1]:9000", NULL), 0, "IPv6 listen");
    is_str(c.public_url, "http://[::1]:9000", "public_url follows the listen flag");
    config_free(&c);
}

static void test_order(void)
{
    struct config c;
    char err[256];
    char *env[] = {(char *)"HOME=/nowhere",         (char *)"CERTIFICA_STORE=env-store",
                   (char *)"CERTIFICA_MAX_BODY=2k", (char *)"CERTIFICA_PUBLIC_URL=",
                   (char *)"CERTIFICA_LISTENX=1",   NULL};
    write_conf("# certifica\n"
               "\n"
               "listen = 127.0.0.1:9001   # a comment\n"
               "store=file-store\n"
               "public_url = \"https://certs.example.org/\"\n"
               "  max-body = 1000\n"
               "webhook_token = file-token-0123456789\n"
               "template = cert#1.tpl\n"
               "threads = 3\n");
    is_int(load(&c, env, err, sizeof(err), "--config", conf_path, NULL), 0, "file and env: %s",
           err);
    is_str(c.listen, "127.0.0.1:9001", "listen from the file, comment stripped");
    is_str(c.store, "env-store", "environment beats the file");
    is_int(c.max_body, 2048, "environment with k suffix beats the file");
    is_str(c.public_url, "https://certs.example.org", "quoted value, trailing slash removed");
    is_str(c.webhook_token, "file-token-0123456789", "token from the file");
    is_str(c.template, "cert#1.tpl", "'#' inside a value kept");
    is_int(c.threads, 3, "threads from the file");
    ok(c.file_has_secrets, "the file is known to hold a secret");
    is_int(config_source_of(&c, "store"), CONFIG_ENV, "store from the environment");
    is_str(config_source_name(config_source_of(&c, "listen")), "config file", "source names");
    config_free(&c);

    is_int(load(&c, env, err, sizeof(err), "--store", "flag-store", "--config=" /* joined */, NULL),
           -1, "empty --config= refused");
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "--store", "flag-store", "--max-body=512", "--config",
                conf_path, "--public-url", "http://x.test:1/", NULL),
           0, "flags: %s", err);
    is_str(c.store, "flag-store", "flag beats environment");
    is_int(c.max_body, 512, "--max-body=VALUE form");
    is_str(c.public_url, "http://x.test:1", "flag public_url");
    is_int(config_source_of(&c, "max_body"), CONFIG_FLAG, "max_body from a flag");
    config_free(&c);
}

static void test_pdfa(void)
{
    struct config c;
    char err[256];
    char *env_off[] = {(char *)"CERTIFICA_PDFA=off", NULL},
         *env_bad[] = {(char *)"CERTIFICA_PDFA=2b", NULL};
    char *env[] = {NULL};

    write_conf("pdfa = OFF\n");
    is_int(load(&c, env, err, sizeof(err), "--config", conf_path, NULL), 0, "pdfa = OFF: %s", err);
    is_int(c.pdfa_off, 1, "pdfa = off in the file, any case");
    config_free(&c);
    is_int(load(&c, env_off, err, sizeof(err), NULL), 0, "CERTIFICA_PDFA=off");
    is_int(c.pdfa_off, 1, "off from the environment");
    config_free(&c);
    is_int(load(&c, env_off, err, sizeof(err), "--pdfa", "1b", NULL), 0, "--pdfa 1b");
    is_int(c.pdfa_off, 0, "the flag beats the environment");
    is_int(config_source_of(&c, "pdfa"), CONFIG_FLAG, "pdfa from a flag");
    config_free(&c);
    is_int(load(&c, env_bad, err, sizeof(err), NULL), -1, "CERTIFICA_PDFA=2b refused");
    is_str(err, "environment CERTIFICA_PDFA: pdfa: '2b' is not 1b or off", "naming it: %s", err);
    config_free(&c);
}

static void test_errors(void)
{
    struct config c;
    char err[256];
    char *env[] = {NULL};
    char *bad_env[] = {(char *)"CERTIFICA_MAX_BODY=lots", NULL};
    char *secret_env[] = {(char *)"CERTIFICA_WEBHOOK_TOKEN=short+secret", NULL};

    write_conf("listen = 127.0.0.1:8080\n\n# ok\nlisen = 1.2.3.4:5\n");
    is_int(load(&c, env, err, sizeof(err), "--config", "x.conf", NULL), -1, "missing file");
    ok(strstr(err, "cannot open config 'x.conf'") != NULL, "names the file: %s", err);
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "--config", conf_path, NULL), -1, "unknown key");
    ok(strstr(err, "line 4: unknown key 'lisen'") != NULL, "names line and key: %s", err);
    ok(strstr(err, conf_path) != NULL, "names the file");
    config_free(&c);

    write_conf("max_body\n");
    is_int(load(&c, env, err, sizeof(err), "--config", conf_path, NULL), -1, "line without '='");
    ok(strstr(err, "line 1: expected 'key = value'") != NULL, "says what is expected: %s", err);
    config_free(&c);

    write_conf("store = \"unterminated\n");
    is_int(load(&c, env, err, sizeof(err), "--config", conf_path, NULL), -1, "bad quote");
    config_free(&c);

    is_int(load(&c, bad_env, err, sizeof(err), NULL), -1, "bad environment value");
    is_str(err,
           "environment CERTIFICA_MAX_BODY: max_body: 'lots' is not a number from 1 to "
           "67108864 (bytes)",
           "names variable and key");
    config_free(&c);

    is_int(load(&c, secret_env, err, sizeof(err), NULL), -1, "bad token refused");
    ok(strstr(err, "CERTIFICA_WEBHOOK_TOKEN") && !strstr(err, "short+secret"),
       "token not quoted: %s", err);
    config_free(&c);

    is_int(load(&c, env, err, sizeof(err), "--signing-secret", "abc", NULL), -1,
           "secret without whsec_");
    ok(strstr(err, "option --signing-secret: signing_secret") && !strstr(err, "abc"),
       "secret not quoted: %s", err);
    config_free(&c);

    is_int(load(&c, env, err, sizeof(err), "--lisen", "1.2.3.4:5", NULL), -1, "unknown flag");
    is_str(err, "unknown option '--lisen'", "names the flag");
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "--listen", NULL), -1, "flag without value");
    is_str(err, "option --listen: missing value", "says the value is missing");
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "extra", NULL), -1, "positional argument refused");
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "--listen", "localhost:80", NULL), -1,
           "host names refused");
    ok(strstr(err, "option --listen: listen: 'localhost:80' is not ADDR:PORT") != NULL, "%s", err);
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "--public-url", "ftp://x", NULL), -1, "bad URL");
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "--public-url", "http://x/?a=1", NULL), -1,
           "URL with query");
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "--threads", "-1", NULL), -1, "negative threads");
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "--connection-timeout", "0", NULL), -1, "zero timeout");
    config_free(&c);
    is_int(load(&c, env, err, sizeof(err), "--help", NULL), 1, "--help");
    config_free(&c);
}

static void test_listen(void)
{
    struct sockaddr_storage ss;
    socklen_t len;
    char err[256], host[64];
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    is_int(config_parse_listen("0.0.0.0:80", &ss, &len, err, sizeof(err)), 0, "IPv4 any");
    is_int(ss.ss_family, AF_INET, "AF_INET");
    is_int(ntohs(a4->sin_port), 80, "port 80");
    is_int(config_parse_listen("[::]:65535", &ss, &len, err, sizeof(err)), 0, "IPv6 any");
    is_int(ss.ss_family, AF_INET6, "AF_INET6");
    is_int(ntohs(a6->sin6_port), 65535, "port 65535");
    is_int(config_parse_listen("[fe80::1]:8080", &ss, &len, err, sizeof(err)), 0, "IPv6");
    inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof(host));
    is_str(host, "fe80::1", "IPv6 address");
    is_int(config_parse_listen("127.0.0.1:0", &ss, &len, err, sizeof(err)), -1, "port 0");
    is_int(config_parse_listen("127.0.0.1:65536", &ss, &len, err, sizeof(err)), -1, "port big");
    is_int(config_parse_listen("127.0.0.1", &ss, &len, err, sizeof(err)), -1, "no port");
    is_int(config_parse_listen("::1:8080", &ss, &len, err, sizeof(err)), -1, "IPv6 unbracketed");
    is_int(config_parse_listen("[::1]8080", &ss, &len, err, sizeof(err)), -1, "no colon");
    is_int(config_parse_listen("1.2.3:8080", &ss, &len, err, sizeof(err)), -1, "short IPv4");
    is_int(config_parse_listen("1.2.3.4:+80", &ss, &len, err, sizeof(err)), -1, "sign in port");
    is_int(config_parse_listen(":8080", &ss, &len, err, sizeof(err)), -1, "no address");
}

static void test_help(void)
{
    char *h = config_help();
    ok(strstr(h, "--max-body") && strstr(h, "CERTIFICA_MAX_BODY") && strstr(h, "262144"),
       "help lists flag, variable and default");
    free(h);
}

int main(void)
{
    snprintf(conf_path, sizeof(conf_path), "/tmp/test_config_%d.conf", (int)getpid());
    test_defaults();
    test_order();
    test_pdfa();
    test_errors();
    test_listen();
    test_help();
    unlink(conf_path);
    return tap_done();
}
