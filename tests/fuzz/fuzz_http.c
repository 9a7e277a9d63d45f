/* libFuzzer target for the HTTP request path: the real server (routes,
 * webhook, staff and verify pages, PDF downloads) runs in this process on a
 * loopback port with a temporary archive; each input is sent as raw bytes on
 * a fresh connection and the answer read back. Sanitizers catch memory
 * errors in any server thread; the check is that every answer starts with a
 * status line. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "http.h"
#include "issue.h"

#define TOKEN "fuzz-webhook-token-0123456789"

static struct config cfg;
static struct issue *issue;
static struct http_server *srv;
static struct http_options opt;
static int port;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char dir[] = "/tmp/certifica-fuzz-http-XXXXXX", listen[32], err[512];
    struct issue_config icfg;

    (void)argc, (void)argv;
    signal(SIGPIPE, SIG_IGN);
    CHECK(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
    config_init(&cfg);
    config_set(&cfg, "store", dir, CONFIG_FLAG, "fuzz", err, sizeof(err));
    config_set(&cfg, "connection_timeout", "1", CONFIG_FLAG, "fuzz", err, sizeof(err));
    icfg = (struct issue_config){
        .store_dir = cfg.store, .public_url = "http://127.0.0.1", .locale = I18N_PT_BR};
    issue = issue_open(&icfg, err, sizeof(err));
    CHECK(issue != NULL, "issue_open: %s", err);
    opt.cfg = &cfg;
    opt.threads = 2;
    opt.issue = issue;
    opt.webhook_token = TOKEN;
    for (int try = 0; try < 20 && !srv; try++) {
        port = 20000 + (int)((unsigned)getpid() * 7919u + (unsigned)try * 104729u) % 40000;
        snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
        config_set(&cfg, "listen", listen, CONFIG_FLAG, "fuzz", err, sizeof(err));
        srv = http_start(&opt, err, sizeof(err));
    }
    CHECK(srv != NULL, "http_start: %s", err);
    return 0;
}

/* Send the input, then read the answer until the server closes or goes quiet. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sockaddr_in a = {0};
    char answer[16];
    size_t got = 0, total = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    CHECK(fd >= 0, "socket: %s", strerror(errno));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "connect: %s", strerror(errno));
    for (size_t off = 0; off < size;) {
        ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer and close before reading it all */
        off += (size_t)n;
    }
    shutdown(fd, SHUT_WR);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        char buf[4096];
        ssize_t n;
        /* a kept-alive connection stays open after its answer: once bytes came,
         * a short quiet spell ends the wait */
        if (poll(&p, 1, total ? 50 : 2000) <= 0)
            break;
        n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            break;
        total += (size_t)n;
        if (got < sizeof(answer)) {
            size_t k = (size_t)n < sizeof(answer) - got ? (size_t)n : sizeof(answer) - got;
            memcpy(answer + got, buf, k);
            got += k;
        }
    }
    close(fd);
    /* an answer, when there is one, is HTTP */
    CHECK(got == 0 || (got >= 5 && memcmp(answer, "HTTP/", 5) == 0), "answer: %.*s", (int)got,
          answer);
    return 0;
}
