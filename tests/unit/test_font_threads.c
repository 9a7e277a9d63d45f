/* Unit tests for subsetting one shared font from several threads at once, as
 * `import --jobs` and the server's threads do: every subset made in a thread
 * is byte for byte the one made alone. HarfBuzz 6.0.0 corrupts the table cache
 * of a prepared face when two subsets of it run at once, which shows here as
 * different bytes, a crash, or (under AddressSanitizer) a leak.
 * Run from the repository root. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "font.h"
#include "tap.h"
#include "banned.h"

enum { N_THREADS = 4, N_SETS = 3, N_GIDS = 5 };

/* Rounds of a new face: the race shows in about one run of two at 400. Under
 * valgrind, which runs one thread at a time, a few rounds check the rest. */
static int n_rounds = 400;

struct set {
    const uint32_t *cps;
    size_t n;
};

static const uint32_t latin[] = {'C', 'e', 'r', 't', 'i', 'f', 'c', 'a', 'd', 'o', ' ', 0xe7, 0xe3};
static const uint32_t digits[] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '/', ':'};
static const uint32_t names[] = {'M', 'a', 'r', 0xed, 'l', 'S', 'o', 'u', 'z', 0xc9, 'J', 'n'};
static const struct set sets[N_SETS] = {
    {latin, sizeof(latin) / sizeof(latin[0])},
    {digits, sizeof(digits) / sizeof(digits[0])},
    {names, sizeof(names) / sizeof(names[0])},
};
static const uint32_t gids[N_GIDS] = {36, 68, 85, 87, 3};
static const uint32_t codes[N_GIDS] = {0x20, 0x21, 0x22, 0x23, 0x24};

static struct font *font;
static struct buf want[N_SETS + 1];
static pthread_barrier_t go;

struct worker {
    int id, round;
    int mismatches, failures;
};

static int make(int which, struct buf *out)
{
    char err[256];

    if (which == N_SETS)
        return font_subset_glyphs(font, gids, codes, N_GIDS, out, err, sizeof(err));
    return font_subset(font, sets[which].cps, sets[which].n, out, err, sizeof(err));
}

/* Each thread makes one subset of the freshly opened font, all at once. */
static void *work(void *arg)
{
    struct worker *w = arg;
    int which = (w->id + w->round) % (N_SETS + 1);
    struct buf got = {0};

    pthread_barrier_wait(&go);
    if (make(which, &got) != 0)
        w->failures++;
    else if (got.len != want[which].len || memcmp(got.data, want[which].data, got.len) != 0)
        w->mismatches++;
    buf_free(&got);
    return NULL;
}

static void run(const char *path, int lazy)
{
    char err[256];
    pthread_t th[N_THREADS];
    struct worker w[N_THREADS];
    int made = 0, mismatches = 0, failures = 0, opened = 0;

    font = font_open(path, 0, lazy, err, sizeof(err));
    if (!ok(font != NULL, "%s opens", path)) {
        printf("#   %s\n", err);
        return;
    }
    for (int i = 0; i <= N_SETS; i++)
        made += make(i, &want[i]) == 0 && want[i].len > 0;
    is_int(made, N_SETS + 1, "%s: each subset made alone", path);
    font_free(font);
    memset(w, 0, sizeof(w));
    /* the race is in filling the caches of a new face: a new one each round */
    for (int r = 0; r < n_rounds; r++) {
        font = font_open(path, 0, lazy, err, sizeof(err));
        if (!font)
            continue;
        opened++;
        for (int i = 0; i < N_THREADS; i++) {
            w[i].id = i;
            w[i].round = r;
            pthread_create(&th[i], NULL, work, &w[i]);
        }
        for (int i = 0; i < N_THREADS; i++)
            pthread_join(th[i], NULL);
        font_free(font);
    }
    for (int i = 0; i < N_THREADS; i++) {
        mismatches += w[i].mismatches;
        failures += w[i].failures;
    }
    is_int(opened, n_rounds, "%s opened again %d times", path, n_rounds);
    is_int(failures, 0, "%s%s: %d rounds of %d subsets at once, none fails", path,
           lazy ? " (lazy)" : "", n_rounds, N_THREADS);
    is_int(mismatches, 0, "... and each is the subset made alone, byte for byte");
    for (int i = 0; i <= N_SETS; i++)
        buf_free(&want[i]);
    memset(want, 0, sizeof(want));
}

int main(void)
{
    const char *vg = getenv("VALGRIND");

    if (vg && *vg)
        n_rounds = 8;
    pthread_barrier_init(&go, NULL, N_THREADS);
    run("fonts/DejaVuSerif.ttf", 0);
    /* a fallback face: prepared by whichever thread subsets it second */
    run("fonts/NotoSerifHebrew-Regular.ttf", 1);
    pthread_barrier_destroy(&go);
    return tap_done();
}
