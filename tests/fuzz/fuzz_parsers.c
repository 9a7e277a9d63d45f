/* libFuzzer target for the small parsers and the locale formatting of what they give:
 * workloads, date-times, dates, locale names and CPFs from the input as a string, and
 * percentages and workloads from the input read as numbers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "caltime.h"
#include "event.h"
#include "i18n.h"
#include "utf8.h"
#include "fuzz.h"
#include "banned.h"

#define MAX_MINUTES (100000 * 60)

static const enum i18n_locale locales[] = {I18N_PT_BR, I18N_EN};

static void check_out(const char *what, const struct buf *b)
{
    if (!b->len)
        return;
    CHECK(b->data && strlen(b->data) == b->len, "%s: length", what);
    CHECK(utf8_valid(b->data, b->len), "%s: not UTF-8: '%s'", what, b->data);
}

static void workload(const char *s)
{
    int minutes = -1, again = -1;
    char text[32];

    if (event_parse_workload(s, &minutes) != 0)
        return;
    CHECK(minutes >= 0 && minutes <= MAX_MINUTES, "'%s' gives %d minutes", s, minutes);
    snprintf(text, sizeof(text), "%dh%dmin", minutes / 60, minutes % 60);
    CHECK(event_parse_workload(text, &again) == 0 && again == minutes, "'%s' -> '%s' -> %d", s,
          text, again);
    for (size_t i = 0; i < 2; i++) {
        struct buf b = BUF_INIT;
        i18n_workload(locales[i], minutes, &b);
        check_out("i18n_workload", &b);
        CHECK(!minutes == !b.len, "'%s': %d minutes in words is '%s'", s, minutes,
              b.data ? b.data : "");
        buf_free(&b);
    }
}

static void dates(const char *s)
{
    struct caltime t, back;
    char text[20];

    if (caltime_parse(s, &t) == 0) {
        caltime_format(&t, text);
        CHECK(!strcmp(text, s), "'%s' formats back as '%s'", s, text);
        CHECK(caltime_parse(text, &back) == 0 && caltime_cmp(&t, &back) == 0, "'%s'", s);
        CHECK(t.hour <= 23 && t.min <= 59 && t.sec <= 59, "'%s'", s);
        for (size_t i = 0; i < 2; i++) {
            struct buf b = BUF_INIT;
            i18n_date(locales[i], &t, &b);
            check_out("i18n_date", &b);
            CHECK(b.len > 0, "'%s': empty date", s);
            buf_free(&b);
        }
    }
    if (caltime_parse_date(s, &t) == 0) {
        caltime_format(&t, text);
        CHECK(!strncmp(text, s, 10) && !strcmp(text + 10, " 00:00:00"), "'%s' formats back as '%s'",
              s, text);
        CHECK(t.mon >= 1 && t.mon <= 12 && t.day >= 1 && t.day <= 31 && t.year >= 1, "'%s'", s);
    }
}

static void strings(const char *s)
{
    enum i18n_locale loc;
    struct buf b = BUF_INIT;

    if (i18n_parse(s, &loc) == 0)
        CHECK(loc == I18N_PT_BR || loc == I18N_EN, "'%s'", s);
    i18n_cpf(s, &b);
    if (utf8_valid(s, strlen(s)))
        check_out("i18n_cpf", &b);
    buf_free(&b);
}

/* The rate as the locale wrote it, read back; the grouping and decimal separators differ. */
static double read_percent(const char *s, enum i18n_locale loc)
{
    char plain[400];
    size_t n = 0;
    char group = loc == I18N_EN ? ',' : '.', dec = loc == I18N_EN ? '.' : ',';

    for (; *s && *s != '%' && n + 1 < sizeof(plain); s++) {
        if (*s == group)
            continue;
        plain[n++] = *s == dec ? '.' : *s;
    }
    plain[n] = '\0';
    return strtod(plain, NULL);
}

static void percent(double rate)
{
    for (size_t i = 0; i < 2; i++) {
        struct buf b = BUF_INIT;
        const char *dec;
        i18n_percent(locales[i], rate, &b);
        check_out("i18n_percent", &b);
        if (!isfinite(rate)) {
            CHECK(b.len == 0, "%g gives '%s'", rate, b.data);
            buf_free(&b);
            continue;
        }
        CHECK(b.len > 1 && b.data[b.len - 1] == '%', "%.17g gives '%s'", rate, b.data);
        dec = strchr(b.data, locales[i] == I18N_EN ? '.' : ',');
        CHECK(!dec || strlen(dec) <= 4, "%.17g gives '%s': too many decimals", rate, b.data);
        if (fabs(rate) < 1e15) {
            double back = read_percent(b.data, locales[i]);
            CHECK(fabs(back - rate) <= 0.005 + 1e-12 * fmax(1, fabs(rate)),
                  "%.17g gives '%s' (%.17g)", rate, b.data, back);
        }
        buf_free(&b);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    char *s;
    uint64_t bits;
    double rate;

    if (size > 4096)
        return 0;
    s = xstrndup((const char *)data, size);
    workload(s);
    dates(s);
    strings(s);
    free(s);

    bits = fuzz_u64(&in);
    memcpy(&rate, &bits, sizeof(rate));
    percent(rate);
    percent((double)(bits % 100001) / 1000.0); /* 0..100 with three decimals */
    for (size_t i = 0; i < 2; i++) {
        struct buf b = BUF_INIT;
        int minutes = (int)(uint32_t)(bits >> 32);
        i18n_workload(locales[i], minutes, &b);
        check_out("i18n_workload", &b);
        buf_free(&b);
    }
    return 0;
}
