/* The table of authentication failures by client address: 16-way sets
 * chosen by a hash of the address, fixed windows per address, a mutex
 * around everything. */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http_throttle.h"
#include "banned.h"

#define SETS 256
#define WAYS 16 /* 4096 addresses, about 400 KB */

struct slot {
    unsigned char key[HTTP_THROTTLE_KEY];
    char name[64];
    int used;
    double start;     /* first failure of the current window */
    double last;      /* latest failure */
    unsigned count;   /* failures in the window */
    unsigned quiet;   /* of which not written */
    unsigned limited; /* of which answered 429 */
};

struct http_throttle {
    pthread_mutex_t mu;
    unsigned limit;
    double window;
    double next_due; /* earliest end of a window with quiet failures; HUGE_VAL: none */
    struct slot slots[SETS][WAYS];
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

struct http_throttle *http_throttle_new(unsigned limit, unsigned window)
{
    struct http_throttle *t = xcalloc(1, sizeof(*t));
    pthread_mutex_init(&t->mu, NULL);
    t->limit = limit;
    t->window = window > 0 ? window : 1;
    t->next_due = HUGE_VAL;
    return t;
}

void http_throttle_free(struct http_throttle *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->mu);
    free(t);
}

int http_throttle_key(const struct sockaddr *sa, unsigned char key[HTTP_THROTTLE_KEY], char *name,
                      size_t namelen)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char a[INET6_ADDRSTRLEN];
    memset(key, 0, HTTP_THROTTLE_KEY);
    if (sa && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        memcpy(key, mapped, sizeof(mapped));
        memcpy(key + 12, &in->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(key, &in6->sin6_addr, 16);
        if (memcmp(key, mapped, sizeof(mapped)) != 0)
            memset(key + 8, 0, 8); /* one network, one count */
    } else {
        snprintf(name, namelen, "unknown");
        return -1;
    }
    if (!memcmp(key, mapped, sizeof(mapped))) {
        inet_ntop(AF_INET, key + 12, a, sizeof(a));
        snprintf(name, namelen, "%s", a);
    } else {
        inet_ntop(AF_INET6, key, a, sizeof(a));
        snprintf(name, namelen, "%s/64", a);
    }
    return 0;
}

/* FNV-1a of the key. */
static unsigned set_of(const unsigned char *key)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < HTTP_THROTTLE_KEY; i++)
        h = (h ^ key[i]) * 16777619u;
    return (unsigned)(h ^ (h >> 16)) % SETS;
}

/* The slot's quiet failures as a summary into out (when there are any);
 * then its window is over. 1 when a summary was made. */
static int close_window(struct slot *s, struct http_throttle_summary *out)
{
    int made = s->quiet > 0;
    if (made) {
        snprintf(out->peer, sizeof(out->peer), "%s", s->name);
        out->quiet = s->quiet;
        out->limited = s->limited;
        out->seconds = s->last - s->start;
    }
    s->count = s->quiet = s->limited = 0;
    return made;
}

void http_throttle_fail(struct http_throttle *t, const unsigned char key[HTTP_THROTTLE_KEY],
                        const char *name, struct http_throttle_verdict *v)
{
    struct slot *set, *s = NULL, *oldest = NULL;
    double now = now_s(), left;
    memset(v, 0, sizeof(*v));
    pthread_mutex_lock(&t->mu);
    set = t->slots[set_of(key)];
    for (int i = 0; i < WAYS && !s; i++) {
        if (set[i].used && !memcmp(set[i].key, key, HTTP_THROTTLE_KEY))
            s = &set[i];
        else if (!oldest || (oldest->used && (!set[i].used || set[i].last < oldest->last)))
            oldest = &set[i];
    }
    if (!s) { /* a new address: take a free slot or the least recently seen */
        s = oldest;
        if (s->used)
            v->n_ended += close_window(s, &v->ended[v->n_ended]);
        memset(s, 0, sizeof(*s));
        memcpy(s->key, key, HTTP_THROTTLE_KEY);
        snprintf(s->name, sizeof(s->name), "%s", name);
        s->used = 1;
    } else if (s->count && now - s->start >= t->window) {
        v->n_ended += close_window(s, &v->ended[v->n_ended]);
    }
    if (s->count == 0)
        s->start = now;
    s->last = now;
    s->count++;
    v->limited = t->limit && s->count > t->limit;
    v->quiet = s->count > 1;
    if (v->quiet) {
        if (s->quiet++ == 0 && s->start + t->window < t->next_due)
            t->next_due = s->start + t->window;
        s->limited += (unsigned)v->limited;
    }
    left = ceil(s->start + t->window - now);
    v->retry_after = left >= 1 ? (unsigned)left : 1;
    pthread_mutex_unlock(&t->mu);
}

size_t http_throttle_due(struct http_throttle *t, int everything, struct http_throttle_summary *out,
                         size_t max)
{
    double now = now_s(), next = HUGE_VAL;
    size_t n = 0;
    pthread_mutex_lock(&t->mu);
    if (!everything && now < t->next_due) {
        pthread_mutex_unlock(&t->mu);
        return 0;
    }
    for (int i = 0; i < SETS; i++)
        for (int j = 0; j < WAYS; j++) {
            struct slot *s = &t->slots[i][j];
            if (!s->used || !s->quiet)
                continue;
            if (n < max && (everything || now - s->start >= t->window))
                n += (size_t)close_window(s, &out[n]);
            else if (s->start + t->window < next)
                next = s->start + t->window;
        }
    t->next_due = next;
    pthread_mutex_unlock(&t->mu);
    return n;
}
