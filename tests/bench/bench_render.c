/* make bench: render N varied events end to end in one process (parse,
 * validate, lay out, render, write the file) and print the throughput, the
 * mean PDF size and the peak memory. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "event.h"
#include "render.h"

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
static const char *const workloads[] = {"40h", "1h30min", "90min", "0h", "180h"};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void make_event(struct buf *b, int i)
{
    int managers = i % 8;
    buf_reset(b);
    buf_addf(b,
             "{\"event\":{\"name\":\"x\",\"slug\":\"activities.certificate.issued\","
             "\"send_at\":\"2023-08-28 10:00:01\"},\"data\":{\"institution\":{\"id\":%d},"
             "\"user\":{\"id\":%d,\"name\":\"%s\",\"email\":\"a@example.com\","
             "\"cpf\":\"123.456.789-09\",\"nickname\":null,\"uuid\":null},"
             "\"course\":{\"id\":%d,\"name\":\"%s\",\"workload\":\"%s\","
             "\"enrolled_at\":\"2023-07-03 09:12:00\",\"concluded_at\":\"2023-08-25 18:40:12\"},"
             "\"school\":{\"id\":7,\"name\":\"Escola Técnica São João\",\"managers\":[",
             1 + i % 3, 1000 + i, names[i % 8], 1 + i % 4, courses[i % 4], workloads[i % 5]);
    for (int m = 0; m < managers; m++)
        buf_addf(b, "%s{\"manager_id\":%d,\"manager_name\":\"Gestora %c. da Silva\"}", m ? "," : "",
                 m + 1, 'A' + m);
    buf_addf(b,
             "]},\"certified\":{\"certified_at\":\"2023-08-28 10:00:00\",\"type\":\"%s\","
             "\"approval_rate\":%g}}}",
             i % 2 ? "Achievement" : "participation", 60 + (i % 40) + 0.5 * (i % 2));
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    const char *dir = argc > 2 ? argv[2] : "build/bench/out";
    struct buf body = BUF_INIT, pdf = BUF_INIT, path = BUF_INIT;
    struct render_ctx *ctx;
    struct rusage ru;
    char err[1024];
    double t0, t1, total_size = 0, max_size = 0;

    ctx = render_ctx_new(NULL, err, sizeof(err));
    if (!ctx) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    /* one warm-up render loads the fonts and templates, as a server would at start */
    make_event(&body, 0);
    t0 = now();
    for (int i = 0; i < n; i++) {
        struct event ev;
        struct event_diags d;
        struct render_opts o = {NULL, i % 3 == 2 ? I18N_EN : I18N_PT_BR, "ABCDE-FGHJK-MNPQR",
                                "http://127.0.0.1:8080/verify/ABCDE-FGHJK-MNPQR"};
        int fd;
        make_event(&body, i);
        if (event_parse(body.data, body.len, &ev, &d) != EVENT_OK) {
            fprintf(stderr, "bench: event %d invalid: %s: %s\n", i,
                    d.n_errors ? d.errors[0].path : "", d.n_errors ? d.errors[0].message : "");
            return 1;
        }
        buf_reset(&pdf);
        if (render_pdf(ctx, &ev, &o, &pdf, err, sizeof(err)) < 0) {
            fprintf(stderr, "bench: %s\n", err);
            return 1;
        }
        buf_reset(&path);
        buf_addf(&path, "%s/%d.pdf", dir, i);
        fd = open(path.data, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, pdf.data, pdf.len) != (ssize_t)pdf.len || close(fd) < 0) {
            perror(path.data);
            return 1;
        }
        total_size += (double)pdf.len;
        if ((double)pdf.len > max_size)
            max_size = (double)pdf.len;
        event_free(&ev);
        event_diags_free(&d);
    }
    t1 = now();
    getrusage(RUSAGE_SELF, &ru);
    printf("render: %d certificates in %.2f s: %.0f certificates/s, %.2f ms each, "
           "PDF mean %.1f KB, largest %.1f KB, peak RSS %.1f MB\n",
           n, t1 - t0, n / (t1 - t0), (t1 - t0) * 1000 / n, total_size / n / 1024, max_size / 1024,
           ru.ru_maxrss / 1024.0);
    render_ctx_free(ctx);
    buf_free(&body);
    buf_free(&pdf);
    buf_free(&path);
    return 0;
}
