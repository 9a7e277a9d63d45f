/* Unit tests for i18n: the exact strings a certificate prints in pt-BR and English. */
#include <math.h>
#include <stdlib.h>

#include "i18n.h"
#include "utf8.h"
#include "tap.h"
#include "banned.h"

static struct buf out = BUF_INIT;

static const char *date(enum i18n_locale loc, int y, int m, int d)
{
    struct caltime t = {y, m, d, 12, 0, 0};
    buf_reset(&out);
    i18n_date(loc, &t, &out);
    return out.data ? out.data : "";
}

static const char *workload(enum i18n_locale loc, int minutes)
{
    buf_reset(&out);
    i18n_workload(loc, minutes, &out);
    return out.data ? out.data : "";
}

static const char *percent(enum i18n_locale loc, double rate)
{
    buf_reset(&out);
    i18n_percent(loc, rate, &out);
    return out.data ? out.data : "";
}

static const char *cpf(const char *s)
{
    buf_reset(&out);
    i18n_cpf(s, &out);
    return out.data ? out.data : "";
}

static void test_parse(void)
{
    static const char *const pt[] = {"pt-BR", "pt_BR", "pt", "PT-br", "pt_br", "Pt"};
    static const char *const en[] = {"en", "en-US", "en_GB", "EN", "en_us", "En-gb"};
    static const char *const bad[] = {"",    "pt-",     "pt-PT",  "fr",  "e",    "english",
                                      "en-", "en-US-x", "pt-BR ", " pt", "ptBR", "de_DE"};
    enum i18n_locale loc;

    for (size_t i = 0; i < sizeof(pt) / sizeof(pt[0]); i++) {
        loc = I18N_EN;
        ok(i18n_parse(pt[i], &loc) == 0 && loc == I18N_PT_BR, "parse '%s' is pt-BR", pt[i]);
    }
    for (size_t i = 0; i < sizeof(en) / sizeof(en[0]); i++) {
        loc = I18N_PT_BR;
        ok(i18n_parse(en[i], &loc) == 0 && loc == I18N_EN, "parse '%s' is en", en[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        loc = I18N_EN;
        ok(i18n_parse(bad[i], &loc) == -1 && loc == I18N_EN,
           "parse '%s' is rejected, out untouched", bad[i]);
    }
    is_int(i18n_parse(NULL, &loc), -1, "parse NULL is rejected");
    is_str(i18n_name(I18N_PT_BR), "pt-BR", "name of pt-BR");
    is_str(i18n_name(I18N_EN), "en", "name of en");
    ok(i18n_parse(i18n_name(I18N_EN), &loc) == 0 && loc == I18N_EN, "name of en parses back");
    ok(i18n_parse(i18n_name(I18N_PT_BR), &loc) == 0 && loc == I18N_PT_BR,
       "name of pt-BR parses back");
}

static void test_date(void)
{
    static const char *const pt[] = {"janeiro",  "fevereiro", "março",    "abril",
                                     "maio",     "junho",     "julho",    "agosto",
                                     "setembro", "outubro",   "novembro", "dezembro"};
    static const char *const en[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};
    char want[64];

    is_str(date(I18N_PT_BR, 2023, 8, 28), "28 de agosto de 2023", "pt-BR date");
    is_str(date(I18N_EN, 2023, 8, 28), "August 28, 2023", "en date");
    is_str(date(I18N_PT_BR, 2023, 8, 1), "1º de agosto de 2023", "pt-BR first of the month");
    is_str(date(I18N_EN, 2023, 8, 1), "August 1, 2023", "en first of the month");
    is_str(date(I18N_PT_BR, 2024, 3, 5), "5 de março de 2024", "pt-BR: no leading zero, ç");
    is_str(date(I18N_EN, 2024, 3, 5), "March 5, 2024", "en: no leading zero");
    is_str(date(I18N_PT_BR, 2024, 2, 29), "29 de fevereiro de 2024", "pt-BR leap day");
    is_str(date(I18N_PT_BR, 2023, 12, 31), "31 de dezembro de 2023", "pt-BR last day of year");
    is_str(date(I18N_EN, 2023, 12, 31), "December 31, 2023", "en last day of year");
    for (int m = 1; m <= 12; m++) {
        snprintf(want, sizeof(want), "15 de %s de 2023", pt[m - 1]);
        is_str(date(I18N_PT_BR, 2023, m, 15), want, "pt-BR month %d", m);
        snprintf(want, sizeof(want), "%s 15, 2023", en[m - 1]);
        is_str(date(I18N_EN, 2023, m, 15), want, "en month %d", m);
    }
    ok(utf8_valid(date(I18N_PT_BR, 2023, 3, 1), strlen(date(I18N_PT_BR, 2023, 3, 1))),
       "pt-BR date is valid UTF-8");
    is_str(date(I18N_PT_BR, 2023, 13, 1), "2023-13-01", "impossible month falls back to digits");

    buf_reset(&out);
    buf_adds(&out, "em ");
    i18n_date(I18N_PT_BR, &(struct caltime){2023, 8, 28, 0, 0, 0}, &out);
    is_str(out.data, "em 28 de agosto de 2023", "date is appended, not overwritten");
}

static void test_workload(void)
{
    is_str(workload(I18N_PT_BR, 2400), "40 horas", "pt-BR 40 hours");
    is_str(workload(I18N_EN, 2400), "40 hours", "en 40 hours");
    is_str(workload(I18N_PT_BR, 60), "1 hora", "pt-BR 1 hour");
    is_str(workload(I18N_EN, 60), "1 hour", "en 1 hour");
    is_str(workload(I18N_PT_BR, 90), "1 hora e 30 minutos", "pt-BR 1h30");
    is_str(workload(I18N_EN, 90), "1 hour and 30 minutes", "en 1h30");
    is_str(workload(I18N_PT_BR, 30), "30 minutos", "pt-BR 30 minutes");
    is_str(workload(I18N_EN, 30), "30 minutes", "en 30 minutes");
    is_str(workload(I18N_PT_BR, 1), "1 minuto", "pt-BR 1 minute");
    is_str(workload(I18N_EN, 1), "1 minute", "en 1 minute");
    is_str(workload(I18N_PT_BR, 121), "2 horas e 1 minuto", "pt-BR 2h1");
    is_str(workload(I18N_EN, 121), "2 hours and 1 minute", "en 2h1");
    is_str(workload(I18N_PT_BR, 61), "1 hora e 1 minuto", "pt-BR 1h1");
    is_str(workload(I18N_EN, 119), "1 hour and 59 minutes", "en 1h59");
    is_str(workload(I18N_PT_BR, 600), "10 horas", "pt-BR 10 hours");
    is_str(workload(I18N_PT_BR, 72000), "1.200 horas", "pt-BR groups thousands with a dot");
    is_str(workload(I18N_EN, 72000), "1,200 hours", "en groups thousands with a comma");
    is_str(workload(I18N_EN, 60000 * 1000 + 5), "1,000,000 hours and 5 minutes",
           "en million hours");
    is_str(workload(I18N_PT_BR, 999 * 60), "999 horas", "pt-BR 999 hours has no separator");
    is_str(workload(I18N_PT_BR, 0), "", "pt-BR zero appends nothing");
    is_str(workload(I18N_EN, 0), "", "en zero appends nothing");
    is_str(workload(I18N_EN, -5), "", "negative appends nothing");
    buf_reset(&out);
    buf_adds(&out, "x");
    i18n_workload(I18N_PT_BR, 0, &out);
    is_str(out.data, "x", "zero leaves the buffer alone");
}

static void test_percent(void)
{
    is_str(percent(I18N_PT_BR, 70), "70%", "pt-BR integer");
    is_str(percent(I18N_EN, 70), "70%", "en integer");
    is_str(percent(I18N_PT_BR, 72.5), "72,5%", "pt-BR decimal comma");
    is_str(percent(I18N_EN, 72.5), "72.5%", "en decimal point");
    is_str(percent(I18N_PT_BR, 100), "100%", "pt-BR 100");
    is_str(percent(I18N_PT_BR, 0), "0%", "pt-BR 0");
    is_str(percent(I18N_PT_BR, 72.50), "72,5%", "trailing zero dropped");
    is_str(percent(I18N_PT_BR, 72.25), "72,25%", "two decimals kept");
    is_str(percent(I18N_EN, 33.333333), "33.33%", "rounded to two decimals");
    is_str(percent(I18N_EN, 66.666), "66.67%", "rounded up");
    is_str(percent(I18N_EN, 72.125), "72.13%", "exact half rounds away from zero");
    is_str(percent(I18N_EN, 72.375), "72.38%", "exact half rounds away from zero (odd)");
    is_str(percent(I18N_EN, 0.145), "0.15%", "0.145 rounds as written, not as the double");
    is_str(percent(I18N_EN, 2.675), "2.68%", "2.675 rounds as written, not as the double");
    is_str(percent(I18N_EN, 1.005), "1.01%", "1.005 rounds as written");
    is_str(percent(I18N_EN, 99.995), "100%", "carry into the integer part");
    is_str(percent(I18N_EN, 9.995), "10%", "carry adds a digit");
    is_str(percent(I18N_EN, 99.994), "99.99%", "no carry below the half");
    is_str(percent(I18N_EN, 0.004), "0%", "tiny rounds to zero");
    is_str(percent(I18N_EN, 0.005), "0.01%", "tiny half rounds up");
    is_str(percent(I18N_EN, 0.1), "0.1%", "0.1");
    is_str(percent(I18N_PT_BR, 0.05), "0,05%", "pt-BR 0,05");
    is_str(percent(I18N_EN, 80.1 - 0.1), "80%", "80.1 - 0.1 is 80");
    is_str(percent(I18N_EN, 1e-300), "0%", "denormal-ish is zero");
    is_str(percent(I18N_EN, -2.5), "-2.5%", "negative");
    is_str(percent(I18N_EN, -1.005), "-1.01%", "negative half rounds away from zero");
    is_str(percent(I18N_EN, -0.001), "0%", "negative that rounds to zero has no sign");
    is_str(percent(I18N_EN, -0.0), "0%", "negative zero has no sign");
    is_str(percent(I18N_PT_BR, 1234.5), "1.234,5%", "pt-BR grouping above 1000");
    is_str(percent(I18N_EN, 1234.5), "1,234.5%", "en grouping above 1000");
    is_str(percent(I18N_EN, 1e20), "100,000,000,000,000,000,000%", "large value");
    ok(strlen(percent(I18N_EN, 1.7976931348623157e308)) > 300, "largest double is printed");
    is_str(percent(I18N_EN, NAN), "", "NaN appends nothing");
    is_str(percent(I18N_EN, INFINITY), "", "infinity appends nothing");

    /* Every value with at most two decimals prints as itself. */
    {
        int bad = 0;
        char want[32];
        for (int h = 0; h <= 10000; h++) {
            int frac = h % 100;
            if (frac == 0)
                snprintf(want, sizeof(want), "%d%%", h / 100);
            else if (frac % 10 == 0)
                snprintf(want, sizeof(want), "%d,%d%%", h / 100, frac / 10);
            else
                snprintf(want, sizeof(want), "%d,%02d%%", h / 100, frac);
            if (strcmp(percent(I18N_PT_BR, h / 100.0), want) != 0 && bad++ < 5)
                printf("# %d/100 gave '%s', want '%s'\n", h, out.data, want);
        }
        is_int(bad, 0, "all of 0.00 .. 100.00 in steps of 0.01 print exactly");
    }
}

static void test_cpf(void)
{
    is_str(cpf("12345678909"), "123.456.789-09", "11 digits formatted");
    is_str(cpf("00000000000"), "000.000.000-00", "zeros formatted");
    is_str(cpf("123.456.789-09"), "123.456.789-09", "already formatted stays the same");
    is_str(cpf("123 456 789 09"), "123.456.789-09", "spaces ignored");
    is_str(cpf("1234567890"), "1234567890", "10 digits appended as given");
    is_str(cpf("123456789012"), "123456789012", "12 digits appended as given");
    is_str(cpf("1234567890a"), "1234567890a", "a letter: appended as given");
    is_str(cpf("12345678909x"), "12345678909x", "11 digits and a letter: appended as given");
    is_str(cpf(""), "", "empty");
    is_str(cpf(NULL), "", "NULL appends nothing");
}

static void test_type(void)
{
    is_str(i18n_type(I18N_PT_BR, CERT_PARTICIPATION), "participação", "pt-BR participation");
    is_str(i18n_type(I18N_PT_BR, CERT_ACHIEVEMENT), "aproveitamento", "pt-BR achievement");
    is_str(i18n_type(I18N_EN, CERT_PARTICIPATION), "participation", "en participation");
    is_str(i18n_type(I18N_EN, CERT_ACHIEVEMENT), "achievement", "en achievement");
    {
        const char *t = i18n_type(I18N_PT_BR, CERT_PARTICIPATION);
        ok(utf8_valid(t, strlen(t)) && utf8_count(t, strlen(t)) == 12,
           "pt-BR type is valid UTF-8, 12 characters");
    }
}

static const char *others(enum i18n_locale loc, size_t n)
{
    buf_reset(&out);
    i18n_others(loc, n, &out);
    return out.data;
}

static void test_others(void)
{
    is_str(others(I18N_PT_BR, 1), "e mais 1", "pt-BR one name left out");
    is_str(others(I18N_PT_BR, 97), "e mais 97", "pt-BR 97 names left out");
    is_str(others(I18N_PT_BR, 1234), "e mais 1.234", "pt-BR thousands grouped");
    is_str(others(I18N_EN, 1), "and 1 other", "en one name left out: singular");
    is_str(others(I18N_EN, 97), "and 97 others", "en 97 names left out: plural");
    is_str(others(I18N_EN, 1234), "and 1,234 others", "en thousands grouped");
}

int main(void)
{
    test_parse();
    test_date();
    test_workload();
    test_percent();
    test_cpf();
    test_type();
    test_others();
    buf_free(&out);
    return tap_done();
}
