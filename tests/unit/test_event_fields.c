/* Unit tests for the event module's field rules (SPEC §2): names and their
 * visible characters, CPF, workload, dates, managers, the certified object,
 * unknown fields and the canonical form. */
#include "event_tests.h"

static void test_names(void)
{
    struct event ev;
    struct buf b = BUF_INIT;

    if (field_ok("data.user.name", "\"  Ana \\u00a0  Lu\\u00edza\\t\\n\"", &ev)) {
        is_str(ev.user_name, "Ana Luíza", "name trimmed, spaces collapsed");
        event_free(&ev);
    }
    if (field_ok("data.user.name", "\"\\u00a0Ana\\u00a0Luiza\\u00a0\"", &ev)) {
        is_str(ev.user_name, "Ana Luiza", "no-break spaces trimmed and made plain");
        event_free(&ev);
    }
    expect_field_error("data.user.name", "\"   \"", "required, empty");
    expect_field_error("data.user.name", "\"\"", "required, empty");
    expect_field_error("data.user.name", "\" \\u00a0 \"", "required, empty");
    expect_field_error("data.user.name", "42", "must be a string");
    expect_field_error("data.user.name", "null", "must be a string");
    expect_field_error("data.user.name", "\"Ana\\tLuiza\"",
                       "contains a control character (U+0009)");
    expect_field_error("data.user.name", "\"Ana\\nLuiza\"",
                       "contains a control character (U+000A)");
    expect_field_error("data.user.name", "\"Ana\\u007f\"", "contains a control character (U+007F)");
    expect_field_error("data.user.name", "\"Ana\\u0085x\"",
                       "contains a control character (U+0085)");
    expect_field_error("data.course.name", NULL, "required, missing");
    expect_field_error("data.course.name", "\"a\\u009fb\"",
                       "contains a control character (U+009F)");
    expect_field_error("data.school.name", NULL, "required, missing");
    expect_field_error("data.school.name", "[]", "must be a string");
    expect_field_error("data.school.managers.1.manager_name", "\"  \"", "required, empty");
    expect_field_error("data.school.managers.0.manager_name", NULL, "required, missing");

    buf_addc(&b, '"');
    for (int i = 0; i < 300; i++)
        buf_adds(&b, "\\u00e9");
    buf_addc(&b, '"');
    if (field_ok("data.course.name", b.data, &ev)) {
        is_int(strlen(ev.course_name), 600, "300 two-byte characters accepted");
        event_free(&ev);
    }
    buf_reset(&b);
    buf_addc(&b, '"');
    for (int i = 0; i < 312; i++)
        buf_addc(&b, 'a');
    buf_addc(&b, '"');
    expect_field_error("data.course.name", b.data, "longer than 300 characters (312)");
    buf_reset(&b);
    buf_adds(&b, "\"   ");
    for (int i = 0; i < 300; i++)
        buf_addc(&b, 'a');
    buf_adds(&b, "   \"");
    ok(field_ok("data.user.name", b.data, NULL), "300 characters after trimming accepted");
    buf_free(&b);

    expect_field_error("data.user.email", NULL, "required, missing");
    expect_field_error("data.user.email", "\" \"", "must not be empty");
    expect_field_error("data.user.email", "7", "must be a string");
    if (field_ok("data.user.email", "\" a@b.c \"", &ev)) {
        is_str(ev.user_email, "a@b.c", "email trimmed");
        event_free(&ev);
    }

    if (field_ok("data.user.nickname", "\" Aninha \"", &ev)) {
        is_str(ev.user_nickname, "Aninha", "nickname kept, trimmed");
        event_free(&ev);
    }
    if (field_ok("data.user.uuid", "\"0b6c\"", &ev)) {
        is_str(ev.user_uuid, "0b6c", "uuid kept");
        event_free(&ev);
    }
    ok(field_ok("data.user.uuid", NULL, NULL), "uuid absent accepted");
    expect_field_error("data.user.nickname", "1", "must be a string or null");
    expect_field_error("data.user.uuid", "{}", "must be a string or null");
}

/* The name at path, parsed from the JSON text json, must come out as want. */
static void expect_name(const char *path, const char *json, const char *want)
{
    struct event ev;
    const char *got;

    if (!field_ok(path, json, &ev))
        return;
    got = !strcmp(path, "data.user.name")     ? ev.user_name
          : !strcmp(path, "data.course.name") ? ev.course_name
          : !strcmp(path, "data.school.name") ? ev.school_name
                                              : ev.managers[0].name;
    is_str(got, want, "%s = %s: cleaned", path, json);
    event_free(&ev);
}

/* Names made only of what draws nothing are empty, whatever the characters; hidden
 * characters are removed from the names that remain. */
static void test_visible_names(void)
{
    static const char *const invisible[] = {
        /* the tester's: zero width space, RLO, BOM, soft hyphen, ideographic space, two em
         * spaces */
        "\"\\u200b\"",
        "\"\\u202e\"",
        "\"\\ufeff\"",
        "\"\\u00ad\"",
        "\"\\u3000\"",
        "\"\\u2003\\u2003\"",
        /* their neighbours: other format characters (Cf) */
        "\"\\u200e\"",
        "\"\\u200f\"",
        "\"\\u061c\"",
        "\"\\u2066\\u2069\"",
        "\"\\u202a\\u202c\"",
        "\"\\u2060\"",
        "\"\\u2061\\u2064\"",
        "\"\\u180e\"",
        "\"\\ufff9\\ufffb\"",
        "\"\\udb40\\udc01\\udb40\\udc41\"", /* tags: LANGUAGE TAG, TAG LATIN CAPITAL A */
        "\"\\ud834\\udd73\"",               /* MUSICAL SYMBOL BEGIN BEAM */
        /* joiners and variation selectors, kept in names but drawing nothing alone */
        "\"\\u200c\"",
        "\"\\u200d\"",
        "\"\\ufe0f\"",
        "\"\\udb40\\udd00\"",
        /* letters and marks that Unicode says are ignorable: fillers, grapheme joiner */
        "\"\\u3164\"",
        "\"\\u115f\\u1160\"",
        "\"\\uffa0\"",
        "\"\\u034f\"",
        /* other spaces and separators (Zs, Zl, Zp) */
        "\"\\u1680\"",
        "\"\\u2000\\u200a\"",
        "\"\\u202f\"",
        "\"\\u205f\"",
        "\"\\u2028\"",
        "\"\\u2029\"",
        "\"\\u0085\"",
        /* private use and unassigned: nothing Unicode says is drawn */
        "\"\\ue000\"",
        "\"\\u0378\"",
        /* all of them together, with ordinary spaces */
        "\" \\u200b \\u202e\\ufeff\\u00ad \\u3000\\u2003\\u2003 \\u200d\\u3164 \"",
    };
    static const char *const paths[] = {"data.user.name", "data.course.name", "data.school.name",
                                        "data.school.managers.0.manager_name"};
    struct event a, b;
    struct event_diags d;
    char *doc;

    for (size_t i = 0; i < sizeof(invisible) / sizeof(invisible[0]); i++)
        expect_field_error("data.user.name", invisible[i], "required, empty");
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        expect_field_error(paths[i], "\"\\u200b\\u202e\"", "required, empty");
        expect_name(paths[i], "\"\\u202eAna\\u202c Silva\"", "Ana Silva");
    }

    /* hidden characters inside a visible name are removed, the rest is kept */
    expect_name("data.user.name", "\"Jos\\u00ad\\u00e9\"", "José");
    expect_name("data.user.name", "\"\\u200bAna\\u200b \\u2066Silva\\u2069\\ufeff\"", "Ana Silva");
    expect_name("data.user.name", "\"Ana \\u200b Silva\"", "Ana Silva");
    expect_name("data.user.name", "\"\\u202dAna\\u202e \\u200e\\u200f\\u061cSilva\"", "Ana Silva");
    expect_name("data.user.name", "\"A\\udb40\\udc41\\udb40\\udc42na\"", "Ana");
    expect_name("data.user.name", "\"A\\u034fna\\u3164\"", "Ana");
    /* ... but not what changes how letters join, nor a chosen glyph form */
    expect_name("data.user.name", "\"\\u0645\\u06cc\\u200c\\u062e\\u0648\"",
                "\u0645\u06cc\u200c\u062e\u0648");
    expect_name("data.user.name", "\"\\u845b\\udb40\\udd00 Ana\"", "\u845b\U000E0100 Ana");
    expect_name("data.user.name", "\"Ana \\ud83d\\udc69\\u200d\\ud83d\\udcbb\"",
                "Ana \U0001F469\u200D\U0001F4BB");
    /* other spaces are trimmed at the ends and kept inside */
    expect_name("data.user.name", "\"\\u3000\\u5c71\\u7530\\u3000\\u592a\\u90ce\\u2003\"",
                "\u5c71\u7530\u3000\u592a\u90ce");
    expect_field_error("data.user.name", "\"Ana\\u2028Silva\"", "contains a line break (U+2028)");
    expect_field_error("data.school.name", "\"Ana\\u2029Silva\"", "contains a line break (U+2029)");
    /* a name of marks only draws them: accepted, like any mark */
    expect_name("data.user.name", "\"\\u0301\\u0301\"", "\u0301\u0301");
    /* one visible character is enough, whatever its category */
    expect_name("data.user.name", "\"\\u200b.\\u200b\"", ".");
    expect_name("data.user.name", "\"\\u2605\"", "\u2605");
    expect_name("data.user.name", "\"7\"", "7");
    /* the limit counts what remains */
    {
        struct buf b300 = BUF_INIT;
        buf_addc(&b300, '"');
        for (int i = 0; i < 300; i++)
            buf_adds(&b300, "a\\u200b");
        buf_addc(&b300, '"');
        ok(field_ok("data.user.name", b300.data, NULL), "300 characters and 300 hidden ones");
        buf_free(&b300);
    }

    /* the canonical form holds the name as cleaned: the same certificate */
    is_int(parse(BASE, &a, &d), EVENT_OK, "base event valid");
    event_diags_free(&d);
    doc = with(BASE, "data.user.name", "\"User\\u202e  Name\\u200b \"");
    is_int(parse(doc, &b, &d), EVENT_OK, "name with hidden characters valid");
    event_diags_free(&d);
    is_str(b.canonical, a.canonical, "canonical form unchanged by hidden characters and spaces");
    event_free(&b);
    free(doc);
    doc = with(BASE, "data.school.managers.1.manager_name", "\"\\u2066Second Manager\\u2069\"");
    is_int(parse(doc, &b, &d), EVENT_OK, "manager name with isolates valid");
    event_diags_free(&d);
    is_str(b.canonical, a.canonical, "canonical form unchanged by isolates in a manager name");
    event_free(&b);
    free(doc);
    doc = with(BASE, "data.user.nickname", "\"\\u202eAninha\"");
    is_int(parse(doc, &b, &d), EVENT_OK, "nickname with RLO valid");
    event_diags_free(&d);
    ok(b.canonical && strstr(b.canonical, "\"nickname\":\"\u202eAninha\""),
       "fields other than names are archived as sent");
    event_free(&b);
    free(doc);
    event_free(&a);
}

static void test_cpf(void)
{
    struct event ev;
    struct event_diags d;
    char *doc;

    ok(event_cpf_valid("52998224725"), "cpf 529.982.247-25 valid");
    ok(event_cpf_valid("12345678909"), "cpf 123.456.789-09 valid");
    ok(!event_cpf_valid("52998224724"), "wrong second check digit");
    ok(!event_cpf_valid("52998224735"), "wrong first check digit");
    ok(!event_cpf_valid("11111111111"), "all-same digits invalid");
    ok(!event_cpf_valid("00000000000"), "all zeros invalid");
    ok(!event_cpf_valid("5299822472"), "ten digits invalid");
    ok(!event_cpf_valid("529982247250"), "twelve digits invalid");
    ok(!event_cpf_valid("5299822472a"), "non-digit invalid");

    if (field_ok("data.user.cpf", "\"529.982.247-25\"", &ev)) {
        is_str(ev.user_cpf, "52998224725", "formatted cpf reduced to digits");
        is_str(ev.user_cpf_raw, "529.982.247-25", "raw cpf kept");
        event_free(&ev);
    }

    doc = with(BASE, "data.user.cpf", "\"529.982.247-24\"");
    is_int(parse(doc, &ev, &d), EVENT_OK, "wrong check digits: still valid");
    is_str(ev.user_cpf, "52998224724", "wrong check digits: digits kept");
    if (is_int(d.n_warnings, 1, "wrong check digits: one warning")) {
        is_str(d.warnings[0].path, "data.user.cpf", "warning path");
        is_str(d.warnings[0].message, "check digits do not match", "warning message");
    }
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = with(BASE, "data.user.cpf", "\"111.111.111-11\"");
    is_int(parse(doc, &ev, &d), EVENT_OK, "all-same cpf: valid event");
    is_int(d.n_warnings, 1, "all-same cpf: warning");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = with(BASE, "data.user.cpf", "\"123\"");
    is_int(parse(doc, &ev, &d), EVENT_OK, "short cpf: valid event");
    ok(ev.user_cpf == NULL, "short cpf: unusable");
    if (is_int(d.n_warnings, 1, "short cpf: warning"))
        is_str(d.warnings[0].message, "not a CPF number, ignored", "short cpf: message");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = with(BASE, "data.user.cpf", "null");
    is_int(parse(doc, &ev, &d), EVENT_OK, "null cpf: valid");
    ok(ev.user_cpf == NULL && ev.user_cpf_raw == NULL && d.n_warnings == 0,
       "null cpf: nothing kept, no warning");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = with(BASE, "data.user.cpf", NULL);
    is_int(parse(doc, &ev, &d), EVENT_OK, "absent cpf: valid");
    ok(ev.user_cpf == NULL && d.n_warnings == 0, "absent cpf: no warning");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    doc = with(BASE, "data.user.cpf", "\"\"");
    is_int(parse(doc, &ev, &d), EVENT_OK, "empty cpf: valid");
    ok(ev.user_cpf == NULL && d.n_warnings == 0, "empty cpf: no warning");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);

    expect_field_error("data.user.cpf", "52998224725", "must be a string or null");
}

static void test_workload(void)
{
    static const struct {
        const char *s;
        int minutes;
    } good[] = {
        {"10h", 600}, {"1h30min", 90},      {"90min", 90},    {"0h", 0},     {"1H 30MIN", 90},
        {"2 h", 120}, {"45m", 45},          {" 3h ", 180},    {"1h30m", 90}, {"1h 30 min", 90},
        {"0min", 0},  {"100000h", 6000000}, {"1h90min", 150}, {"01h", 60},
    };
    static const char *const bad[] = {
        "",        " ",     "abc",     "h",      "min",      "1.5h", "30min1h",  "1h30",
        "100001h", "-1h",   "10hours", "1 h 30", "10 horas", "1hh",  "1h30mins", "99999999999h",
        "h30min",  "1h 2h", "1,5h",
    };
    struct event ev;
    int m;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        m = -1;
        is_int(event_parse_workload(good[i].s, &m), 0, "workload '%s' parses", good[i].s);
        is_int(m, good[i].minutes, "workload '%s' is %d minutes", good[i].s, good[i].minutes);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        m = 12345;
        is_int(event_parse_workload(bad[i], &m), -1, "workload '%s' rejected", bad[i]);
        is_int(m, 12345, "workload '%s' leaves minutes alone", bad[i]);
    }
    expect_field_error("data.course.workload", "\"abc\"",
                       "not a workload like '10h', '1h30min' or '90min': 'abc'");
    expect_field_error("data.course.workload", "10", "must be a string");
    expect_field_error("data.course.workload", NULL, "required, missing");
    expect_field_error("data.course.workload",
                       "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
                       "not a workload like '10h', '1h30min' or '90min': "
                       "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
    if (field_ok("data.course.workload", "\"1H 30MIN\"", &ev)) {
        is_int(ev.workload_minutes, 90, "event workload 1H 30MIN");
        is_str(ev.workload_raw, "1H 30MIN", "event workload raw");
        event_free(&ev);
    }
}

static void test_dates(void)
{
    struct event ev;
    char *doc;

    expect_field_error("event.send_at", NULL, "required, missing");
    expect_field_error("event.send_at", "\"2023-08-28\"",
                       "not a date-time 'yyyy-MM-dd HH:mm:ss': '2023-08-28'");
    expect_field_error("data.course.concluded_at", "\"2023-02-29 10:00:00\"",
                       "not a date-time 'yyyy-MM-dd HH:mm:ss': '2023-02-29 10:00:00'");
    expect_field_error("data.course.concluded_at", "\"2023-08-28T20:47:20\"",
                       "not a date-time 'yyyy-MM-dd HH:mm:ss': '2023-08-28T20:47:20'");
    expect_field_error("data.course.concluded_at", "\"2023-08-28 24:00:00\"",
                       "not a date-time 'yyyy-MM-dd HH:mm:ss': '2023-08-28 24:00:00'");
    expect_field_error("data.course.concluded_at", NULL, "required, missing");
    expect_field_error("data.course.concluded_at", "20230828", "must be a string");
    expect_field_error("data.certified.certified_at", NULL, "required, missing");
    expect_field_error("data.course.enrolled_at", "\"yesterday\"",
                       "not a date-time 'yyyy-MM-dd HH:mm:ss': 'yesterday'");
    expect_field_error("data.course.enrolled_at", "5", "must be a string or null");
    if (field_ok("data.course.enrolled_at", "null", &ev)) {
        ok(!ev.has_enrolled_at, "enrolled_at null: none");
        event_free(&ev);
    }
    if (field_ok("data.course.enrolled_at", NULL, &ev)) {
        ok(!ev.has_enrolled_at, "enrolled_at absent: none");
        event_free(&ev);
    }
    if (field_ok("data.course.enrolled_at", "\"\"", &ev)) {
        ok(!ev.has_enrolled_at, "enrolled_at empty: none");
        event_free(&ev);
    }
    ok(field_ok("data.certified.certified_at", "\"2024-02-29 00:00:00\"", NULL),
       "leap day accepted");
    doc = with(BASE, "data.course.enrolled_at", "\"2023-08-29 00:00:00\"");
    expect_error(doc, "data.course.concluded_at", "is before enrolled_at (2023-08-29 00:00:00)",
                 "concluded before enrolled");
    free(doc);
    ok(field_ok("data.course.enrolled_at", "\"2023-08-28 20:47:20\"", NULL),
       "concluded at the enrolment second accepted");

    ok(field_ok("data.certified.certified_at", "\"2023-08-27 20:47:20\"", NULL),
       "certified exactly one day before concluded accepted");
    expect_field_error("data.certified.certified_at", "\"2023-08-27 20:47:19\"",
                       "is more than one day before concluded_at (2023-08-28 20:47:20)");
}

static void test_managers(void)
{
    struct event ev;
    struct buf b = BUF_INIT;

    if (field_ok("data.school.managers", NULL, &ev)) {
        ok(ev.n_managers == 0 && ev.managers == NULL, "managers absent: none");
        event_free(&ev);
    }
    if (field_ok("data.school.managers", "[]", &ev)) {
        is_int(ev.n_managers, 0, "managers empty: none");
        event_free(&ev);
    }
    expect_field_error("data.school.managers", "{}", "must be an array");
    expect_field_error("data.school.managers", "null", "must be an array");
    expect_field_error("data.school.managers.1", "\"Bob\"", "must be an object");

    buf_addc(&b, '[');
    for (int i = 1; i <= 100; i++)
        buf_addf(&b, "%s{\"manager_id\":%d,\"manager_name\":\"M %d\"}", i > 1 ? "," : "", i, i);
    buf_addc(&b, ']');
    if (field_ok("data.school.managers", b.data, &ev)) {
        is_int(ev.n_managers, 100, "100 managers accepted");
        is_str(ev.managers[99].name, "M 100", "100th manager");
        event_free(&ev);
    }
    b.len--;
    buf_adds(&b, ",{\"manager_id\":101,\"manager_name\":\"M 101\"}]");
    expect_field_error("data.school.managers", b.data, "more than 100 managers (101)");
    buf_free(&b);
}

static void test_certified(void)
{
    struct event ev;
    struct event_diags d;
    char *doc, *cert;

    expect_field_error("data.certified.type", "\"gold\"",
                       "must be 'participation' or 'achievement'");
    expect_field_error("data.certified.type", NULL, "required, missing");
    expect_field_error("data.certified.type", "1", "must be a string");
    if (field_ok("data.certified.type", "\"PARTICIPATION\"", &ev)) {
        is_int(ev.type, CERT_PARTICIPATION, "type case-insensitive");
        event_free(&ev);
    }
    if (field_ok("data.certified.type", "\" achievement \"", &ev)) {
        is_int(ev.type, CERT_ACHIEVEMENT, "type trimmed");
        event_free(&ev);
    }
    is_str(event_type_name(CERT_PARTICIPATION), "participation", "type name participation");
    is_str(event_type_name(CERT_ACHIEVEMENT), "achievement", "type name achievement");

    if (field_ok("data.certified.approval_rate", "70.5", &ev)) {
        ok(ev.has_approval_rate && ev.approval_rate == 70.5, "fractional approval rate");
        event_free(&ev);
    }
    if (field_ok("data.certified.approval_rate", "null", &ev)) {
        ok(!ev.has_approval_rate, "null approval rate: none");
        event_free(&ev);
    }
    if (field_ok("data.certified.approval_rate", NULL, &ev)) {
        ok(!ev.has_approval_rate, "absent approval rate: none");
        event_free(&ev);
    }
    ok(field_ok("data.certified.approval_rate", "0", NULL), "approval rate 0");
    ok(field_ok("data.certified.approval_rate", "100", NULL), "approval rate 100");
    expect_field_error("data.certified.approval_rate", "100.01", "must be between 0 and 100");
    expect_field_error("data.certified.approval_rate", "-1", "must be between 0 and 100");
    doc = splice(BASE, "\"approval_rate\":25", "\"approval_rate\":1e400");
    expect_error(doc, "data.certified.approval_rate", "must be between 0 and 100",
                 "approval rate 1e400");
    free(doc);
    expect_field_error("data.certified.approval_rate", "\"70\"", "must be a number");

    /* "certificate", as the platform's documentation calls it */
    {
        cJSON *root = cJSON_Parse(BASE);
        cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
        char *text;
        cJSON *c = cJSON_DetachItemFromObjectCaseSensitive(data, "certified");
        cJSON_AddItemToObject(data, "certificate", c);
        text = cJSON_PrintUnformatted(root);
        cert = xstrdup(text);
        cJSON_free(text);
        cJSON_Delete(root);
    }
    is_int(parse(cert, &ev, &d), EVENT_OK, "data.certificate accepted");
    is_int(ev.type, CERT_ACHIEVEMENT, "data.certificate read");
    event_free(&ev);
    event_diags_free(&d);
    doc = with(cert, "data.certificate.type", "\"gold\"");
    expect_error(doc, "data.certificate.type", "must be 'participation' or 'achievement'",
                 "error path names data.certificate");
    free(doc);
    doc = with(cert, "data.certified",
               "{\"certified_at\":\"2023-08-28 20:47:31\","
               "\"type\":\"participation\"}");
    is_int(parse(doc, &ev, &d), EVENT_OK, "both certified and certificate: valid");
    is_int(ev.type, CERT_PARTICIPATION, "certified preferred over certificate");
    event_free(&ev);
    event_diags_free(&d);
    free(doc);
    free(cert);

    expect_field_error("data.certified", NULL, "required, missing");
    expect_field_error("data.certified", "[]", "must be an object");
}

static void test_unknown_and_canonical(void)
{
    struct event a, b;
    struct event_diags d;
    char *doc, *reordered;
    cJSON *root, *data, *it;

    doc = with(BASE, "data.user.favourite_colour", "\"green\"");
    doc = edit(doc, "data.extra", "{\"z\":[1,{\"b\":2,\"a\":1}]}");
    doc = edit(doc, "top_level_extra", "true");
    is_int(parse(doc, &a, &d), EVENT_OK, "unknown fields accepted");
    ok(a.canonical && strstr(a.canonical, "\"favourite_colour\":\"green\""),
       "unknown field kept in canonical form");
    ok(a.canonical && strstr(a.canonical, "\"extra\":{\"z\":[1,{\"a\":1,\"b\":2}]}"),
       "nested unknown keys sorted, arrays kept in order");
    ok(a.canonical && !strstr(a.canonical, "top_level_extra"), "canonical form is data only");
    event_free(&a);
    event_diags_free(&d);
    free(doc);

    /* the same content in another key order, with white space, and another send_at */
    root = cJSON_Parse(BASE);
    data = cJSON_GetObjectItemCaseSensitive(root, "data");
    it = cJSON_DetachItemFromObjectCaseSensitive(data, "institution");
    cJSON_AddItemToObject(data, "institution", it);
    it = cJSON_DetachItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(data, "user"),
                                                 "id");
    cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(data, "user"), "id", it);
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "event"),
                                           "send_at", cJSON_CreateString("2024-01-01 00:00:00"));
    reordered = cJSON_Print(root);
    cJSON_Delete(root);

    is_int(parse(BASE, &a, &d), EVENT_OK, "base event valid");
    event_diags_free(&d);
    is_int(parse(reordered, &b, &d), EVENT_OK, "reordered event valid");
    event_diags_free(&d);
    ok(strcmp(BASE, reordered) != 0, "the two bodies differ");
    is_str(a.canonical, b.canonical, "canonical equal across key order, spacing and send_at");
    ok(a.canonical && !strstr(a.canonical, "send_at") && !strstr(a.canonical, "2024-01-01"),
       "canonical form has no send_at");
    event_free(&b);
    cJSON_free(reordered);

    doc = with(BASE, "data.user.name", "\"User Name Corrected\"");
    is_int(parse(doc, &b, &d), EVENT_OK, "renamed event valid");
    ok(a.canonical && b.canonical && strcmp(a.canonical, b.canonical) != 0,
       "canonical differs when the name changes");
    event_free(&a);
    event_free(&b);
    event_diags_free(&d);
    free(doc);
}

int main(void)
{
    test_names();
    test_visible_names();
    test_cpf();
    test_workload();
    test_dates();
    test_managers();
    test_certified();
    test_unknown_and_canonical();
    return tap_done();
}
