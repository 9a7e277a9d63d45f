/* Unit tests of the archive's search: words, filters, pages, injection,
 * query plans and revisions over a filled store. Staff accounts, the schema
 * upgrades and names in every script are in test_search_more.c. */
#include "search_tests.h"
#define N_PEOPLE 45 /* "Pessoa NN", on five days, some at the same second */
#define N_ALL (N_PEOPLE + 6)

static int fill(struct store *st)
{
    struct ev e;
    int bad = 0;

    ev_init(&e, 1, 1, 10, "João da Silva", "joao.silva@example.com", "52998224725",
            "Gestão de Projetos", "2024-03-15 10:00:00", "achievement");
    bad |= put(st, &e, NULL);
    ev_init(&e, 1, 2, 11, "Maria José Conceição", "maria.conceicao@escola.edu.br", "11144477735",
            "Introdução à Programação", "2024-03-16 23:59:59", "participation");
    bad |= put(st, &e, NULL);
    ev_init(&e, 2, 3, 10, "JOÃO PEDRO ARAÚJO", "jp@example.org", NULL, "Gestão de Projetos",
            "2023-12-01 08:30:00", "participation");
    bad |= put(st, &e, NULL);
    ev_init(&e, 2, 4, 12, "Zoë Lüdenscheidt", "zoe@example.net", NULL, "Alemão Básico",
            "2024-03-16 00:00:00", "achievement");
    bad |= put(st, &e, NULL);
    ev_init(&e, 1, 5, 12, "Ana O'Brien-Sá", "ana@silveira.com.br", "39053344705", "Alemão Básico",
            "2024-01-05 12:00:00", "participation");
    bad |= put(st, &e, NULL);
    ev_init(&e, 1, 6, 13, "Or Near And", "or.near@example.com", NULL, "Lógica",
            "2022-06-01 09:00:00", "participation");
    bad |= put(st, &e, NULL);
    for (int i = 0; i < N_PEOPLE; i++) {
        char name[32], email[64], when[40];
        snprintf(name, sizeof(name), "Pessoa %02d", i);
        snprintf(email, sizeof(email), "pessoa%02d@example.com", i);
        /* five days; on each, the time repeats every other person */
        snprintf(when, sizeof(when), "2024-02-%02d %02d:00:00", 10 + i % 5, 8 + i / 10);
        ev_init(&e, 3, 100 + i, 20, name, email, NULL, "Curso em Lote", when,
                i % 3 ? "participation" : "achievement");
        bad |= put(st, &e, NULL);
    }
    return bad ? -1 : 0;
}

/* --- words ----------------------------------------------------------------- */

static void test_words(struct store *st)
{
    struct store_query q = {0};
    char names[1024];

    is_int(total_of(st, NULL), N_ALL, "no words: every certificate");
    is_int(total_of(st, "   "), N_ALL, "blank words: every certificate");
    q.q = "joao silv";
    names_of(st, &q, names, sizeof(names));
    is_str(names, "João da Silva", "'joao silv' finds 'João da Silva' (accents, case, prefix)");
    q.q = "joao";
    names_of(st, &q, names, sizeof(names));
    is_str(names, "João da Silva|JOÃO PEDRO ARAÚJO", "'joao' finds both, newest first");
    is_int(total_of(st, "JOÃO"), 2, "'JOÃO' the same");
    is_int(total_of(st, "Joã"), 2, "'Joã' as a prefix");
    is_int(total_of(st, "araujo pedro"), 1, "words in any order");
    is_int(total_of(st, "zoe ludens"), 1, "'zoe ludens' finds 'Zoë Lüdenscheidt'");
    is_int(total_of(st, "obrien"), 0, "'obrien' is not a word of \"O'Brien\"");
    is_int(total_of(st, "o'brien"), 1, "but \"o'brien\" is");
    is_int(total_of(st, "silva"), 1, "'silva' finds the name, not 'silveira.com.br'");
    is_int(total_of(st, "silv"), 2, "'silv' finds both");
    is_int(total_of(st, "maria.conc"), 1, "an e-mail prefix");
    is_int(total_of(st, "maria.conceicao@escola.edu.br"), 1, "a whole e-mail");
    is_int(total_of(st, "maria.conceicao@escola.edu.com"), 0, "another e-mail");
    is_int(total_of(st, "@example.com"), N_PEOPLE + 2, "a domain");
    is_int(total_of(st, "52998224725"), 1, "CPF digits");
    is_int(total_of(st, "529.982.247-25"), 1, "CPF with punctuation");
    is_int(total_of(st, "529.982"), 1, "a CPF prefix with punctuation");
    is_int(total_of(st, "529982"), 1, "a CPF prefix, digits");
    is_int(total_of(st, "111.444.777-35"), 1, "another CPF");
    is_int(total_of(st, "982247"), 0, "the middle of a CPF is not a prefix");
    is_int(total_of(st, "gestao proj"), 2, "the course name");
    is_int(total_of(st, "introducao maria"), 1, "course and name words together");
    is_int(total_of(st, "joao maria"), 0, "every word must match");
    is_int(total_of(st, "pessoa"), N_PEOPLE, "many matches");
    is_int(total_of(st, "pessoa 07"), 1, "'pessoa 07'");
    is_int(total_of(st, "xyzzy"), 0, "no match");
}

/* --- filters ----------------------------------------------------------- */

static void test_filters(struct store *st)
{
    struct store_query q = {0};
    struct store_page page;
    char names[1024], err[256] = "";

    q.course_id = 10;
    names_of(st, &q, names, sizeof(names));
    is_str(names, "João da Silva|JOÃO PEDRO ARAÚJO", "course_id");
    q.q = "silva";
    names_of(st, &q, names, sizeof(names));
    is_str(names, "João da Silva", "course_id with words");
    q = (struct store_query){.institution_id = 2};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "Zoë Lüdenscheidt|JOÃO PEDRO ARAÚJO", "institution_id");
    q = (struct store_query){.type = "achievement", .institution_id = 1};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "João da Silva", "type and institution_id");
    q = (struct store_query){.q = "joao", .institution_id = 2};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "JOÃO PEDRO ARAÚJO", "institution_id with words");
    q = (struct store_query){.q = "joao", .type = "participation"};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "JOÃO PEDRO ARAÚJO", "type with words");
    q = (struct store_query){.q = "pessoa", .type = "achievement", .course_id = 20};
    is_int(store_search(st, &q, &page, err, sizeof(err)), 0, "words with two filters");
    is_int(page.total, N_PEOPLE / 3, "match the certificates with both");
    store_page_free(&page);
    q = (struct store_query){.q = "pessoa", .course_id = 21};
    is_int(store_search(st, &q, &page, err, sizeof(err)), 0, "words with another course");
    is_int(page.total, 0, "match nothing");
    store_page_free(&page);
    is_int(total_of(st, "tp"), 0, "words never match the filters' tags ('tp')");
    is_int(total_of(st, "c10"), 0, "nor 'c10'");
    is_int(total_of(st, "i1"), 0, "nor 'i1'");
    q = (struct store_query){.type = "Achievement", .q = "zoe"};
    is_int(store_search(st, &q, &page, err, sizeof(err)), 0, "type in any letter case");
    is_int(page.total, 1, "matches");
    store_page_free(&page);

    q = (struct store_query){.from = "2024-03-16", .to = "2024-03-16"};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "Maria José Conceição|Zoë Lüdenscheidt",
           "from and to are whole days, both inclusive (00:00:00 and 23:59:59)");
    q.q = "conceicao";
    names_of(st, &q, names, sizeof(names));
    is_str(names, "Maria José Conceição", "a day with words");
    q = (struct store_query){.q = "joao", .from = "2024-01-01"};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "João da Silva", "from alone, with words");
    q = (struct store_query){.q = "joao", .to = "2024-03-14"};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "JOÃO PEDRO ARAÚJO", "to alone, with words");
    q = (struct store_query){.q = "joao", .from = "2024-03-16", .to = "2024-03-01"};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "", "from after to: nothing");
    q = (struct store_query){.course_id = 12, .from = "2024-01-01", .to = "2024-01-31"};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "Ana O'Brien-Sá", "course with a date range");
    q = (struct store_query){.status = "valid", .q = "joao"};
    is_int(store_search(st, &q, &page, err, sizeof(err)), 0, "status=valid");
    is_int(page.total, 2, "nothing revoked yet");
    store_page_free(&page);

    /* Bad values are errors naming the field. */
    static const struct {
        struct store_query q;
        const char *field;
    } bad[] = {
        {{.from = "2024-3-01"}, "from: "},  {{.from = "2024-02-30"}, "from: "},
        {{.to = "2024-13-01"}, "to: "},     {{.to = "yesterday"}, "to: "},
        {{.type = "diploma"}, "type: "},    {{.status = "vencido"}, "status: "},
        {{.course_id = -1}, "course_id: "}, {{.institution_id = -5}, "institution_id: "},
        {{.page = -1}, "page: "},           {{.per_page = 101}, "per_page: "},
        {{.per_page = -3}, "per_page: "},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        ok(store_search(st, &bad[i].q, &page, err, sizeof(err)) == -1 &&
               strncmp(err, bad[i].field, strlen(bad[i].field)) == 0 && page.n_hits == 0,
           "a bad value is an error naming the field: %s", err);
    }
    char longq[400];
    memset(longq, 'a', sizeof(longq) - 1);
    longq[sizeof(longq) - 1] = '\0';
    q = (struct store_query){.q = longq};
    ok(store_search(st, &q, &page, err, sizeof(err)) == -1 && strncmp(err, "q: ", 3) == 0,
       "an over-long q is an error: %s", err);
    q.q = "a b c d e f g h i j k l m n o p q";
    ok(store_search(st, &q, &page, err, sizeof(err)) == -1 && strncmp(err, "q: ", 3) == 0,
       "too many words is an error: %s", err);
}

/* --- pages and order ----------------------------------------------------- */

static int hit_before(const struct store_hit *a, const struct store_hit *b)
{
    int c = strcmp(a->certified_at, b->certified_at);
    return c > 0 || (c == 0 && strcmp(a->id, b->id) < 0);
}

/* Walk every page of q (per_page n); check totals, sizes, order and that
 * the pages hold each match once. Returns the ids in order in all. */
static void check_pages(struct store *st, struct store_query q, int per_page, int64_t want,
                        const char *what, struct buf *all)
{
    struct store_page page;
    struct store_hit prev = {0};
    char err[256] = "";
    int64_t seen = 0;
    int pages = (int)((want + per_page - 1) / per_page), sizes_ok = 1, order_ok = 1, totals_ok = 1,
        dups = 0;

    q.per_page = per_page;
    for (int p = 1; p <= pages + 1; p++) {
        q.page = p;
        if (store_search(st, &q, &page, err, sizeof(err)) < 0) {
            ok(0, "%s: page %d: %s", what, p, err);
            return;
        }
        totals_ok &= page.total == want && page.page == p && page.per_page == per_page;
        if (p < pages)
            sizes_ok &= page.n_hits == (size_t)per_page;
        else if (p == pages)
            sizes_ok &= page.n_hits == (size_t)(want - (int64_t)(pages - 1) * per_page);
        else
            sizes_ok &= page.n_hits == 0;
        for (size_t i = 0; i < page.n_hits; i++) {
            if (seen && !hit_before(&prev, &page.hits[i]))
                order_ok = 0;
            if (all->data && strstr(all->data, page.hits[i].id))
                dups++;
            buf_addf(all, "%s ", page.hits[i].id);
            memcpy(prev.certified_at, page.hits[i].certified_at, sizeof(prev.certified_at));
            memcpy(prev.id, page.hits[i].id, sizeof(prev.id));
            seen++;
        }
        store_page_free(&page);
    }
    ok(totals_ok, "%s: every page says total %lld", what, (long long)want);
    ok(sizes_ok, "%s: full pages of %d, then the rest, then an empty page", what, per_page);
    ok(order_ok, "%s: newest certified first, then by id", what);
    ok(seen == want && dups == 0, "%s: each match once (%lld seen, %d twice)", what,
       (long long)seen, dups);
}

static void test_pages(struct store *st)
{
    struct buf a = BUF_INIT, b = BUF_INIT, c = BUF_INIT;
    struct store_query q = {0};
    struct store_page page;
    char err[256] = "";

    q.q = "pessoa";
    check_pages(st, q, 20, N_PEOPLE, "words, 20 a page", &a);
    check_pages(st, q, 7, N_PEOPLE, "words, 7 a page", &b);
    is_str(b.data, a.data, "the same order whatever the page size");
    q = (struct store_query){.q = "pessoa", .status = "valid"};
    buf_reset(&b);
    check_pages(st, q, 6, N_PEOPLE, "words and a filter", &b);
    is_str(b.data, a.data, "the same order as words alone");
    q = (struct store_query){.course_id = 20};
    buf_reset(&b);
    check_pages(st, q, 8, N_PEOPLE, "a filter alone", &b);
    is_str(b.data, a.data, "the same order again");
    q = (struct store_query){.q = "pessoa", .from = "2024-02-11", .to = "2024-02-13"};
    check_pages(st, q, 4, 27, "words and dates", &c);
    q = (struct store_query){0};
    buf_reset(&b);
    check_pages(st, q, 10, N_ALL, "everything", &b);
    buf_reset(&c);
    check_pages(st, q, 100, N_ALL, "everything, 100 a page", &c);
    is_str(c.data, b.data, "in the same order");

    q = (struct store_query){0};
    is_int(store_search(st, &q, &page, err, sizeof(err)), 0, "defaults");
    ok(page.page == 1 && page.per_page == 20 && page.n_hits == 20 && page.total == N_ALL,
       "page 1 of 20");
    is_str(page.n_hits ? page.hits[0].user_name : "", "Maria José Conceição", "newest first");
    ok(page.n_hits && page.hits[0].revision == 1 && strlen(page.hits[0].code) == 17 &&
           page.hits[0].course_id == 11 && page.hits[0].institution_id == 1 &&
           strcmp(page.hits[0].course_name, "Introdução à Programação") == 0 &&
           strcmp(page.hits[0].school_name, "Escola de Governo") == 0 &&
           strcmp(page.hits[0].type, "participation") == 0 &&
           strcmp(page.hits[0].certified_at, "2024-03-16 23:59:59") == 0 && !page.hits[0].revoked,
       "a hit has the certificate's fields");
    store_page_free(&page);
    q.page = 1000000;
    is_int(store_search(st, &q, &page, err, sizeof(err)), 0, "a page far past the end");
    ok(page.n_hits == 0 && page.total == N_ALL, "is empty, with the total");
    store_page_free(&page);
    buf_free(&a);
    buf_free(&b);
    buf_free(&c);
}

/* --- injection ------------------------------------------------------------- */

static void test_injection(struct store *st)
{
    static const char *const tries[] = {
        "\"",
        "\"\"",
        "*",
        "-",
        "OR",
        "NEAR(",
        "NEAR(joao maria)",
        "joao OR maria",
        "joao\" OR \"maria",
        "joao -silva",
        "\"joao\" + \"pedro\"",
        "^joao",
        "user_name:joao",
        "{user_name user_email}: joao",
        "joao AND NOT maria",
        "(joao",
        ")",
        "joao*",
        "'",
        "'; DROP TABLE certificates; --",
        "' OR '1'='1",
        "\" OR 1=1 --",
        "%",
        "_",
        "\\",
        "— «»",
        "joao \xff\xfe",
        "\xc3",
    };
    char err[256] = "";
    int all_fine = 1;

    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        int64_t t = total_of(st, tries[i]);
        ok(t >= 0 && t < N_ALL, "q '%s': no error, not everything (%lld)", tries[i], (long long)t);
    }
    is_int(total_of(st, "joao OR maria"), 0, "OR is a word, not an operator");
    is_int(total_of(st, "NEAR(joao maria)"), 0, "NEAR( is a word, not a function");
    is_int(total_of(st, "joao -silva"), 1, "-silva is the word silva, not NOT");
    is_int(total_of(st, "joao*"), 2, "a '*' typed is ignored");
    is_int(total_of(st, "or near and"), 1, "'or near and' finds the person so named");
    is_int(total_of(st, "\"joao\""), 2, "quotes typed are ignored");
    is_int(total_of(st, "user_name:joao"), 0, "no column filters");
    is_int(total_of(st, "*"), 0, "'*' alone finds nothing");
    is_int(total_of(st, "'; DROP TABLE certificates; --"), 0, "SQL in q finds nothing");
    is_int(total_of(st, ""), N_ALL, "and the table is still there");

    /* Random bytes never make an error. */
    srand(7);
    for (int i = 0; i < 3000 && all_fine; i++) {
        char q[48];
        struct store_query sq = {.q = q};
        struct store_page page;
        size_t n = 1 + (size_t)rand() % (sizeof(q) - 1);
        for (size_t j = 0; j < n; j++) {
            q[j] = (char)(1 + rand() % 255);
            if (rand() % 4 == 0)
                q[j] = "\"*-^:(){}+' "[rand() % 12];
        }
        q[n] = '\0';
        if (store_search(st, &sq, &page, err, sizeof(err)) < 0) {
            all_fine = 0;
            printf("# random q failed: %s\n", err);
        } else if (page.total == N_ALL && strspn(q, " \t\n\r\f\v") != n) {
            all_fine = 0;
            printf("# random q matched everything\n");
        }
        store_page_free(&page);
    }
    ok(all_fine, "3000 random queries: no error, never everything");
}

/* --- revisions and revocation ---------------------------------------------- */

static void test_revisions(struct store *st)
{
    struct store_query q = {.q = "carla"};
    struct store_result r1, r2;
    struct store_page page;
    struct store_cert c;
    struct ev e;
    char err[256] = "";

    ev_init(&e, 4, 1, 30, "Carla Dias", "carla@example.com", NULL, "Redação Oficial",
            "2021-05-05 10:00:00", "participation");
    put(st, &e, &r1);
    is_int(total_of(st, "dias carla"), 1, "found by the first revision's name");
    ev_init(&e, 4, 1, 30, "Carla Nunes", "carla.nunes@example.com", NULL, "Redação Oficial",
            "2021-06-07 11:00:00", "participation");
    put(st, &e, &r2);
    is_int(r2.outcome, STORE_REVISED, "a corrected name is a new revision");
    is_int(total_of(st, "dias"), 0, "the old name no longer matches");
    is_int(total_of(st, "carla@example"), 0, "nor the old e-mail");
    is_int(total_of(st, "nunes"), 1, "the new one does");
    is_int(store_search(st, &q, &page, err, sizeof(err)), 0, "search");
    ok(page.n_hits == 1 && page.hits[0].revision == 2 &&
           strcmp(page.hits[0].code, r2.ticket.code) == 0 &&
           strcmp(page.hits[0].certified_at, "2021-06-07 11:00:00") == 0,
       "one row: the latest revision, its code and date");
    store_page_free(&page);
    q = (struct store_query){.q = "carla", .from = "2021-05-05", .to = "2021-05-05"};
    is_int(store_search(st, &q, &page, err, sizeof(err)), 0, "by the old date");
    is_int(page.total, 0, "the old date no longer matches");
    store_page_free(&page);
    q.from = q.to = "2021-06-07";
    is_int(store_search(st, &q, &page, err, sizeof(err)), 0, "by the new date");
    is_int(page.total, 1, "the new date does");
    store_page_free(&page);
    store_get(st, r2.ticket.id, &c, err, sizeof(err));
    ok(c.n_revs == 2 && c.revs[0].superseded && !c.revs[1].superseded,
       "the first revision is superseded");
    store_cert_free(&c);

    is_int(store_revoke(st, r2.ticket.id, "issued by mistake", err, sizeof(err)), 0, "revoke");
    q = (struct store_query){.q = "carla"};
    store_search(st, &q, &page, err, sizeof(err));
    ok(page.n_hits == 1 && page.hits[0].revoked, "a revoked certificate shows as revoked");
    store_page_free(&page);
    q.status = "revoked";
    store_search(st, &q, &page, err, sizeof(err));
    is_int(page.total, 1, "status=revoked finds it");
    store_page_free(&page);
    q.status = "valid";
    store_search(st, &q, &page, err, sizeof(err));
    is_int(page.total, 0, "status=valid does not");
    store_page_free(&page);
    q = (struct store_query){.q = "pessoa", .status = "revoked"};
    store_search(st, &q, &page, err, sizeof(err));
    is_int(page.total, 0, "other words with status=revoked: nothing");
    store_page_free(&page);
    q = (struct store_query){.status = "revoked"};
    store_search(st, &q, &page, err, sizeof(err));
    ok(page.total == 1 && page.n_hits == 1 && strcmp(page.hits[0].id, r2.ticket.id) == 0,
       "status=revoked alone: only it");
    store_page_free(&page);
    q.status = "valid";
    store_search(st, &q, &page, err, sizeof(err));
    is_int(page.total, N_ALL, "status=valid: all the others");
    store_page_free(&page);
    ev_init(&e, 4, 1, 30, "Carla Nunes Reis", "carla.nunes@example.com", NULL, "Redação Oficial",
            "2021-06-07 11:00:00", "participation");
    put(st, &e, &r2);
    q = (struct store_query){.q = "reis"};
    store_search(st, &q, &page, err, sizeof(err));
    ok(page.n_hits == 1 && page.hits[0].revoked && page.hits[0].revision == 3,
       "revised after revocation: still revoked, revision 3");
    store_page_free(&page);
}

/* --- totals ---------------------------------------------------------------- */

/* The total of a search is counted apart from its page (on PostgreSQL from
 * the words table when the query is words and walls alone): on one page of
 * 100 both must tell the same certificates. */
static void test_totals(struct store *st)
{
    static const char *const words[] = {
        "joao",       "jo",
        "JOÃO",       "silv joao",
        "pessoa",     "pessoa 0",
        "pessoa 01",  "a",
        "zoe",        "Zoë",
        "ludensch",   "ana sa",
        "o'brien",    "brien",
        "joao.silva", "example",
        "com",        "gestao projetos",
        "529.982",    "52998224725",
        "nada",       "or near",
        "and",        "_",
        "%",          "pessoa%",
        "p_ssoa",     "a b c d e f g h i j k l m n o p",
        "",           NULL,
    };
    static const int64_t inst[] = {0, 1, 2, 3};
    static const struct store_scope scopes[] = {{0, 0}, {1, 0}, {1, 1}, {2, 0}, {2, 2}};
    int agree = 0, cases = 0;
    char err[256] = "";

    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
        for (size_t i = 0; i < sizeof(inst) / sizeof(inst[0]); i++)
            for (size_t c = 0; c < sizeof(scopes) / sizeof(scopes[0]); c++) {
                struct store_query q = {
                    .q = words[w], .institution_id = inst[i], .scope = scopes[c], .per_page = 100};
                struct store_page page;
                cases++;
                if (store_search(st, &q, &page, err, sizeof(err)) < 0) {
                    printf("# '%s': %s\n", words[w] ? words[w] : "(none)", err);
                    continue;
                }
                if (page.total == (int64_t)page.n_hits)
                    agree++;
                else
                    printf("# '%s' institution %lld scope %lld/%lld: total %lld, %zu listed\n",
                           words[w] ? words[w] : "(none)", (long long)inst[i],
                           (long long)scopes[c].institution_id, (long long)scopes[c].school_id,
                           (long long)page.total, page.n_hits);
                store_page_free(&page);
            }
    is_int(agree, cases, "every total agrees with its listing (%d queries, walls, institutions)",
           cases);
    is_int(total_of(st, "pessoa 01"), 1, "'pessoa 01': one certificate has both words");
    is_int(total_of(st, NULL), N_ALL + 1, "no words: every certificate (and test_revisions')");
    is_int(total_of(st, "pessoa"), N_PEOPLE, "'pessoa': each certificate counted once");
    /* the Pessoas, "Pedro" (with "Projetos"), and the courses "Projetos"
     * and "Programação" */
    is_int(total_of(st, "p"), N_PEOPLE + 3,
           "'p': a certificate with several such words counted once");
}

/* PostgreSQL: the total of one word alone is read through the words
 * table's index (from the index alone once the table is vacuumed, as
 * bench_search shows), the listing's own from listing_counts, any other
 * filter from the certificates; a phrase's whole words are looked up in the
 * words' index. */
static void test_pg_plans(struct store *st)
{
    static const struct {
        struct store_query q;
        const char *want, *not ;
        const char *what;
    } cases[] = {
        {{.q = "joao"}, "on search_words_pkey", "certificates", "one word: the words' index alone"},
        {{.q = "joao", .scope = {1, 1}},
         "on search_words_pkey",
         "certificates",
         "one word in a wall: the words' index alone"},
        {{.q = "joao silv"},
         "certificates",
         "search_words",
         "two words: the certificates (a prefix each, by trigrams)"},
        {{0}, "listing_counts", "certificates", "no words: the listing's counts"},
        {{.scope = {1, 1}}, "listing_counts", "certificates", "a wall: the listing's counts"},
        {{.type = "achievement"}, "certificates", "listing_counts", "a type: the certificates"},
        {{.q = "joao", .course_id = 10},
         "certificates",
         "search_words",
         "a word and a course: the certificates"},
        {{.q = "joao.silva"},
         "(word = 'joao'::text)",
         "(word = 'silva'::text)",
         "a phrase: its whole words (all but the last) from the words' index"},
    };
    struct buf plan = BUF_INIT;
    char err[256] = "";

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *total, *page;
        buf_reset(&plan);
        if (store_search_explain(st, &cases[i].q, &plan, err, sizeof(err)) < 0) {
            ok(0, "%s: %s", cases[i].what, err);
            continue;
        }
        total = plan.data ? strstr(plan.data, "total:") : NULL;
        page = total ? strstr(total, "page:") : NULL;
        if (page)
            plan.data[page - plan.data] = '\0';
        if (!ok(total && strstr(total, cases[i].want) && !strstr(total, cases[i].not ),
                "plan of the total: %s", cases[i].what))
            printf("# %s", total ? total : "(none)\n");
    }
    buf_free(&plan);
}

/* --- query plans ----------------------------------------------------------- */

static void test_plans(struct store *st)
{
    static const struct {
        struct store_query q;
        const char *want;
        const char *what;
    } cases[] = {
        {{.q = "joao"}, "certificates_fts VIRTUAL TABLE INDEX", "words: the FTS5 index"},
        {{0}, "SCAN c USING COVERING INDEX certificates_recent", "no words: the order's index"},
        {{.course_id = 10, .from = "2024-01-01", .to = "2024-12-31"},
         "COVERING INDEX certificates_course (course_id=? AND certified_at>? AND certified_at<?)",
         "course and dates: a range of the course index"},
        {{.institution_id = 1},
         "COVERING INDEX certificates_institution (institution_id=?)",
         "institution: its index"},
        {{.status = "revoked"}, "certificates_revoked", "revoked: their own index"},
        {{.q = "joao", .course_id = 10},
         "certificates_fts VIRTUAL TABLE INDEX",
         "words and a course: the FTS5 index too"},
        {{.q = "joao", .status = "valid", .type = "participation"},
         "certificates_fts VIRTUAL TABLE INDEX",
         "words, status and type: the FTS5 index too"},
    };
    struct buf plan = BUF_INIT;
    char err[256] = "";

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        buf_reset(&plan);
        if (store_search_explain(st, &cases[i].q, &plan, err, sizeof(err)) < 0) {
            ok(0, "%s: %s", cases[i].what, err);
            continue;
        }
        if (!ok(plan.data && strstr(plan.data, cases[i].want), "plan: %s", cases[i].what))
            printf("# %s", plan.data ? plan.data : "(none)\n");
        ok(plan.data && !strstr(plan.data, "SCAN c\n") && !strstr(plan.data, "SCAN c USING INDEX"),
           "plan: %s reads no table rows to filter", cases[i].what);
    }
    buf_free(&plan);
}

/* --- staff ----------------------------------------------------------------- */

int main(void)
{
    char *dir = make_tmpdir();
    struct buf sub = BUF_INIT;
    char err[512] = "";
    struct store *st;
    char *where;

    buf_addf(&sub, "%s/search", dir);
    where = test_location(sub.data);
    st = store_open(where, fake_rerender, NULL, err, sizeof(err));
    free(where);
    if (ok(st != NULL, "open a store (%s)", err) && ok(fill(st) == 0, "archive %d", N_ALL)) {
        test_words(st);
        test_filters(st);
        test_pages(st);
        test_injection(st);
        if (!test_on_pg()) /* SQLite's query plans */
            test_plans(st);
        else
            test_pg_plans(st);
        test_revisions(st);
        test_totals(st);
    }
    store_close(st);

    rm_rf(dir);
    free(dir);
    buf_free(&sub);
    return tap_done();
}
