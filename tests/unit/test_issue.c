/* Unit tests for the issue module's configuration snapshots: a held snapshot
 * stays whole across reloads, a broken reload keeps the running one and says
 * which file and key, and events issued from several threads while reloads
 * happen all succeed (run it under ASan or valgrind to see the counting). */
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "issue.h"
#include "tap.h"
#include "banned.h"

#define N_THREADS 4
#define N_EACH 8
#define N_RELOADS 40

static char err[8192];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void name_is(const char *name)
{
    char json[128];
    snprintf(json, sizeof(json), "{\"name\": \"%s\", \"locale\": \"pt-BR\"}\n", name);
    put("t/7/tenant.json", json);
}

static const char *name_of(const struct issue_snapshot *s)
{
    const struct tenant *t = tenants_find(issue_tenants(s), 7);
    return t && t->name ? t->name : "(none)";
}

static void event_body(char *out, size_t len, long long user)
{
    snprintf(out, len,
             "{\"event\": {\"slug\": \"activities.certificate.issued\","
             " \"send_at\": \"2023-08-28 20:47:31\"},"
             " \"data\": {\"institution\": {\"id\": 7},"
             " \"user\": {\"id\": %lld, \"name\": \"Pessoa %lld\", \"email\": \"p@example.com\"},"
             " \"course\": {\"id\": 3, \"name\": \"Curso\", \"workload\": \"2h\","
             " \"concluded_at\": \"2023-08-28 20:47:20\"},"
             " \"school\": {\"id\": 1, \"name\": \"Escola\", \"managers\": []},"
             " \"certified\": {\"certified_at\": \"2023-08-28 20:47:31\","
             " \"type\": \"participation\"}}}",
             user, user);
}

struct worker {
    struct issue *is;
    int first, stored;
};

static void *issue_many(void *arg)
{
    struct worker *w = arg;
    char body[1024];
    for (int i = 0; i < N_EACH; i++) {
        struct issue_result r;
        event_body(body, sizeof(body), w->first + i);
        if (issue_event(w->is, body, strlen(body), &r) == ISSUE_STORED)
            w->stored++;
        else
            fprintf(stderr, "# event %d: %s\n", w->first + i, r.error);
        issue_result_free(&r);
    }
    return NULL;
}

static void test_snapshots(struct issue *is)
{
    struct issue_snapshot *s1, *s2, *s3;

    s1 = issue_hold(is);
    is_str(name_of(s1), "Antes", "the snapshot of start holds tenant.json as it was");
    name_is("Depois");
    is_str(name_of(s1), "Antes", "a change on disk does not reach it");
    is_int(issue_reload(is, err, sizeof(err)), 0, "a good reload is taken (%s)", err);
    s2 = issue_hold(is);
    is_str(name_of(s2), "Depois", "a snapshot held after it has the change");
    is_str(name_of(s1), "Antes", "the one held before is still whole");
    issue_release(is, s1);

    put("t/7/tenant.json", "{\"nmae\": \"x\"}\n");
    err[0] = '\0';
    is_int(issue_reload(is, err, sizeof(err)), -1, "a broken reload is refused");
    ok(strstr(err, "t/7/tenant.json: nmae: unknown key (did you mean 'name'?)") != NULL,
       "naming the file and the key: %s", err);
    s3 = issue_hold(is);
    ok(s3 == s2, "the running snapshot stays in use");
    is_str(name_of(s3), "Depois", "with its tenants");
    issue_release(is, s3);
    issue_release(is, s2);
    issue_release(is, NULL);
}

static void test_threads(struct issue *is)
{
    pthread_t th[N_THREADS];
    struct worker w[N_THREADS];
    int taken = 0, stored = 0;

    name_is("Depois");
    for (int i = 0; i < N_THREADS; i++) {
        w[i] = (struct worker){is, 1000 + i * N_EACH, 0};
        pthread_create(&th[i], NULL, issue_many, &w[i]);
    }
    for (int i = 0; i < N_RELOADS; i++) {
        name_is(i % 2 ? "Par" : "Impar");
        taken += issue_reload(is, err, sizeof(err)) == 0;
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(th[i], NULL);
        stored += w[i].stored;
    }
    is_int(taken, N_RELOADS, "every reload during the issuing was taken");
    is_int(stored, N_THREADS * N_EACH, "every event issued meanwhile was stored");
}

int main(void)
{
    char dir[256], store[300];
    const char *tmp = getenv("TMPDIR");
    struct issue_config cfg = {0};
    struct issue *is;
    int rc;

    snprintf(dir, sizeof(dir), "%s/test_issue.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir) || chdir(dir) != 0 || mkdir("t", 0700) != 0 || mkdir("t/7", 0700) != 0) {
        perror(dir);
        return 2;
    }
    name_is("Antes");
    snprintf(store, sizeof(store), "%s/store", dir);
    cfg.store_dir = store;
    cfg.public_url = "http://certs.example.test";
    cfg.tenants = "t";
    cfg.locale = I18N_PT_BR;
    is = issue_open(&cfg, err, sizeof(err));
    ok(is != NULL, "open with a tenants folder (%s)", err);
    if (is) {
        test_snapshots(is);
        test_threads(is);
        issue_close(is);
    }
    rc = tap_done();
    if (chdir("/") != 0 || nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        perror(dir);
    return rc;
}
