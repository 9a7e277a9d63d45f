/* make bench: render N varied events end to end in one process (parse,
 * validate, lay out, render, write the file) and print the throughput, the
 * mean PDF size and the peak memory; first names in Latin, Greek and
 * Cyrillic letters, then N events whose names are spread over many scripts
 * (Arabic, Hebrew, CJK, Indic, Thai...), checked for what can be printed as
 * the server does, and the ratio of the two rates; then the tenant part: N
 * events of an institution of examples/tenants (its template, its logo and two
 * managers' signature images) beside the same N events of an institution
 * without a folder (the plain template), their rates, ratio and PDF sizes,
 * and how often the image cache decoded a file.
 * With a certificate and its key (bench_render N DIR CERT KEY), only the
 * Latin events, rendered unsigned and then signed (PAdES B-B): the signing
 * time per certificate, the size it adds and the signed rate against the
 * unsigned one. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "event.h"
#include "image.h"
#include "render.h"
#include "sign.h"

static const char *const names[] = {
    "Ana Luíza Gonçalves",
    "Maria Aparecida dos Santos Albuquerque de Oliveira Cavalcanti Figueiredo",
    "João Pedro Conceição",
    "Zoë Łukasiewicz-Øster",
    "Ελένη Παπαδοπούλου",
    "Владимир Иванович Соколов",
    "Nguyễn Thị Minh Khai",
    "José",
};
static const char *const courses[] = {
    "Introdução à Programação em C",
    "Formação Continuada em Metodologias Ativas de Aprendizagem, Avaliação Formativa e Uso "
    "Pedagógico de Tecnologias Digitais na Educação Básica",
    "Segurança do Trabalho",
    "Gestão Escolar Democrática e Participativa",
};
/* the mixed-script part: user, manager and course names in other scripts */
static const char *const world_names[] = {
    "محمد عبد الرحمن", "דוד כהן 2024",   "Ana محمد Silva", "王小明",    "山田 さくら",
    "김민준",          "अर्जुन शर्मा",      "রবীন্দ্রনাথ ঠাকুর", "முத்துசாமி", "สมชาย ใจดี",
    "សុខ ចាន់",          "Արամ Խաչատրյան", "ნინო ბერიძე",    "አበበ ቢቂላ",   "Nguyễn Thị Minh Khai",
    "Ana ☺ Silva",
};
static const char *const world_managers[] = {
    "فاطمة الزهراء", "李娜", "Gestora A. da Silva", "प्रिया शर्मा", "יעל לוי", "박서연",
};
static const char *const world_courses[] = {
    "Introdução à Programação em C",
    "مقدمة في البرمجة",
    "程序设计入门",
    "Segurança do Trabalho",
};
static const char *const workloads[] = {"40h", "1h30min", "90min", "0h", "180h"};

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

enum kind { LATIN, WORLD, PLAIN, TENANT };

/* PLAIN and TENANT: the same Latin events with managers 410 and 411, of an institution
 * without a tenant folder, or of examples/tenants/41270033 (whose catch-all template has
 * the logo, and whose signatures/ has both managers). */
static void make_event(struct buf *b, int i, enum kind k)
{
    int world = k == WORLD, managers = k >= PLAIN ? 2 : i % 8;
    const char *user = world ? world_names[i % 16] : names[i % 8];
    const char *course = world ? world_courses[i % 4] : courses[i % 4];
    buf_reset(b);
    buf_addf(b,
             "{\"event\":{\"name\":\"x\",\"slug\":\"activities.certificate.issued\","
             "\"send_at\":\"2023-08-28 10:00:01\"},\"data\":{\"institution\":{\"id\":%d},"
             "\"user\":{\"id\":%d,\"name\":\"%s\",\"email\":\"a@example.com\","
             "\"cpf\":\"123.456.789-09\",\"nickname\":null,\"uuid\":null},"
             "\"course\":{\"id\":%d,\"name\":\"%s\",\"workload\":\"%s\","
             "\"enrolled_at\":\"2023-07-03 09:12:00\",\"concluded_at\":\"2023-08-25 18:40:12\"},"
             "\"school\":{\"id\":%d,\"name\":\"Escola Técnica São João\",\"managers\":[",
             k == TENANT ? 41270033 : 1 + i % 3, 1000 + i, user, k >= PLAIN ? 9000 : 1 + i % 4,
             course, workloads[i % 5], k >= PLAIN ? 19 : 7);
    for (int m = 0; m < managers; m++) {
        if (world)
            buf_addf(b, "%s{\"manager_id\":%d,\"manager_name\":\"%s\"}", m ? "," : "", m + 1,
                     world_managers[(i + m) % 6]);
        else
            buf_addf(b, "%s{\"manager_id\":%d,\"manager_name\":\"Gestora %c. da Silva\"}",
                     m ? "," : "", k >= PLAIN ? 410 + m : m + 1, 'A' + m);
    }
    buf_addf(b,
             "]},\"certified\":{\"certified_at\":\"2023-08-28 10:00:00\",\"type\":\"%s\","
             "\"approval_rate\":%g}}}",
             i % 2 ? "Achievement" : "participation", 60 + (i % 40) + 0.5 * (i % 2));
}

struct part {
    double seconds, cpu, total_size, max_size;
    double sign_seconds, sign_cpu; /* of seconds and cpu, in sign_pdf */
};

/* Render events from..to-1 of one kind into dir, adding to *r; 0, or -1 with a message
 * printed. */
static int pdfa_off; /* 1: the runs make plain PDFs */

static int run_some(struct render_ctx *ctx, int from, int to, enum kind k,
                    const struct sign_key *key, const char *dir, struct part *r)
{
    struct buf body = BUF_INIT, pdf = BUF_INIT, path = BUF_INIT;
    char err[1024];
    static const char *const prefix[] = {"", "world-", "plain-", "tenant-"};
    double t0 = now(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    int rc = -1;

    for (int i = from; i < to; i++) {
        struct event ev;
        struct event_diags d;
        struct render_opts o = {NULL, i % 3 == 2 ? I18N_EN : I18N_PT_BR, "ABCDE-FGHJK-MNPQR",
                                "http://127.0.0.1:8080/verify/ABCDE-FGHJK-MNPQR", 0, pdfa_off};
        int fd;
        make_event(&body, i, k);
        if (event_parse(body.data, body.len, &ev, &d) != EVENT_OK ||
            render_check_event(ctx, &ev, &o, &d, err, sizeof(err)) != 0) {
            fprintf(stderr, "bench: event %d not printable: %s: %s\n", i,
                    d.n_errors ? d.errors[0].path : "", d.n_errors ? d.errors[0].message : err);
            goto out;
        }
        buf_reset(&pdf);
        if (render_pdf(ctx, &ev, &o, &pdf, err, sizeof(err)) < 0) {
            fprintf(stderr, "bench: %s\n", err);
            goto out;
        }
        if (key) {
            double s0 = now(), sc = clock_s(CLOCK_THREAD_CPUTIME_ID);
            if (sign_pdf(key, &pdf, time(NULL), err, sizeof(err)) < 0) {
                fprintf(stderr, "bench: %s\n", err);
                goto out;
            }
            r->sign_seconds += now() - s0;
            r->sign_cpu += clock_s(CLOCK_THREAD_CPUTIME_ID) - sc;
        }
        buf_reset(&path);
        buf_addf(&path, "%s/%s%d.pdf", dir, prefix[k], i);
        fd = open(path.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, pdf.data, pdf.len) != (ssize_t)pdf.len || close(fd) < 0) {
            perror(path.data);
            goto out;
        }
        r->total_size += (double)pdf.len;
        if ((double)pdf.len > r->max_size)
            r->max_size = (double)pdf.len;
        event_free(&ev);
        event_diags_free(&d);
    }
    r->seconds += now() - t0;
    r->cpu += clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    rc = 0;
out:
    buf_free(&body);
    buf_free(&pdf);
    buf_free(&path);
    return rc;
}

static int run(struct render_ctx *ctx, int n, enum kind k, const struct sign_key *key,
               const char *dir, struct part *r)
{
    memset(r, 0, sizeof(*r));
    return run_some(ctx, 0, n, k, key, dir, r);
}

static void report(const char *what, int n, const struct part *r)
{
    printf("render %s: %d certificates in %.2f s: %.0f certificates/s, %.2f ms each "
           "(%.2f ms of CPU), PDF mean %.1f KB, largest %.1f KB\n",
           what, n, r->seconds, n / r->seconds, r->seconds * 1000 / n, r->cpu * 1000 / n,
           r->total_size / n / 1024, r->max_size / 1024);
}

/* Latin unsigned, then Latin signed with the key of cert: the overhead. */
static int bench_sign(struct render_ctx *ctx, int n, const char *dir, const char *cert,
                      const char *key_file)
{
    struct sign_settings ss = {cert, key_file, NULL, NULL, NULL, NULL, NULL};
    struct part plain, signed_;
    struct sign_key *key;
    char err[1024], who[512];

    key = sign_key_load(&ss, err, sizeof(err));
    if (!key) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    sign_key_describe(key, who, sizeof(who));
    if (run(ctx, n, LATIN, NULL, dir, &plain) < 0 || run(ctx, n, LATIN, key, dir, &signed_) < 0) {
        sign_key_free(key);
        return 1;
    }
    report("latin unsigned", n, &plain);
    report("latin signed", n, &signed_);
    printf("signing (%s): %.3f ms per certificate (%.3f ms of CPU), %.1f KB more per PDF; "
           "signed / unsigned latin rate: %.2f (by CPU time %.2f)\n",
           who, signed_.sign_seconds * 1000 / n, signed_.sign_cpu * 1000 / n,
           (signed_.total_size - plain.total_size) / n / 1024, plain.seconds / signed_.seconds,
           plain.cpu / signed_.cpu);
    sign_key_free(key);
    render_ctx_free(ctx);
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    const char *dir = argc > 2 ? argv[2] : "build/bench/out";
    struct render_ctx *ctx;
    struct rusage ru;
    struct part latin, world, plain, tenant, off;
    struct image_stats is;
    char err[1024];

    ctx = render_ctx_new_tenants(NULL, "examples/tenants", err, sizeof(err));
    if (!ctx) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    if (argc > 4)
        return bench_sign(ctx, n, dir, argv[3], argv[4]);
    if (run(ctx, n, LATIN, NULL, dir, &latin) < 0 || run(ctx, n, WORLD, NULL, dir, &world) < 0)
        return 1;
    pdfa_off = 1;
    if (run(ctx, n, LATIN, NULL, dir, &off) < 0)
        return 1;
    pdfa_off = 0;
    getrusage(RUSAGE_SELF, &ru);
    report("latin (PDF/A-1b)", n, &latin);
    report("mixed scripts (PDF/A-1b)", n, &world);
    report("latin, pdfa = off", n, &off);
    printf("PDF/A-1b / off: rate %.2f (by CPU time %.2f), %+.0f bytes per PDF (target at most "
           "3 KB)\n",
           off.seconds / latin.seconds, off.cpu / latin.cpu, (latin.total_size - off.total_size) / n);
    printf("mixed scripts / latin rate: %.2f (by CPU time %.2f; target at least 0.33); "
           "largest PDF %.1f KB (target under 40 KB); peak RSS %.1f MB\n",
           latin.seconds / world.seconds, latin.cpu / world.cpu,
           (latin.max_size > world.max_size ? latin.max_size : world.max_size) / 1024,
           ru.ru_maxrss / 1024.0);

    /* the tenant part: plain and tenant taken in turns, 50 events at a time, so that a busy
     * moment of the machine weighs on both alike */
    printf("== tenants: the plain template and examples/tenants/41270033's (a logo and two "
           "signature images), %d events each, in turns\n", n);
    memset(&plain, 0, sizeof(plain));
    memset(&tenant, 0, sizeof(tenant));
    for (int i = 0; i < n; i += 50) {
        int to = i + 50 < n ? i + 50 : n;
        if (run_some(ctx, i, to, PLAIN, NULL, dir, &plain) < 0 ||
            run_some(ctx, i, to, TENANT, NULL, dir, &tenant) < 0)
            return 1;
    }
    image_stats(&is);
    report("plain", n, &plain);
    report("tenant", n, &tenant);
    printf("tenant / plain rate: %.2f (by CPU time %.2f; target at least 0.80); tenant PDF "
           "largest %.1f KB (target under 60 KB); image files decoded %zu times for %d "
           "certificates (%zu taken from the cache), transparency flattened %zu times\n",
           plain.seconds / tenant.seconds, plain.cpu / tenant.cpu, tenant.max_size / 1024,
           is.decodes, n, is.hits, is.flattens);
    render_ctx_free(ctx);
    return 0;
}
