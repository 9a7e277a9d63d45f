/* Benchmark of the staff search: fill a store with N certificates (default
 * 100,000; store_put in batches of 5,000 with a tiny fake PDF), with varied
 * Brazilian names, e-mails, CPFs, 200 courses in 5 institutions over four
 * years, 2% revised and 1% revoked; then time store_search for typical
 * queries, each with varying words, and print p50/p99 and the query plans.
 * Usage: bench_search [N] [DIR]. Without DIR the store goes to a temporary
 * folder under build/bench/, removed at the end; with DIR an existing store of
 * N certificates made by this program is used as it is. With
 * BENCH_SEARCH_FILL_ONLY set, it only fills DIR. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "store.h"
#include "banned.h"

#define BATCH 5000
#define RUNS 400
#define COURSES 200
#define INSTITUTIONS 5

static const char *const first[][2] = {
    {"João", "joao"},           {"José", "jose"},         {"Antônio", "antonio"},
    {"Francisco", "francisco"}, {"Carlos", "carlos"},     {"Paulo", "paulo"},
    {"Pedro", "pedro"},         {"Lucas", "lucas"},       {"Luís", "luis"},
    {"Marcos", "marcos"},       {"Gabriel", "gabriel"},   {"Rafael", "rafael"},
    {"Daniel", "daniel"},       {"Marcelo", "marcelo"},   {"Bruno", "bruno"},
    {"Eduardo", "eduardo"},     {"Felipe", "felipe"},     {"Raimundo", "raimundo"},
    {"Rodrigo", "rodrigo"},     {"Sérgio", "sergio"},     {"Fábio", "fabio"},
    {"Vinícius", "vinicius"},   {"Caio", "caio"},         {"Otávio", "otavio"},
    {"Maria", "maria"},         {"Ana", "ana"},           {"Francisca", "francisca"},
    {"Antônia", "antonia"},     {"Adriana", "adriana"},   {"Juliana", "juliana"},
    {"Márcia", "marcia"},       {"Fernanda", "fernanda"}, {"Patrícia", "patricia"},
    {"Aline", "aline"},         {"Sandra", "sandra"},     {"Camila", "camila"},
    {"Amanda", "amanda"},       {"Bruna", "bruna"},       {"Jéssica", "jessica"},
    {"Letícia", "leticia"},     {"Júlia", "julia"},       {"Luciana", "luciana"},
    {"Vanessa", "vanessa"},     {"Mariana", "mariana"},   {"Gabriela", "gabriela"},
    {"Bárbara", "barbara"},     {"Cecília", "cecilia"},   {"Inês", "ines"},
    {"Conceição", "conceicao"}, {"Débora", "debora"},     {"Vitória", "vitoria"},
    {"Mônica", "monica"},       {"Lúcia", "lucia"},       {"Tânia", "tania"},
};

static const char *const last[][2] = {
    {"Silva", "silva"},         {"Santos", "santos"},         {"Oliveira", "oliveira"},
    {"Souza", "souza"},         {"Rodrigues", "rodrigues"},   {"Ferreira", "ferreira"},
    {"Alves", "alves"},         {"Pereira", "pereira"},       {"Lima", "lima"},
    {"Gomes", "gomes"},         {"Costa", "costa"},           {"Ribeiro", "ribeiro"},
    {"Martins", "martins"},     {"Carvalho", "carvalho"},     {"Almeida", "almeida"},
    {"Lopes", "lopes"},         {"Soares", "soares"},         {"Fernandes", "fernandes"},
    {"Vieira", "vieira"},       {"Barbosa", "barbosa"},       {"Rocha", "rocha"},
    {"Dias", "dias"},           {"Nascimento", "nascimento"}, {"Andrade", "andrade"},
    {"Moreira", "moreira"},     {"Nunes", "nunes"},           {"Marques", "marques"},
    {"Machado", "machado"},     {"Mendes", "mendes"},         {"Freitas", "freitas"},
    {"Cardoso", "cardoso"},     {"Ramos", "ramos"},           {"Gonçalves", "goncalves"},
    {"Santana", "santana"},     {"Teixeira", "teixeira"},     {"Araújo", "araujo"},
    {"Conceição", "conceicao"}, {"Simões", "simoes"},         {"Brandão", "brandao"},
    {"Assunção", "assuncao"},   {"Magalhães", "magalhaes"},   {"Falcão", "falcao"},
    {"Patrício", "patricio"},   {"Estêvão", "estevao"},       {"Fontes", "fontes"},
    {"Guimarães", "guimaraes"}, {"Muniz", "muniz"},           {"Sá", "sa"},
    {"Bezerra", "bezerra"},     {"Cavalcanti", "cavalcanti"}, {"Monteiro", "monteiro"},
    {"Peixoto", "peixoto"},     {"Queiroz", "queiroz"},       {"Tavares", "tavares"},
    {"Xavier", "xavier"},       {"Zanetti", "zanetti"},       {"Yamamoto", "yamamoto"},
    {"Watanabe", "watanabe"},   {"Kowalski", "kowalski"},     {"Hoffmann", "hoffmann"},
};

static const char *const particle[] = {"da", "de", "dos", "das", "do"};

static const char *const topics[] = {
    "Gestão de Projetos",
    "Introdução à Programação",
    "Segurança do Trabalho",
    "Excel Avançado",
    "Comunicação Assertiva",
    "Primeiros Socorros",
    "Libras Básico",
    "Educação Financeira",
    "Marketing Digital",
    "Logística e Transportes",
    "Análise de Dados",
    "Atendimento ao Cliente",
    "Liderança e Equipes",
    "Redação Oficial",
    "Inglês Instrumental",
    "Contabilidade Básica",
    "Ética no Serviço Público",
    "Gestão Escolar",
    "Alfabetização de Adultos",
    "Matemática Financeira",
};

static const char *const levels[] = {"",
                                     " I",
                                     " II",
                                     " III",
                                     " — Módulo 1",
                                     " — Módulo 2",
                                     " para Iniciantes",
                                     " Intermediário",
                                     " (EaD)",
                                     " 2ª edição"};

#define N_FIRST (sizeof(first) / sizeof(first[0]))
#define N_LAST (sizeof(last) / sizeof(last[0]))

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: person i's data is a pure function of i. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

struct person {
    char name[160], email[128], cpf[12], cpf_fmt[16], course[96], certified[48], canonical[512];
    const char *first_ascii, *last_ascii;
    int64_t user, course_id, inst;
    struct store_fields f;
};

static void make_cpf(uint64_t r, char cpf[12])
{
    int d[11], s = 0;
    for (int i = 0; i < 9; i++, r /= 10)
        d[i] = (int)(r % 10);
    for (int i = 0; i < 9; i++)
        s += d[i] * (10 - i);
    d[9] = (s * 10) % 11 % 10;
    s = 0;
    for (int i = 0; i < 10; i++)
        s += d[i] * (11 - i);
    d[10] = (s * 10) % 11 % 10;
    for (int i = 0; i < 11; i++)
        cpf[i] = (char)('0' + d[i]);
    cpf[11] = '\0';
}

static void person(struct person *p, int64_t i, int revised)
{
    uint64_t r = mix((uint64_t)i), r2 = mix(r), r3 = mix(r2);
    size_t f = r % N_FIRST, m = (r >> 8) % N_FIRST, l = (r >> 16) % N_LAST, l2 = (r >> 24) % N_LAST;
    int day = (int)((r2 >> 8) % 1461), y = 2021, mon = 1, dd;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    struct buf b = BUF_INIT;

    memset(p, 0, sizeof(*p));
    p->user = i + 1;
    p->course_id = 1 + (int64_t)((r2 >> 20) % COURSES);
    p->inst = 1 + p->course_id % INSTITUTIONS;
    p->first_ascii = first[f][1];
    p->last_ascii = last[l][1];
    buf_adds(&b, first[f][0]);
    if ((r >> 32) % 3 == 0)
        buf_addf(&b, " %s", first[m][0]);
    if ((r >> 36) % 2 == 0)
        buf_addf(&b, " %s", particle[(r >> 40) % 5]);
    buf_addf(&b, " %s", last[l][0]);
    if ((r >> 44) % 2 == 0)
        buf_addf(&b, " %s", last[l2][0]);
    if (revised)
        buf_adds(&b, " Júnior");
    snprintf(p->name, sizeof(p->name), "%s", b.data);
    buf_free(&b);
    snprintf(p->email, sizeof(p->email), "%s.%s%lld@%s", first[f][1], last[l][1],
             (long long)(r3 % 1000), (r3 >> 10) % 3 == 0 ? "gmail.com" : "escola.edu.br");
    make_cpf(r3 >> 20, p->cpf);
    snprintf(p->cpf_fmt, sizeof(p->cpf_fmt), "%.3s.%.3s.%.3s-%.2s", p->cpf, p->cpf + 3, p->cpf + 6,
             p->cpf + 9);
    snprintf(p->course, sizeof(p->course), "%s%s", topics[(p->course_id - 1) % 20],
             levels[(p->course_id - 1) / 20 % 10]);
    while (1) {
        dd = mdays[mon - 1] + (mon == 2 && y % 4 == 0);
        if (day < dd)
            break;
        day -= dd;
        if (++mon > 12) {
            mon = 1;
            y++;
        }
    }
    snprintf(p->certified, sizeof(p->certified), "%04d-%02d-%02d %02d:%02d:%02d", y, mon, day + 1,
             (int)(r3 % 24) % 24, (int)((r3 >> 5) % 60), (int)((r3 >> 11) % 60));
    snprintf(p->canonical, sizeof(p->canonical), "{\"user\":{\"id\":%lld,\"name\":\"%s\"},%d}",
             (long long)p->user, p->name, revised);
    p->f = (struct store_fields){
        .institution_id = p->inst,
        .user_id = p->user,
        .course_id = p->course_id,
        .school_id = p->inst,
        .user_name = p->name,
        .user_email = p->email,
        .user_cpf = p->cpf,
        .course_name = p->course,
        .school_name = "Escola de Governo",
        .workload = "40h",
        .type = (r2 % 10) < 7 ? "participation" : "achievement",
        .certified_at = p->certified,
        .concluded_at = p->certified,
        .canonical = p->canonical,
        .raw = p->canonical,
        .raw_len = strlen(p->canonical),
    };
}

static int render(void *ctx, const struct store_ticket *t, struct buf *pdf, char *err,
                  size_t errlen)
{
    (void)ctx;
    (void)err;
    (void)errlen;
    buf_addf(pdf, "%%PDF-fake %s r%d %s\n", t->id, t->revision, t->code);
    return 0;
}

static int rerender(void *ctx, const struct store_ticket *t, const char *raw, size_t raw_len,
                    struct buf *pdf, char expires_at[20], char *err, size_t errlen)
{
    (void)raw;
    (void)raw_len;
    (void)expires_at;
    return render(ctx, t, pdf, err, errlen);
}

static int fill(struct store *st, int64_t n, char *err, size_t errlen)
{
    struct store_result r;
    struct person p;
    double t0 = now();

    for (int64_t i = 0; i < n; i += BATCH) {
        if (store_batch_begin(st, err, errlen) < 0)
            return -1;
        for (int64_t j = i; j < i + BATCH && j < n; j++) {
            person(&p, j, 0);
            if (store_put(st, &p.f, render, NULL, &r, err, errlen) < 0)
                return -1;
            if (j % 50 == 7) { /* 2% revised: the name changes */
                person(&p, j, 1);
                if (store_put(st, &p.f, render, NULL, &r, err, errlen) < 0)
                    return -1;
            }
            if (j % 100 == 3 && store_revoke(st, r.ticket.id, "issued by mistake", err, errlen) !=
                                    0) /* 1% revoked */
                return -1;
        }
        if (store_batch_end(st, err, errlen) < 0)
            return -1;
        fprintf(stderr, "\rfilling: %lld of %lld (%.0f/s)",
                (long long)(i + BATCH < n ? i + BATCH : n), (long long)n,
                (double)(i + BATCH < n ? i + BATCH : n) / (now() - t0));
    }
    fprintf(stderr, "\n");
    printf("filled %lld certificates in %.1f s\n", (long long)n, now() - t0);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A query of one kind for run k: its words vary from run to run. */
typedef void (*make_query)(struct store_query *q, char *buf, size_t len, int64_t n, int k);

static void q_prefix(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    (void)n;
    snprintf(b, len, "%.4s", first[mix((uint64_t)k) % N_FIRST][1]);
    q->q = b;
}

static void q_name(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    struct person p;
    person(&p, (int64_t)(mix((uint64_t)k) % (uint64_t)n), 0);
    snprintf(b, len, "%s %.4s", p.first_ascii, p.last_ascii);
    q->q = b;
}

static void q_email(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    struct person p;
    person(&p, (int64_t)(mix((uint64_t)k) % (uint64_t)n), 0);
    snprintf(b, len, "%s", p.email);
    q->q = b;
}

static void q_cpf(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    struct person p;
    person(&p, (int64_t)(mix((uint64_t)k) % (uint64_t)n), 0);
    snprintf(b, len, "%s", p.cpf_fmt);
    q->q = b;
}

static void q_cpf_part(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    struct person p;
    person(&p, (int64_t)(mix((uint64_t)k) % (uint64_t)n), 0);
    snprintf(b, len, "%.7s", p.cpf_fmt);
    q->q = b;
}

static void q_course(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    static const char *const from[] = {"2021-01-01", "2022-03-01", "2023-07-01", "2024-01-01"};
    static const char *const to[] = {"2021-12-31", "2022-08-31", "2023-12-31", "2024-06-30"};
    (void)b;
    (void)len;
    (void)n;
    q->course_id = 1 + (int64_t)(mix((uint64_t)k) % COURSES);
    q->from = from[k % 4];
    q->to = to[k % 4];
}

static void q_latest(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    (void)q;
    (void)b;
    (void)len;
    (void)n;
    (void)k;
}

static void q_deep(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    (void)b;
    (void)len;
    q->page = 1 + (int)(mix((uint64_t)k) % (uint64_t)(n / 20));
}

static void q_name_course(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    q_name(q, b, len, n, k);
    q->q = b + strlen(b) - strlen(strrchr(b, ' ') + 1); /* the surname prefix alone */
    q->course_id = 1 + (int64_t)(mix((uint64_t)k + 1) % COURSES);
}

static void q_revoked(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    (void)b;
    (void)len;
    (void)n;
    (void)k;
    q->status = "revoked";
}

static void q_institution(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    (void)b;
    (void)len;
    (void)n;
    q->institution_id = 1 + k % INSTITUTIONS;
    q->type = "achievement";
}

static void q_name_valid(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    q_prefix(q, b, len, n, k);
    q->status = "valid";
}

static void q_letter(struct store_query *q, char *b, size_t len, int64_t n, int k)
{
    (void)n;
    snprintf(b, len, "%c", "amjsc"[k % 5]);
    q->q = b;
}

static const struct {
    const char *what;
    make_query make;
    int typical;
} kinds[] = {
    {"name prefix ('mari')", q_prefix, 1},
    {"accent-free name ('joao silv')", q_name, 1},
    {"e-mail", q_email, 1},
    {"CPF with punctuation", q_cpf, 1},
    {"CPF prefix ('529.982')", q_cpf_part, 1},
    {"course + date range", q_course, 1},
    {"empty query: latest page", q_latest, 1},
    {"surname + course", q_name_course, 0},
    {"status=revoked", q_revoked, 0},
    {"institution + type", q_institution, 0},
    {"empty query, a deep page", q_deep, 0},
    {"name prefix + status=valid", q_name_valid, 0},
    {"one letter ('a')", q_letter, 0},
};

static int run_kind(struct store *st, size_t kind, int64_t n, char *err, size_t errlen)
{
    double t[RUNS], totals = 0;
    char qbuf[256];
    struct store_page page;
    struct buf plan = BUF_INIT;

    for (int k = -20; k < RUNS; k++) { /* 20 runs to warm up */
        struct store_query q = {0};
        double t0;
        kinds[kind].make(&q, qbuf, sizeof(qbuf), n, k < 0 ? RUNS - k : k);
        t0 = now();
        if (store_search(st, &q, &page, err, errlen) < 0)
            return -1;
        if (k >= 0) {
            t[k] = now() - t0;
            totals += (double)page.total;
        }
        store_page_free(&page);
        if (k == 0 && getenv("BENCH_PLANS")) {
            store_search_explain(st, &q, &plan, err, errlen);
            printf("%s", plan.data);
            buf_free(&plan);
        }
    }
    qsort(t, RUNS, sizeof(t[0]), cmp_double);
    printf("%-34s p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  (%.0f matches on average)%s\n",
           kinds[kind].what, 1e3 * t[RUNS / 2], 1e3 * t[RUNS * 99 / 100], 1e3 * t[RUNS - 1],
           totals / RUNS, kinds[kind].typical ? "" : "  [not typical]");
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 100000;
    struct buf tmpl = BUF_INIT;
    struct store_stats ss;
    struct store *st = NULL;
    const char *dir;
    char err[512];
    double t0;
    int rc = 1;

    if (n < 100) {
        fprintf(stderr, "usage: bench_search [N >= 100] [DIR]\n");
        return 2;
    }
    mkdir("build", 0755);
    mkdir("build/bench", 0755);
    buf_adds(&tmpl, "build/bench/search-XXXXXX");
    dir = argc > 2 ? argv[2] : mkdtemp(tmpl.data);
    if (!dir) {
        perror("bench_search: build/bench/search-XXXXXX");
        goto out;
    }
    t0 = now();
    st = store_open(dir, rerender, NULL, err, sizeof(err));
    if (!st || store_stats(st, &ss, err, sizeof(err)) < 0)
        goto fail;
    if (ss.certificates == 0 && fill(st, n, err, sizeof(err)) < 0)
        goto fail;
    else if (ss.certificates)
        printf("using %lld certificates in '%s' (opened in %.1f s)\n", (long long)ss.certificates,
               dir, now() - t0);
    if (getenv("BENCH_SEARCH_FILL_ONLY")) { /* the caller measures later */
        rc = 0;
        goto out;
    }
    if (store_stats(st, &ss, err, sizeof(err)) < 0)
        goto fail;
    n = ss.certificates;
    printf("search latency over %lld certificates (%lld revisions, %lld revoked), %d runs each:\n",
           (long long)ss.certificates, (long long)ss.revisions, (long long)ss.revoked, RUNS);
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
        if (run_kind(st, k, n, err, sizeof(err)) < 0)
            goto fail;
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "bench_search: %s\n", err);
out:
    store_close(st);
    if (argc <= 2 && dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    buf_free(&tmpl);
    return rc;
}
