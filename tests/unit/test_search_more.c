/* Unit tests of the archive beside its search: staff accounts, the upgrade
 * of an index from version 1, and search of names in every script (also
 * after an upgrade). */
#include "search_tests.h"

static int base64url_token(const char *t)
{
    return strlen(t) == 43 &&
           strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43;
}

/* Does the file hold these bytes anywhere? */
static int file_holds(const char *path, const char *needle)
{
    struct buf b = BUF_INIT;
    int found = 0;
    if (buf_read_file(&b, path) == 0 && b.len)
        found = memmem(b.data, b.len, needle, strlen(needle)) != NULL;
    buf_free(&b);
    return found;
}

static void test_staff(const char *dir)
{
    char maria[64], joao[64], again[64], name[64], err[256] = "", wrong[80], hex[65];
    char *longtok = xcalloc(1, 5001);
    struct store_staff *list = NULL;
    struct buf path = BUF_INIT;
    struct store *st = store_open(dir, fake_rerender, NULL, err, sizeof(err));
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    size_t n = 0;

    if (!ok(st != NULL, "open a store for staff (%s)", err))
        return;
    is_int(store_staff_add(st, "maria", maria, err, sizeof(err)), 0, "add maria");
    ok(base64url_token(maria), "the token is 43 characters of base64url: %s", maria);
    is_int(store_staff_add(st, "joao.silva@escola", joao, err, sizeof(err)), 0, "add another");
    ok(strcmp(maria, joao) != 0, "tokens differ");
    is_int(store_staff_add(st, "maria", again, err, sizeof(err)), -1, "maria again");
    ok(strstr(err, "'maria' already exists") != NULL, "is refused: %s", err);
    is_int(store_staff_add(st, "MARIA", again, err, sizeof(err)), -1,
           "names are the same in any letter case");
    static const char *const bad_names[] = {
        "",     "a b",    "maria\t",
        "joão", "x/../y", "a123456789012345678901234567890123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
        ok(store_staff_add(st, bad_names[i], again, err, sizeof(err)) == -1 &&
               strncmp(err, "name: ", 6) == 0 && again[0] == '\0',
           "bad name '%s' refused: %s", bad_names[i], err);

    is_int(store_staff_check(st, maria, name, err, sizeof(err)), 0, "maria's token signs in");
    is_str(name, "maria", "as maria");
    is_int(store_staff_check(st, joao, name, err, sizeof(err)), 0, "the other's too");
    is_str(name, "joao.silva@escola", "as the other");
    snprintf(wrong, sizeof(wrong), "%s", maria);
    wrong[42] = wrong[42] == 'A' ? 'B' : 'A';
    is_int(store_staff_check(st, wrong, name, err, sizeof(err)), 1, "one character off: no");
    is_str(name, "", "and no name");
    wrong[42] = '\0';
    is_int(store_staff_check(st, wrong, name, err, sizeof(err)), 1, "a prefix of it: no");
    snprintf(wrong, sizeof(wrong), "%sx", maria);
    is_int(store_staff_check(st, wrong, name, err, sizeof(err)), 1, "one character more: no");
    is_int(store_staff_check(st, "", name, err, sizeof(err)), 1, "empty: no");
    is_int(store_staff_check(st, NULL, name, err, sizeof(err)), 1, "none: no");
    memset(longtok, 'A', 5000);
    is_int(store_staff_check(st, longtok, name, err, sizeof(err)), 1, "5000 characters: no");

    /* Only the digest is kept. */
    buf_addf(&path, "%s/index.sqlite", dir);
    sha256_hex(maria, strlen(maria), hex);
    if (test_on_pg()) {
        char *kept = test_pg_value(
            dir, "SELECT encode(token_sha256, 'hex') FROM staff WHERE name = 'maria'");
        is_str(kept, hex, "the database keeps its SHA-256");
        free(kept);
    } else if (sqlite3_open_v2(path.data, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT lower(hex(token_sha256)) FROM staff WHERE name = 'maria'",
                           -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        is_str((const char *)sqlite3_column_text(s, 0), hex, "the index keeps its SHA-256");
    else
        ok(0, "read the staff table: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    sqlite3_close(db);
    ok(!file_holds(path.data, maria), "and not the token itself");
    buf_addf(&path, "-wal");
    ok(!file_holds(path.data, maria), "nor does the write-ahead log");

    is_int(store_staff_revoke(st, "maria", err, sizeof(err)), 0, "revoke maria");
    is_int(store_staff_check(st, maria, name, err, sizeof(err)), 1,
           "a revoked token stops working");
    is_int(store_staff_check(st, joao, name, err, sizeof(err)), 0, "the other still works");
    is_int(store_staff_revoke(st, "maria", err, sizeof(err)), 1, "revoking again: no such account");
    is_int(store_staff_revoke(st, "nobody", err, sizeof(err)), 1, "an unknown name: not found");
    is_int(store_staff_revoke(st, "bad name", err, sizeof(err)), 1, "a malformed name: not found");
    is_int(store_staff_add(st, "Maria", again, err, sizeof(err)), 0, "maria may be added again");
    is_int(store_staff_check(st, again, name, err, sizeof(err)), 0, "with a new token");
    is_str(name, "Maria", "named as added");
    is_int(store_staff_check(st, maria, name, err, sizeof(err)), 1, "the old one stays dead");

    is_int(store_staff_list(st, &list, &n, err, sizeof(err)), 0, "list");
    ok(n == 3 && strcmp(list[0].name, "joao.silva@escola") == 0 && !list[0].revoked_at[0] &&
           strcasecmp(list[1].name, "maria") == 0 && strcasecmp(list[2].name, "maria") == 0 &&
           (list[1].revoked_at[0] != 0) != (list[2].revoked_at[0] != 0) &&
           strlen(list[0].created_at) == 19,
       "every account by name, with created and revoked times");
    free(list);
    store_close(st);

    st = store_open(dir, fake_rerender, NULL, err, sizeof(err));
    is_int(st ? store_staff_check(st, joao, name, err, sizeof(err)) : -1, 0,
           "accounts survive closing the store");
    store_close(st);
    buf_free(&path);
    free(longtok);
}

/* --- upgrade from version 1 ------------------------------------------------ */

/* The index of the first release, as it made it. */
static const char schema_v1[] =
    "CREATE TABLE certificates ("
    " id TEXT PRIMARY KEY NOT NULL,"
    " institution_id INTEGER NOT NULL, user_id INTEGER NOT NULL, course_id INTEGER NOT NULL,"
    " school_id INTEGER NOT NULL,"
    " user_name TEXT NOT NULL, user_email TEXT NOT NULL, user_cpf TEXT,"
    " course_name TEXT NOT NULL, school_name TEXT NOT NULL, workload TEXT, type TEXT NOT NULL,"
    " certified_at TEXT NOT NULL, concluded_at TEXT NOT NULL, enrolled_at TEXT,"
    " approval_rate REAL,"
    " latest INTEGER NOT NULL,"
    " revoked INTEGER NOT NULL DEFAULT 0, revoke_reason TEXT, revoked_at TEXT,"
    " UNIQUE (institution_id, user_id, course_id));"
    "CREATE INDEX certificates_certified_at ON certificates (certified_at);"
    "CREATE INDEX certificates_course ON certificates (course_id, certified_at);"
    "CREATE TABLE revisions ("
    " id TEXT NOT NULL REFERENCES certificates (id),"
    " revision INTEGER NOT NULL,"
    " code TEXT NOT NULL UNIQUE,"
    " pdf_path TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,"
    " generation INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL, rendered_at TEXT NOT NULL,"
    " superseded INTEGER NOT NULL DEFAULT 0,"
    " canonical TEXT NOT NULL, raw BLOB NOT NULL,"
    " PRIMARY KEY (id, revision));"
    "PRAGMA user_version = 1;";

struct v1_cert {
    int64_t inst, user, course;
    const char *name, *email, *cpf, *course_name, *certified_at;
    int revisions, revoked;
};

static const struct v1_cert v1_certs[] = {
    {1, 1, 1, "Antônio Simões", "antonio@example.com", "52998224725", "Gestão Escolar",
     "2022-04-01 10:00:00", 1, 0},
    {1, 2, 1, "Bárbara Magalhães", "barbara@example.com", NULL, "Gestão Escolar",
     "2022-05-02 11:00:00", 2, 0},
    {2, 3, 7, "Cecília Brandão", "cecilia@example.com", "11144477735", "Libras Básico",
     "2023-01-15 09:30:00", 1, 1},
};

/* mkdir -p */
static int mkdirs(const char *path)
{
    char p[512];
    snprintf(p, sizeof(p), "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0750);
            *s = '/';
        }
    }
    return mkdir(p, 0750) == 0 || errno == EEXIST ? 0 : -1;
}

/* Make dir/index.sqlite at version 1 with v1_certs and their PDF files, as
 * the first release would have left them. */
static int make_v1_store(const char *dir)
{
    struct buf path = BUF_INIT, sql = BUF_INIT, pdf = BUF_INIT, rel = BUF_INIT;
    sqlite3 *db = NULL;
    char *msg = NULL;
    int rc = -1;

    buf_addf(&path, "%s/index.sqlite", dir);
    if (sqlite3_open(path.data, &db) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode = WAL", NULL, NULL, &msg) != SQLITE_OK ||
        sqlite3_exec(db, schema_v1, NULL, NULL, &msg) != SQLITE_OK)
        goto out;
    for (size_t i = 0; i < sizeof(v1_certs) / sizeof(v1_certs[0]); i++) {
        const struct v1_cert *c = &v1_certs[i];
        char id[STORE_ID_MAX], sha[65], *q;
        store_id_make(c->inst, c->user, c->course, id);
        q = sqlite3_mprintf(
            "INSERT INTO certificates (id, institution_id, user_id, course_id, school_id,"
            " user_name, user_email, user_cpf, course_name, school_name, workload, type,"
            " certified_at, concluded_at, latest, revoked, revoke_reason, revoked_at)"
            " VALUES (%Q, %lld, %lld, %lld, 1, %Q, %Q, %Q, %Q, 'Escola', '40h', 'participation',"
            " %Q, %Q, %d, %d, %Q, %Q)",
            id, (long long)c->inst, (long long)c->user, (long long)c->course, c->name, c->email,
            c->cpf, c->course_name, c->certified_at, c->certified_at, c->revisions, c->revoked,
            c->revoked ? "wrong course" : NULL, c->revoked ? "2023-02-01 10:00:00" : NULL);
        rc = sqlite3_exec(db, q, NULL, NULL, &msg);
        sqlite3_free(q);
        if (rc != SQLITE_OK) {
            rc = -1;
            goto out;
        }
        for (int r = 1; r <= c->revisions; r++) {
            char code[STORE_CODE_MAX];
            buf_reset(&rel);
            buf_addf(&rel, "pdf/%lld/%.4s/%.2s", (long long)c->inst, c->certified_at,
                     c->certified_at + 5);
            buf_reset(&path);
            buf_addf(&path, "%s/%s", dir, rel.data);
            if (mkdirs(path.data) < 0)
                goto out;
            buf_addf(&rel, "/%s-r%d.pdf", id, r);
            buf_reset(&pdf);
            buf_addf(&pdf, "%%PDF-v1 %s r%d\n", id, r);
            sha256_hex(pdf.data, pdf.len, sha);
            buf_reset(&path);
            buf_addf(&path, "%s/%s", dir, rel.data);
            FILE *f = fopen(path.data, "wb");
            if (!f || fwrite(pdf.data, 1, pdf.len, f) != pdf.len || fclose(f) != 0)
                goto out;
            store_code_generate(code);
            q = sqlite3_mprintf("INSERT INTO revisions (id, revision, code, pdf_path, sha256, size,"
                                " created_at, rendered_at, superseded, canonical, raw)"
                                " VALUES (%Q, %d, %Q, %Q, %Q, %lld, '2023-01-01 00:00:00',"
                                " '2023-01-01 00:00:00', %d, '{\"r\":%d}', CAST('{}' AS BLOB))",
                                id, r, code, rel.data, sha, (long long)pdf.len, r < c->revisions,
                                r);
            rc = sqlite3_exec(db, q, NULL, NULL, &msg);
            sqlite3_free(q);
            if (rc != SQLITE_OK) {
                rc = -1;
                goto out;
            }
        }
    }
    rc = 0;
out:
    if (rc < 0)
        printf("# make a v1 store: %s\n", msg ? msg : db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_free(msg);
    sqlite3_close(db);
    buf_free(&path);
    buf_free(&sql);
    buf_free(&pdf);
    buf_free(&rel);
    return rc;
}

static void test_migration(const char *dir)
{
    struct buf lock = BUF_INIT;
    struct store_recovery rec;
    struct store_query q = {0};
    struct store_cert c;
    struct store_result r;
    struct store *st;
    struct ev e;
    char err[512] = "", id[STORE_ID_MAX], token[64], names[512];
    int fd;

    mkdir(dir, 0750);
    if (!ok(make_v1_store(dir) == 0, "a version 1 index with 3 certificates and their PDFs"))
        return;
    is_int(index_int(dir, "PRAGMA user_version"), 1, "at version 1");

    /* An older certifica still has the store open: no upgrade under it. */
    buf_addf(&lock, "%s/lock", dir);
    fd = open(lock.data, O_RDWR | O_CREAT, 0640);
    ok(fd >= 0 && flock(fd, LOCK_SH) == 0, "another process holds the store");
    st = store_open(dir, fake_rerender, NULL, err, sizeof(err));
    ok(st == NULL &&
           strstr(err, "has an older schema (1) and another certifica process has the store open"),
       "the upgrade waits for the store alone: %s", err);
    store_close(st);
    is_int(index_int(dir, "PRAGMA user_version"), 1, "still version 1, untouched");
    if (fd >= 0)
        close(fd);

    st = store_open(dir, fake_rerender, NULL, err, sizeof(err));
    if (!ok(st != NULL, "alone, the store opens (%s)", err))
        goto out;
    store_recovery_info(st, &rec);
    ok(rec.remade == 0 && rec.orphans_removed == 0 && rec.temp_removed == 0,
       "every PDF still matches its row");
    store_id_make(1, 2, 1, id);
    ok(store_get(st, id, &c, err, sizeof(err)) == 0 && c.n_revs == 2 && c.latest == 2 &&
           c.revs[0].superseded && strcmp(c.user_name, "Bárbara Magalhães") == 0,
       "a certificate and its revisions are kept");
    store_cert_free(&c);
    q.q = "barbara magalh";
    names_of(st, &q, names, sizeof(names));
    is_str(names, "Bárbara Magalhães", "the existing rows are searchable");
    is_int(total_of(st, "529.982.247-25"), 1, "by CPF too");
    q = (struct store_query){.status = "revoked"};
    names_of(st, &q, names, sizeof(names));
    is_str(names, "Cecília Brandão", "revocations are kept");
    is_int(total_of(st, ""), 3, "three in all");

    ev_init(&e, 1, 1, 1, "Antônio Simões Filho", "antonio@example.com", "52998224725",
            "Gestão Escolar", "2022-04-01 10:00:00", "participation");
    is_int(put(st, &e, &r), 0, "a new revision of an upgraded row");
    is_int(r.ticket.revision, 2, "is revision 2");
    is_int(total_of(st, "filho"), 1, "and is searchable at once");
    ev_init(&e, 5, 9, 9, "Dora Nova", "dora@example.com", NULL, "Curso", "2024-01-01 10:00:00",
            "achievement");
    is_int(put(st, &e, NULL), 0, "a new certificate");
    is_int(total_of(st, "dora"), 1, "searchable");
    is_int(store_staff_add(st, "admin", token, err, sizeof(err)), 0, "staff accounts work");
    store_close(st);

    is_int(index_int(dir, "PRAGMA user_version"), 7, "the index is now version 7");
    is_int(index_int(dir, "SELECT count(*) FROM pragma_foreign_key_check"), 0,
           "every revision still points at its certificate");
    is_int(index_int(dir, "SELECT count(*) FROM certificates"), 4, "four certificates");
    is_int(index_int(dir, "SELECT count(*) FROM revisions"), 6, "six revisions");
    is_int(index_int(dir, "SELECT count(*) FROM sqlite_schema WHERE name = 'certificates_v2'"), 0,
           "no table left over from the upgrade");
    st = store_open(dir, fake_rerender, NULL, err, sizeof(err));
    ok(st && total_of(st, "antonio filho") == 1 && total_of(st, "cecilia") == 1,
       "opened again: nothing to upgrade, still searchable (%s)", st ? "" : err);
    store_close(st);
out:
    buf_free(&lock);
}

/* --- names in every script --------------------------------------------- */

static const char *const script_names[][2] = {
    {"王小明", "Gestão Escolar"},
    {"山田 太郎", "Direito"},
    {"김민준", "Direito"},
    {"مُحَمَّد عبد الرحمن", "Direito"},
    {"أحمد فاطمة", "Direito"},
    {"Иван Ёлкин", "Direito"},
    {"Ἀλέξανδρος Παπαδόπουλος", "Direito"},
    {"אַבְרָהָם כהן", "Direito"},
    {"अर्जुन शर्मा", "Direito"},
    {"Ana Lima", "中文课程"},
    {"李雷", "雷达"},
};

static const struct {
    const char *q;
    int64_t want;
    const char *why;
} script_queries[] = {
    {"王小明", 1, "Chinese: the whole name"},
    {"王小", 1, "Chinese: the first two characters"},
    {"小明", 1, "Chinese: the last two characters"},
    {"王", 1, "Chinese: one character that begins the name"},
    {"小", 0, "Chinese: one character inside a word finds nothing"},
    {"明王", 0, "Chinese: two characters not in this order"},
    {"王明", 0, "Chinese: two characters not next to each other"},
    {"王小明 gestao", 1, "Chinese name and a Latin course word"},
    {"王小明 direito", 0, "Chinese name and another course"},
    {"山田太郎", 1, "Japanese: without the space"},
    {"田太", 1, "Japanese: two characters across the space"},
    {"太郎", 1, "Japanese: the given name"},
    {"郎山", 0, "Japanese: a pair that is not there"},
    {"민준", 1, "Korean: the given name"},
    {"김민준", 1, "Korean: the whole name"},
    {"준김", 0, "Korean: a pair that is not there"},
    {"中文", 1, "a Chinese course name"},
    {"文课", 1, "inside a Chinese course name"},
    {"李雷达", 0, "no pair across the name and the course"},
    {"雷达", 1, "the course of that one"},
    {"محمد", 1, "Arabic without diacritics finds the name written with them"},
    {"مُحَمَّد", 1, "Arabic with diacritics"},
    {"مـحـمـد", 1, "Arabic with tatweel"},
    {"الرحمن", 1, "Arabic: the last word"},
    {"احمد", 1, "Arabic: bare alef finds hamza on alef"},
    {"إحمد", 1, "Arabic: hamza below finds hamza above"},
    {"فاطمه", 1, "Arabic: heh finds ta marbuta"},
    {"فاطم", 1, "Arabic: a prefix"},
    {"حمد", 0, "Arabic: not a prefix of a word"},
    {"ИВАН", 1, "Cyrillic: capitals"},
    {"иван", 1, "Cyrillic: lowercase"},
    {"елкин", 1, "Cyrillic: ye finds yo"},
    {"Ёлк", 1, "Cyrillic: a prefix with yo"},
    {"ивана", 0, "Cyrillic: longer than the word"},
    {"αλεξανδρος", 1, "Greek without accents"},
    {"ΑΛΈΞ", 1, "Greek: capitals with an accent, a prefix"},
    {"παπαδοπουλος", 1, "Greek: the family name"},
    {"אברהם", 1, "Hebrew without points finds it with them"},
    {"אַבְרָהָם", 1, "Hebrew with points"},
    {"अर्जुन", 1, "Devanagari: the word"},
    {"अर्जु", 1, "Devanagari: a prefix"},
    {"र्जुन", 0, "Devanagari: not a prefix"},
    {"शर्मा", 1, "Devanagari: the family name"},
};

static void check_script_queries(struct store *st, const char *when)
{
    for (size_t i = 0; i < sizeof(script_queries) / sizeof(script_queries[0]); i++)
        is_int(total_of(st, script_queries[i].q), script_queries[i].want, "%s: %s '%s'", when,
               script_queries[i].why, script_queries[i].q);
}

/* Take dir's index back to schema 3: no walls, no search text, the full-text table of
 * version 3 (word characters L* N* Co, no grams column), empty. */
static int downgrade_to_v3(const char *dir)
{
    return index_exec(dir, UNDO_TO_V3_SQL
                      "CREATE VIRTUAL TABLE certificates_fts USING fts5 (user_name, user_email,"
                      " user_cpf, course_name, tags, content = '',"
                      " tokenize = 'unicode61 remove_diacritics 2');"
                      "PRAGMA user_version = 3;");
}

static void test_scripts(const char *dir)
{
    size_t n = sizeof(script_names) / sizeof(script_names[0]);
    char err[512] = "";
    struct store *st = store_open(dir, fake_rerender, NULL, err, sizeof(err));
    int fails = 0;

    if (!ok(st != NULL, "open a store for names in many scripts (%s)", err))
        return;
    for (size_t i = 0; i < n; i++) {
        struct ev e;
        ev_init(&e, 7, (int64_t)i + 1, 1, script_names[i][0], "x@example.com", NULL,
                script_names[i][1], "2024-05-01 10:00:00", "participation");
        fails += put(st, &e, NULL) < 0;
    }
    is_int(fails, 0, "%zu names archived", n);
    check_script_queries(st, "new index");
    is_int(total_of(st, "ana lima"), 1, "Latin words as before");
    store_close(st);
    if (test_on_pg()) /* the rest upgrades an SQLite index */
        return;

    if (!ok(downgrade_to_v3(dir) == 0, "the index taken back to schema 3"))
        return;
    st = store_open(dir, fake_rerender, NULL, err, sizeof(err));
    if (!ok(st != NULL, "an index of schema 3 opens (%s)", err))
        return;
    check_script_queries(st, "upgraded index");
    is_int(total_of(st, "ana lima"), 1, "upgraded index: Latin words as before");
    store_close(st);
    is_int(index_int(dir, "PRAGMA user_version"), 7, "the index is now version 7");
    is_int(index_int(dir, "SELECT count(*) FROM certificates WHERE search_grams IS NOT NULL"), 5,
           "the CJK names and courses have their bigrams");
}

int main(void)
{
    char *dir = make_tmpdir();
    struct buf sub = BUF_INIT;
    char *where;

    buf_addf(&sub, "%s/staff", dir);
    where = test_location(sub.data);
    test_staff(where);
    free(where);
    buf_reset(&sub);
    if (!test_on_pg()) { /* upgrades of the SQLite index */
        buf_addf(&sub, "%s/v1", dir);
        test_migration(sub.data);
        buf_reset(&sub);
    }
    buf_addf(&sub, "%s/scripts", dir);
    where = test_location(sub.data);
    test_scripts(where);
    free(where);

    rm_rf(dir);
    free(dir);
    buf_free(&sub);
    return tap_done();
}
