/* Unit tests for the event module: the samples, the raw text (\u0000,
 * duplicate keys, invalid UTF-8, number texts), ids, the envelope, every
 * error at once and the limits. Field rules are in test_event_fields.c. */
#include "event_tests.h"

static void test_samples(void)
{
    struct event ev;
    struct event_diags d;
    char *s;

    s = read_sample("participation-accented.json");
    if (ok(s != NULL, "sample participation-accented.json readable")) {
        is_int(parse(s, &ev, &d), EVENT_OK, "participation-accented: valid");
        is_str(ev.user_name, "Letícia Conceição Araújo", "participation-accented: user name");
        is_str(ev.course_name, "Educação Ambiental e Cidadania no Território", "course name");
        is_str(ev.school_name, "Colégio Municipal José de Alencar", "school name");
        is_int(ev.type, CERT_PARTICIPATION, "type participation");
        is_int(ev.workload_minutes, 32 * 60, "workload 32h");
        is_str(ev.workload_raw, "32h", "workload raw");
        is_str(ev.user_cpf, "39053344705", "cpf digits");
        is_str(ev.user_cpf_raw, "390.533.447-05", "cpf raw");
        is_int(d.n_warnings, 0, "no warnings");
        is_int(ev.n_managers, 2, "two managers");
        if (ev.n_managers == 2) {
            is_str(ev.managers[1].name, "Tomás Ângelo Vieira Júnior", "manager name");
            is_int(ev.managers[1].id, 302, "manager id");
        }
        is_int(ev.institution_id, 41270033, "institution id");
        is_int(ev.user_id, 30417, "user id");
        is_int(ev.course_id, 7702, "course id");
        is_int(ev.school_id, 12, "school id");
        is_str(ev.slug, EVENT_SLUG_ISSUED, "slug");
        is_str(ev.name, "Atividades - Certificado emitido", "event name");
        is_int(ev.send_at.sec, 2, "send_at");
        ok(ev.has_enrolled_at && ev.enrolled_at.mon == 3 && ev.enrolled_at.day == 4,
           "enrolled_at 2024-03-04");
        ok(ev.concluded_at.day == 17 && ev.concluded_at.hour == 16, "concluded_at");
        ok(ev.certified_at.day == 20 && ev.certified_at.hour == 9, "certified_at");
        ok(ev.has_approval_rate && ev.approval_rate == 60, "approval rate 60");
        is_str(ev.user_email, "leticia.araujo@example.org", "email kept");
        is_str(ev.user_nickname, "Lelê", "nickname kept");
        ok(ev.user_uuid == NULL, "null uuid");
        event_free(&ev);
        event_diags_free(&d);
    }
    free(s);

    s = read_sample("achievement-long-names.json");
    if (ok(s != NULL, "sample achievement-long-names.json readable")) {
        is_int(parse(s, &ev, &d), EVENT_OK, "achievement-long-names: valid");
        is_int(ev.type, CERT_ACHIEVEMENT, "type achievement");
        is_int(ev.n_managers, 4, "four managers");
        is_int(ev.workload_minutes, 240 * 60, "workload 240h");
        ok(ev.course_name && strlen(ev.course_name) > 100, "long course name kept whole");
        ok(ev.has_approval_rate && ev.approval_rate == 85, "approval rate 85");
        is_str(ev.user_uuid, "5f0c9a62-8d1e-4b7a-9c33-2e6f41d8a0b7", "uuid kept");
        event_free(&ev);
        event_diags_free(&d);
    }
    free(s);

    s = read_sample("seed-example.json");
    if (ok(s != NULL, "sample seed-example.json readable")) {
        is_int(parse(s, &ev, &d), EVENT_OK, "seed-example: valid");
        is_int(ev.type, CERT_ACHIEVEMENT, "'Achievement' is achievement");
        is_int(ev.workload_minutes, 0, "workload 0h");
        ok(ev.user_cpf == NULL, "placeholder cpf unusable");
        is_str(ev.user_cpf_raw, "XXX.XXX.XXX-XX", "placeholder cpf kept raw");
        if (is_int(d.n_warnings, 1, "one warning")) {
            is_str(d.warnings[0].path, "data.user.cpf", "warning path");
            is_str(d.warnings[0].message, "not a CPF number, ignored", "warning message");
        }
        is_str(ev.canonical,
               "{\"certified\":{\"approval_rate\":25,\"certified_at\":\"2023-08-28 20:47:31\","
               "\"type\":\"Achievement\"},\"course\":{\"concluded_at\":\"2023-08-28 20:47:20\","
               "\"enrolled_at\":\"2023-08-28 20:46:18\",\"id\":87654321,\"name\":\"Course "
               "Name\",\"workload\":\"0h\"},\"institution\":{\"id\":98765432},\"school\":{"
               "\"id\":1,\"managers\":[{\"manager_id\":98712326,\"manager_name\":\"Manager "
               "Name\"}],\"name\":\"Unit 1\"},\"user\":{\"cpf\":\"XXX.XXX.XXX-XX\",\"email\":"
               "\"user@example.com\",\"id\":12345678,\"name\":\"User Name\",\"nickname\":null,"
               "\"uuid\":null}}",
               "seed-example: canonical form");
        event_free(&ev);
        event_diags_free(&d);
    }
    free(s);

    s = read_sample("invalid-date-format.json");
    if (ok(s != NULL, "sample invalid-date-format.json readable"))
        expect_error(s, "data.course.concluded_at",
                     "not a date-time 'yyyy-MM-dd HH:mm:ss': '06/11/2024'", "invalid-date-format");
    free(s);

    s = read_sample("invalid-missing-user-name.json");
    if (ok(s != NULL, "sample invalid-missing-user-name.json readable"))
        expect_error(s, "data.user.name", "required, missing", "invalid-missing-user-name");
    free(s);

    s = read_sample("other-event.json");
    if (ok(s != NULL, "sample other-event.json readable")) {
        is_int(parse(s, &ev, &d), EVENT_IGNORED, "other-event: ignored");
        is_str(ev.slug, "activities.course.concluded", "other-event: slug reported");
        is_int(d.n_errors, 0, "other-event: no errors");
        ok(ev.canonical == NULL && ev.user_name == NULL, "other-event: nothing else filled");
        event_free(&ev);
        event_diags_free(&d);
    }
    free(s);
}

static void expect_bad_json(const char *body, size_t len, const char *msg, const char *what)
{
    struct event ev;
    struct event_diags d;

    is_int(event_parse(body, len, &ev, &d), EVENT_BAD_JSON, "%s: bad JSON", what);
    if (is_int(d.n_errors, 1, "%s: one diag", what)) {
        is_str(d.errors[0].path, "", "%s: empty path", what);
        is_str(d.errors[0].message, msg, "%s: message", what);
    }
    ok(ev.slug == NULL, "%s: nothing filled", what);
    event_free(&ev);
    event_diags_free(&d);
}

#define BAD_JSON(lit, msg, what) expect_bad_json(lit, sizeof(lit) - 1, msg, what)

static void test_raw_text(void)
{
    struct event ev;
    struct event_diags d;
    char *doc;

    BAD_JSON("{\"a\":\"\xC3\x28\"}", "body is not valid UTF-8 at byte 6", "bad UTF-8");
    BAD_JSON("{\"a\":\"\xC0\xAF\"}", "body is not valid UTF-8 at byte 6", "overlong UTF-8");
    BAD_JSON("{\"a\":\"\xED\xA0\x80\"}", "body is not valid UTF-8 at byte 6",
             "UTF-8 encoded surrogate");
    BAD_JSON("{\"a\":\"x\"}\xFF", "body is not valid UTF-8 at byte 9", "0xFF byte");
    BAD_JSON("{\"a\":\"b\0c\"}", "body contains a NUL byte at byte 7", "NUL byte");
    BAD_JSON("{\"event\": }", "not valid JSON near byte 10", "not JSON");
    BAD_JSON("{\"a\":1} x", "not valid JSON near byte 8", "trailing garbage");
    expect_bad_json("", 0, "body is empty", "empty body");
    BAD_JSON(" \n\t", "body is empty", "white space only");
    expect_bad_json(NULL, 0, "body is empty", "NULL body");
    BAD_JSON("{\"a\":\"\\uD800\"}", "not valid JSON near byte 6", "lone high surrogate escape");
    BAD_JSON("{\"a\":\"\\uDC00\"}", "not valid JSON near byte 6", "lone low surrogate escape");
    BAD_JSON("{\"a\":\"\\u00zz\"}", "not valid JSON near byte 6", "escape with bad hex digits");
    BAD_JSON("{\"a\":\"\\uD800\\u0000\"}", "not valid JSON near byte 6",
             "surrogate followed by \\u0000");

    is_int(parse("[1,2]", &ev, &d), EVENT_INVALID, "top-level array: invalid");
    if (is_int(d.n_errors, 1, "top-level array: one error")) {
        is_str(d.errors[0].path, "", "top-level array: path");
        is_str(d.errors[0].message, "must be a JSON object", "top-level array: message");
    }
    event_free(&ev);
    event_diags_free(&d);
    expect_error("\"x\"", "", "must be a JSON object", "top-level string");

    doc = xmalloc(strlen(BASE) + 4);
    memcpy(doc, "\xEF\xBB\xBF", 3);
    memcpy(doc + 3, BASE, strlen(BASE) + 1);
    expect_ok(doc, "UTF-8 byte order mark");
    free(doc);

    doc = with(BASE, "data.user.name", "\"Ana\"");
    {
        struct buf b = BUF_INIT;
        buf_adds(&b, "\n  ");
        buf_adds(&b, doc);
        buf_adds(&b, "\r\n\t ");
        expect_ok(b.data, "surrounding white space");
        buf_free(&b);
    }
    free(doc);
}

/* BASE with raw JSON text spliced in for user.name (to write escapes cJSON would lose). */
static char *with_raw_name(const char *raw)
{
    const char *at = strstr(BASE, "\"User Name\"");
    struct buf b = BUF_INIT;

    buf_add(&b, BASE, (size_t)(at - BASE));
    buf_adds(&b, raw);
    buf_adds(&b, at + strlen("\"User Name\""));
    return buf_detach(&b, NULL);
}

static void test_nul_escapes(void)
{
    struct event ev;
    struct event_diags d;
    char *doc;

    doc = with_raw_name("\"Ana\\u0000Maria\"");
    expect_error(doc, "data.user.name", "contains a control character (U+0000)",
                 "\\u0000 inside user.name");
    free(doc);

    doc = with_raw_name("\"\\u0000\"");
    expect_error(doc, "data.user.name", "contains a control character (U+0000)",
                 "user.name is only \\u0000");
    free(doc);

    doc = with_raw_name("\"Ana\\\\\\u0000\"");
    expect_error(doc, "data.user.name", "contains a control character (U+0000)",
                 "\\u0000 after an escaped backslash");
    free(doc);

    doc = with_raw_name("\"Ana\\\\u0000\"");
    is_int(parse(doc, &ev, &d), EVENT_OK, "escaped backslash then 'u0000': valid");
    is_str(ev.user_name, "Ana\\u0000", "escaped backslash then 'u0000': literal text kept");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = with_raw_name("\"Ana\\u0001\"");
    expect_error(doc, "data.user.name", "contains a control character (U+0001)",
                 "\\u0001 inside user.name");
    free(doc);

    doc = with_raw_name("\"Ana\", \"extra\": \"a\\u0000b\"");
    expect_error(doc, "data.user.extra", "contains a control character (U+0000)",
                 "\\u0000 in an unknown field");
    free(doc);

    doc = with_raw_name("\"Ana\", \"ex\\u0000tra\": 1");
    expect_error(doc, "data.user[\"ex\\u0000tra\"]", "key contains a control character (U+0000)",
                 "\\u0000 in a key");
    free(doc);

    doc = with_raw_name("\"Ana\", \"email\": \"a@b.c\\u0000evil\"");
    is_int(parse(doc, &ev, &d), EVENT_INVALID, "\\u0000 in a duplicated email: invalid");
    is_int(d.n_errors, 2, "\\u0000 in a duplicated email: two errors");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = with(BASE, "event.slug", "\"other.slug\"");
    {
        char *p = strstr(doc, "other.slug");
        struct buf b = BUF_INIT;
        buf_add(&b, doc, (size_t)(p - doc) + 5);
        buf_adds(&b, "\\u0000");
        buf_adds(&b, p + 5);
        is_int(parse(b.data, &ev, &d), EVENT_IGNORED, "\\u0000 in another slug: ignored");
        is_str(ev.slug, "other\\u0000.slug", "\\u0000 in a slug shown as text");
        event_free(&ev);
        event_diags_free(&d);
        buf_free(&b);
    }
    free(doc);
}

static void test_duplicates(void)
{
    struct event ev;
    struct event_diags d;
    char *doc;

    doc = with_raw_name("\"Ana\", \"name\": \"Bia\"");
    expect_error(doc, "data.user.name", "duplicate key", "duplicate user.name");
    free(doc);

    doc = with_raw_name("\"Ana\", \"x\": {\"a\": 1, \"b\": 2, \"a\": 3}");
    expect_error(doc, "data.user.x.a", "duplicate key", "duplicate key in an unknown object");
    free(doc);

    doc = with_raw_name("\"Ana\", \"name\": \"Bia\", \"name\": \"Cy\"");
    is_int(parse(doc, &ev, &d), EVENT_INVALID, "key three times: invalid");
    is_int(d.n_errors, 2, "key three times: two errors");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = xstrdup(BASE);
    {
        char *p = strstr(doc, "{\"manager_id\":5");
        struct buf b = BUF_INIT;
        buf_add(&b, doc, (size_t)(p - doc) + 1);
        buf_adds(&b, "\"manager_id\":6,");
        buf_adds(&b, p + 1);
        expect_error(b.data, "data.school.managers[1].manager_id", "duplicate key",
                     "duplicate key in managers[1]");
        buf_free(&b);
    }
    free(doc);

    {
        struct buf b = BUF_INIT;
        buf_adds(&b, BASE);
        b.len--;
        buf_adds(&b, ",\"data\":{}}");
        expect_error(b.data, "data", "duplicate key", "duplicate top-level data");
        buf_free(&b);
    }

    doc = with_raw_name("\"Ana\", \"x.y\": 1, \"x.y\": 2");
    expect_error(doc, "data.user[\"x.y\"]", "duplicate key", "odd key quoted in the path");
    free(doc);

    /* \"a\"-like keys are decoded before comparing */
    doc = with_raw_name("\"Ana\", \"k\": 1, \"\\u006b\": 2");
    expect_error(doc, "data.user.k", "duplicate key", "duplicate key spelled with an escape");
    free(doc);

    doc = with_raw_name("\"Ana\", \"k\": 1, \"K\": 2");
    expect_ok(doc, "keys differing in case are not duplicates");
    free(doc);
}

/* The user id written as text (raw, as cJSON would not print it). */
static void expect_id_text(const char *text, const char *msg, long long want)
{
    struct buf b = BUF_INIT;
    struct event ev;
    struct event_diags d;
    char *doc, what[160];

    buf_addf(&b, "\"id\":%s", text);
    doc = splice(BASE, "\"id\":12345678", b.data);
    snprintf(what, sizeof(what), "id written %s", text);
    if (msg) {
        expect_error(doc, "data.user.id", msg, what);
    } else {
        is_int(parse(doc, &ev, &d), EVENT_OK, "%s: valid", what);
        is_int(ev.user_id, want, "%s: is %lld", what, want);
        event_free(&ev);
        event_diags_free(&d);
    }
    free(doc);
    buf_free(&b);
}

/* Ids are judged by the exact value of their JSON text, not by the double it rounds to. */
static void test_id_texts(void)
{
    char *doc;

    /* not JSON numbers at all (cJSON reads them): refused wherever they are */
    expect_id_text("00312", "not a valid JSON number: '00312'", 0);
    expect_id_text("0312", "not a valid JSON number: '0312'", 0);
    expect_id_text("-012", "not a valid JSON number: '-012'", 0);
    expect_id_text("00", "not a valid JSON number: '00'", 0);
    expect_id_text("1.", "not a valid JSON number: '1.'", 0);
    expect_id_text("-.5", "not a valid JSON number: '-.5'", 0);
    expect_id_text("1.e3", "not a valid JSON number: '1.e3'", 0);
    expect_id_text("-0012", "not a valid JSON number: '-0012'", 0);
    doc = splice(BASE, "\"approval_rate\":25", "\"approval_rate\":025");
    expect_error(doc, "data.certified.approval_rate", "not a valid JSON number: '025'",
                 "approval_rate 025");
    free(doc);
    doc = splice(BASE, "\"approval_rate\":25", "\"approval_rate\":25,\"x\":[1,007]");
    expect_error(doc, "data.certified.x[1]", "not a valid JSON number: '007'",
                 "an unknown field's 007");
    free(doc);
    /* fractions that a double rounds to a whole number */
    expect_id_text("3105.000000000000001", "must be an integer", 0);
    expect_id_text("3105.0000000000000000000000000000000000000001", "must be an integer", 0);
    expect_id_text("9007199254740991.5", "must be an integer", 0);
    expect_id_text("31051e-1", "must be an integer", 0);
    expect_id_text("1e-400", "must be an integer", 0);
    expect_id_text("-3105.000000000000001", "must be an integer", 0);
    /* whole numbers however written: exponents, zero fractions */
    expect_id_text("3105.000000000000000", NULL, 3105);
    expect_id_text("31050e-1", NULL, 3105);
    expect_id_text("3.105E3", NULL, 3105);
    expect_id_text("3.105e+3", NULL, 3105);
    expect_id_text("0.3105e4", NULL, 3105);
    expect_id_text("1e3", NULL, 1000);
    expect_id_text("9.007199254740991e15", NULL, 9007199254740991LL);
    expect_id_text("9.007199254740992e15", "must be at most 9007199254740991", 0);
    expect_id_text("90071992547409910e-1", NULL, 9007199254740991LL);
    expect_id_text("1e16", "must be at most 9007199254740991", 0);
    expect_id_text("1e999999999999999999999", "must be at most 9007199254740991", 0);
    expect_id_text("0.0", "must be greater than 0", 0);
    expect_id_text("0e7", "must be greater than 0", 0);
    expect_id_text("-0.0e-3", "must be greater than 0", 0);
    expect_id_text("-3105", "must be greater than 0", 0);
    /* numbers inside strings and keys are not numbers */
    doc = splice(BASE, "\"name\":\"User Name\"", "\"name\":\"User 007 \\\"1.\\\"\",\"012\":\"-0\"");
    expect_ok(doc, "digits in strings and keys");
    free(doc);
}

static void test_ids(void)
{
    struct event ev;
    struct event_diags d;
    char *doc;

    doc = splice(BASE, "\"id\":12345678", "\"id\":9007199254740991");
    is_int(parse(doc, &ev, &d), EVENT_OK, "id 2^53-1 valid");
    is_int(ev.user_id, 9007199254740991LL, "id 2^53-1 exact");
    ok(ev.canonical && strstr(ev.canonical, "\"id\":9007199254740991,"),
       "id 2^53-1 exact in the canonical form");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
    doc = splice(BASE, "\"id\":12345678", "\"id\":9007199254740990");
    is_int(parse(doc, &ev, &d), EVENT_OK, "id 2^53-2 valid");
    is_int(ev.user_id, 9007199254740990LL, "id 2^53-2 exact");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
    doc = splice(BASE, "\"id\":12345678", "\"id\":9007199254740992");
    expect_error(doc, "data.user.id", "must be at most 9007199254740991", "id 2^53");
    free(doc);
    doc = splice(BASE, "\"id\":12345678", "\"id\":1e400");
    expect_error(doc, "data.user.id", "must be at most 9007199254740991", "id 1e400");
    free(doc);
    doc = splice(BASE, "\"id\":12345678", "\"id\":-1e400");
    expect_error(doc, "data.user.id", "must be greater than 0", "id -1e400");
    free(doc);
    doc = splice(BASE, "\"id\":12345678", "\"id\":9007199254740993");
    expect_error(doc, "data.user.id", "must be at most 9007199254740991", "id 2^53+1 as text");
    free(doc);
    expect_field_error("data.user.id", "0", "must be greater than 0");
    expect_field_error("data.user.id", "-5", "must be greater than 0");
    expect_field_error("data.user.id", "1.5", "must be an integer");
    expect_field_error("data.user.id", "\"12\"", "must be an integer");
    expect_field_error("data.user.id", "null", "must be an integer");
    expect_field_error("data.user.id", "true", "must be an integer");
    expect_field_error("data.user.id", NULL, "required, missing");
    expect_field_error("data.institution.id", "0", "must be greater than 0");
    expect_field_error("data.course.id", "{}", "must be an integer");
    expect_field_error("data.school.id", NULL, "required, missing");
    expect_field_error("data.school.managers.1.manager_id", "2.5", "must be an integer");
    expect_field_error("data.school.managers.0.manager_id", NULL, "required, missing");
    if (field_ok("data.course.id", "1", &ev)) {
        is_int(ev.course_id, 1, "id 1");
        event_free(&ev);
    }
    doc = splice(BASE, "\"id\":12345678", "\"id\":1e2");
    is_int(parse(doc, &ev, &d), EVENT_OK, "id written 1e2 valid");
    is_int(ev.user_id, 100, "id written 1e2 is 100");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
    doc = splice(BASE, "\"id\":12345678", "\"id\":7.0");
    is_int(parse(doc, &ev, &d), EVENT_OK, "id written 7.0 valid");
    is_int(ev.user_id, 7, "id written 7.0 is 7");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
    doc = splice(BASE, "\"id\":12345678", "\"id\":-0");
    expect_error(doc, "data.user.id", "must be greater than 0", "id -0");
    free(doc);
    test_id_texts();
}

static void test_envelope(void)
{
    struct event ev;
    struct event_diags d;
    char *doc;

    expect_field_error("event", NULL, "required, missing");
    expect_field_error("event", "\"x\"", "must be an object");
    expect_field_error("event.slug", NULL, "required, missing");
    expect_field_error("event.slug", "7", "must be a string");
    expect_field_error("event.slug", "\"\"", "must not be empty");
    expect_field_error("data", NULL, "required, missing");
    expect_field_error("data", "[]", "must be an object");
    expect_field_error("data.user", NULL, "required, missing");
    expect_field_error("data.institution", "1", "must be an object");

    doc = with(BASE, "event.slug", "\"activities.course.concluded\"");
    doc = edit(doc, "data", "\"whatever\"");
    doc = edit(doc, "event.send_at", "42");
    is_int(parse(doc, &ev, &d), EVENT_IGNORED, "another slug: ignored, data unchecked");
    ok(d.n_errors == 0, "another slug: no errors");
    is_str(ev.name, "Atividades - Certificado emitido", "another slug: name reported");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    is_int(parse("{\"event\":{\"slug\":\"x\"}}", &ev, &d), EVENT_IGNORED, "minimal other event");
    event_free(&ev);
    event_diags_free(&d);

    doc = with(BASE, "event.slug", "\"Activities.Certificate.Issued\"");
    is_int(parse(doc, &ev, &d), EVENT_IGNORED, "slug compared exactly");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = with(BASE, "event.name", "5");
    is_int(parse(doc, &ev, &d), EVENT_OK, "event.name of another type ignored");
    ok(ev.name == NULL, "event.name not a string: NULL");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = with(BASE, "data.user.name", NULL);
    is_int(parse(doc, &ev, &d), EVENT_INVALID, "invalid event");
    is_str(ev.slug, EVENT_SLUG_ISSUED, "invalid event: slug still reported");
    ok(ev.user_email == NULL && ev.canonical == NULL, "invalid event: nothing else kept");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
}

static void test_all_errors(void)
{
    struct event ev;
    struct event_diags d;
    char *doc;

    doc = with(BASE, "data.user.name", NULL);
    doc = edit(doc, "data.course.workload", "\"abc\"");
    doc = edit(doc, "data.school.managers.1.manager_id", "0");
    is_int(parse(doc, &ev, &d), EVENT_INVALID, "three problems: invalid");
    if (is_int(d.n_errors, 3, "three problems: three errors")) {
        is_str(d.errors[0].path, "data.user.name", "first error");
        is_str(d.errors[0].message, "required, missing", "first message");
        is_str(d.errors[1].path, "data.course.workload", "second error");
        is_str(d.errors[2].path, "data.school.managers[1].manager_id", "third error");
        is_str(d.errors[2].message, "must be greater than 0", "third message");
    }
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    /* document order, not schema order: the user object comes after the school */
    doc = with(BASE, "data.user.id", "-1");
    doc = edit(doc, "data.school.id", "-1");
    {
        cJSON *root = cJSON_Parse(doc);
        cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
        cJSON *user = cJSON_DetachItemFromObjectCaseSensitive(data, "user");
        char *text;
        cJSON_AddItemToObject(data, "user", user);
        text = cJSON_PrintUnformatted(root);
        free(doc);
        doc = xstrdup(text);
        cJSON_free(text);
        cJSON_Delete(root);
    }
    is_int(parse(doc, &ev, &d), EVENT_INVALID, "two problems reordered: invalid");
    if (is_int(d.n_errors, 2, "two problems reordered: two errors")) {
        is_str(d.errors[0].path, "data.school.id", "school (earlier in the text) first");
        is_str(d.errors[1].path, "data.user.id", "user second");
    }
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    /* a missing member sorts after its object's present members */
    doc = with(BASE, "data.user.email", NULL);
    doc = edit(doc, "data.user.nickname", "5");
    is_int(parse(doc, &ev, &d), EVENT_INVALID, "missing and wrong in one object");
    if (is_int(d.n_errors, 2, "missing and wrong: two errors")) {
        is_str(d.errors[0].path, "data.user.nickname", "present member first");
        is_str(d.errors[1].path, "data.user.email", "missing member after");
    }
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    /* a missing parent object gives one error, not one per field */
    doc = with(BASE, "data.school", NULL);
    expect_error(doc, "data.school", "required, missing", "missing school: one error");
    free(doc);
}

static void test_limits(void)
{
    struct event ev;
    struct event_diags d;
    struct buf b = BUF_INIT;
    char *doc;

    /* 150 duplicates: 100 errors kept, the rest summed up */
    buf_adds(&b, "\"Ana\"");
    for (int i = 0; i < 150; i++)
        buf_adds(&b, ", \"x\": 1");
    doc = with_raw_name(b.data);
    is_int(parse(doc, &ev, &d), EVENT_INVALID, "many duplicates: invalid");
    if (is_int(d.n_errors, 101, "many duplicates: 100 errors and a summary")) {
        is_str(d.errors[0].path, "data.user.x", "first duplicate");
        is_str(d.errors[100].path, "", "summary path");
        is_str(d.errors[100].message, "49 more errors not shown", "summary message");
    }
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    /* a long key is cut safely in the path */
    buf_reset(&b);
    buf_adds(&b, "\"Ana\", \"");
    for (int i = 0; i < 200; i++)
        buf_adds(&b, "é");
    buf_adds(&b, "\": 1, \"");
    for (int i = 0; i < 200; i++)
        buf_adds(&b, "é");
    buf_adds(&b, "\": 2");
    doc = with_raw_name(b.data);
    is_int(parse(doc, &ev, &d), EVENT_INVALID, "long duplicate key: invalid");
    if (is_int(d.n_errors, 1, "long duplicate key: one error")) {
        size_t len = strlen(d.errors[0].path);
        ok(len < sizeof(d.errors[0].path), "path fits");
        ok(len >= 3 && !strcmp(d.errors[0].path + len - 3, "..."), "cut path ends with ...");
        ok(!strncmp(d.errors[0].path, "data.user[\"éé", strlen("data.user[\"éé")),
           "cut path starts right");
        ok(utf8_valid(d.errors[0].path, len), "cut path is valid UTF-8");
    }
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
    buf_free(&b);

    /* deep nesting in an unknown field */
    buf_reset(&b);
    for (int i = 0; i < 500; i++)
        buf_addc(&b, '[');
    for (int i = 0; i < 500; i++)
        buf_addc(&b, ']');
    doc = with(BASE, "data.deep", b.data);
    ok(expect_ok(doc, "deeply nested unknown field"), "deep nesting handled");
    free(doc);
    buf_free(&b);
}

static void test_free_safety(void)
{
    struct event ev;
    struct event_diags d;

    memset(&ev, 0, sizeof(ev));
    memset(&d, 0, sizeof(d));
    event_free(&ev);
    event_diags_free(&d);
    event_free(NULL);
    event_diags_free(NULL);
    parse(BASE, &ev, &d);
    event_free(&ev);
    event_free(&ev);
    event_diags_free(&d);
    event_diags_free(&d);
    ok(ev.canonical == NULL && d.errors == NULL, "free twice is safe, structs zeroed");
    event_parse("{", 1, &ev, &d);
    event_free(&ev);
    event_diags_free(&d);
    ok(1, "free after a failure is safe");
}

/* Regressions for what tests/fuzz/fuzz_event found (its corpus holds the same inputs). */
static void test_fuzz_found(void)
{
    struct event ev;
    struct event_diags d;
    char *doc;

    /* A blank event.name became an unterminated string: buf_detach did not end an empty
     * buffer with a NUL. */
    doc = with(BASE, "event.name", "\"  \"");
    is_int(parse(doc, &ev, &d), EVENT_OK, "blank event.name: valid");
    is_str(ev.name, "", "blank event.name: empty string");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
    is_int(parse("{\"event\":{\"name\":\"\",\"slug\":\"x\"}}", &ev, &d), EVENT_IGNORED,
           "empty event.name, other slug: ignored");
    is_str(ev.name, "", "empty event.name, other slug: empty string");
    event_free(&ev);
    event_diags_free(&d);

    /* Two envelopes, or two slugs, one of them another event's: it was ignored, but a reader
     * that takes the last member sees a certificate. Now a duplicate whichever comes first. */
    expect_error("{\"event\":{\"slug\":\"activities.course.concluded\"},"
                 "\"event\":{\"slug\":\"activities.certificate.issued\"},\"data\":{}}",
                 "event", "duplicate key", "two envelopes, other slug first");
    expect_error("{\"event\":{\"slug\":\"x\"},\"event\":{\"user\":{\"name\":\"y\"}}}", "event",
                 "duplicate key", "two envelopes, as the fuzzer found it");
    expect_error("{\"event\":{\"slug\":\"x\",\"slug\":\"activities.certificate.issued\"}}",
                 "event.slug", "duplicate key", "two slugs, other slug first");
    doc = xstrdup("{\"event\":{\"slug\":\"activities.certificate.issued\"},"
                  "\"event\":{\"slug\":\"activities.course.concluded\"}}");
    is_int(parse(doc, &ev, &d), EVENT_INVALID, "two envelopes, certificate slug first: rejected");
    ok(d.n_errors == 1 && !strcmp(d.errors[0].path, "event") &&
           !strcmp(d.errors[0].message, "duplicate key"),
       "two envelopes, certificate slug first: the duplicate is the error (the rest is moot)");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
    /* found by fuzz_event in CI: the verdict must not depend on which envelope is invalid */
    expect_error("{\"event\":{},\"event\":{\"slug\":\"\"},\"data\":{}}", "event", "duplicate key",
                 "two envelopes, the first without a slug");
    expect_error("{\"event\":{\"slug\":\"\"},\"event\":{},\"data\":{}}", "event", "duplicate key",
                 "two envelopes, the first with an empty slug");
    doc = xstrdup("{\"event\":{\"slug\":\"x\"},\"data\":{\"a\":1,\"a\":2}}");
    is_int(parse(doc, &ev, &d), EVENT_IGNORED, "other slug: duplicates in data not checked");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
}

int main(void)
{
    test_samples();
    test_raw_text();
    test_nul_escapes();
    test_duplicates();
    test_ids();
    test_envelope();
    test_all_errors();
    test_limits();
    test_free_safety();
    test_fuzz_found();
    return tap_done();
}
