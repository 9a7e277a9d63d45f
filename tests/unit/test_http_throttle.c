/* Unit tests for http_throttle: address keys (IPv4, IPv4-mapped, IPv6 by
 * /64), the limit and Retry-After, which failures are written and which
 * counted, the summaries of ended windows, eviction from a full set, and
 * many threads at once. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "http_throttle.h"
#include "banned.h"

static void key_of(const char *addr, unsigned char key[HTTP_THROTTLE_KEY], char *name, size_t n)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    if (strchr(addr, ':')) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        inet_pton(AF_INET6, addr, &a->sin6_addr);
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        inet_pton(AF_INET, addr, &a->sin_addr);
    }
    http_throttle_key((struct sockaddr *)&ss, key, name, n);
}

static void test_keys(void)
{
    unsigned char a[HTTP_THROTTLE_KEY], b[HTTP_THROTTLE_KEY];
    char na[64], nb[64];
    key_of("192.0.2.7", a, na, sizeof(na));
    key_of("::ffff:192.0.2.7", b, nb, sizeof(nb));
    is_str(na, "192.0.2.7", "an IPv4 address is named as such");
    ok(!memcmp(a, b, sizeof(a)) && !strcmp(nb, "192.0.2.7"), "IPv4-mapped IPv6 is the same key");
    key_of("2001:db8:1:2:aaaa::1", a, na, sizeof(na));
    key_of("2001:db8:1:2:bbbb::9", b, nb, sizeof(nb));
    ok(!memcmp(a, b, sizeof(a)), "two addresses of one IPv6 /64 are one key");
    is_str(na, "2001:db8:1:2::/64", "named by their network");
    key_of("2001:db8:1:3::1", b, nb, sizeof(nb));
    ok(memcmp(a, b, sizeof(a)) != 0, "another /64 is another key");
    is_int(http_throttle_key(NULL, a, na, sizeof(na)), -1, "no address: -1");
}

static void test_limit(void)
{
    struct http_throttle *t = http_throttle_new(3, 1);
    struct http_throttle_verdict v;
    struct http_throttle_summary s[4];
    unsigned char k[HTTP_THROTTLE_KEY], k2[HTTP_THROTTLE_KEY];
    char n[64], n2[64];
    int written = 0, limited = 0;
    struct timespec pause = {1, 100 * 1000 * 1000};
    key_of("198.51.100.1", k, n, sizeof(n));
    key_of("198.51.100.2", k2, n2, sizeof(n2));
    for (int i = 0; i < 10; i++) {
        http_throttle_fail(t, k, n, &v);
        written += !v.quiet;
        limited += v.limited;
    }
    is_int(written, 1, "10 failures in a window: the first is written");
    is_int(limited, 7, "past the limit of 3: 429 for the other 7");
    ok(v.retry_after >= 1 && v.retry_after <= 1, "Retry-After within the 1 s window (%u)",
       v.retry_after);
    http_throttle_fail(t, k2, n2, &v);
    ok(!v.limited && !v.quiet, "another address is not limited, and written");
    is_int(http_throttle_due(t, 0, s, 4), 0, "no summary while the window lasts");
    nanosleep(&pause, NULL);
    is_int(http_throttle_due(t, 0, s, 4), 1, "once it has ended: one summary");
    is_str(s[0].peer, "198.51.100.1", "of the address that failed");
    is_int(s[0].quiet, 9, "9 failures counted, not written");
    is_int(s[0].limited, 7, "7 of them answered 429");
    is_int(http_throttle_due(t, 1, s, 4), 0, "nothing is reported twice");
    http_throttle_fail(t, k, n, &v);
    ok(!v.limited && !v.quiet && v.n_ended == 0, "a new window: written again, not limited");
    http_throttle_fail(t, k, n, &v);
    ok(v.quiet, "its second failure is counted");
    is_int(http_throttle_due(t, 1, s, 4), 1, "at shutdown the open window is reported too");
    is_int(s[0].quiet, 1, "with its one counted failure");
    http_throttle_free(t);
}

static void test_window_end(void)
{
    struct http_throttle *t = http_throttle_new(0, 1);
    struct http_throttle_verdict v;
    unsigned char k[HTTP_THROTTLE_KEY];
    char n[64];
    struct timespec pause = {1, 100 * 1000 * 1000};
    int limited = 0;
    key_of("203.0.113.9", k, n, sizeof(n));
    for (int i = 0; i < 50; i++) {
        http_throttle_fail(t, k, n, &v);
        limited += v.limited;
    }
    is_int(limited, 0, "limit 0: never 429");
    nanosleep(&pause, NULL);
    http_throttle_fail(t, k, n, &v);
    is_int(v.n_ended, 1, "the next failure after the window hands back its summary");
    is_int(v.ended[0].quiet, 49, "49 counted");
    ok(!v.quiet, "and is itself written");
    http_throttle_free(t);
}

static void test_eviction(void)
{
    struct http_throttle *t = http_throttle_new(0, 3600);
    struct http_throttle_verdict v;
    unsigned char k[HTTP_THROTTLE_KEY];
    char n[64], addr[64];
    unsigned quiet = 0, reported = 0;
    /* 20,000 addresses, two failures each: far more than the table holds. */
    for (int i = 0; i < 20000; i++) {
        snprintf(addr, sizeof(addr), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
        key_of(addr, k, n, sizeof(n));
        for (int j = 0; j < 2; j++) {
            http_throttle_fail(t, k, n, &v);
            quiet += (unsigned)v.quiet;
            for (int e = 0; e < v.n_ended; e++)
                reported += v.ended[e].quiet;
        }
    }
    {
        struct http_throttle_summary s[64];
        size_t got;
        while ((got = http_throttle_due(t, 1, s, 64)) > 0)
            for (size_t i = 0; i < got; i++)
                reported += s[i].quiet;
    }
    is_int(quiet, 20000, "20,000 addresses: each one's second failure is counted");
    is_int(reported, quiet, "every counted failure is reported once, evicted or at the end");
    http_throttle_free(t);
}

struct worker {
    struct http_throttle *t;
    int id;
    unsigned written, quiet;
};

static void *work(void *p)
{
    struct worker *w = p;
    struct http_throttle_verdict v;
    unsigned char k[HTTP_THROTTLE_KEY];
    char n[64], addr[64];
    for (int i = 0; i < 5000; i++) {
        snprintf(addr, sizeof(addr), "2001:db8:%x::%x", i % 7, w->id);
        key_of(addr, k, n, sizeof(n));
        http_throttle_fail(w->t, k, n, &v);
        w->written += !v.quiet;
        w->quiet += (unsigned)v.quiet;
    }
    return NULL;
}

static void test_threads(void)
{
    struct http_throttle *t = http_throttle_new(10, 3600);
    struct worker w[8];
    pthread_t th[8];
    unsigned written = 0, quiet = 0;
    for (int i = 0; i < 8; i++) {
        w[i] = (struct worker){t, i, 0, 0};
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        written += w[i].written;
        quiet += w[i].quiet;
    }
    is_int(written, 7, "8 threads, 7 networks: one line each");
    is_int(quiet, 8 * 5000 - 7, "every other failure counted");
    http_throttle_free(t);
}

int main(void)
{
    test_keys();
    test_limit();
    test_window_end();
    test_eviction();
    test_threads();
    return tap_done();
}
