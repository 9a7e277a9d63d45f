/* pt-BR and English wording for certificates, done by hand so that nothing depends on the
 * C library's locales: dates, workloads in words, percentages, CPF, certificate types. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "banned.h"

static const char *const months_pt[12] = {
    "janeiro", "fevereiro", "março",    "abril",   "maio",     "junho",
    "julho",   "agosto",    "setembro", "outubro", "novembro", "dezembro",
};

static const char *const months_en[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December",
};

static char ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive ASCII equality of a[0..n) and the lowercase string b. */
static int eq_lower(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a[i]) != b[i])
            return 0;
    return 1;
}

int i18n_parse(const char *name, enum i18n_locale *out)
{
    const char *sep;
    size_t lang_len;
    enum i18n_locale loc;

    if (!name)
        return -1;
    sep = strpbrk(name, "-_");
    lang_len = sep ? (size_t)(sep - name) : strlen(name);
    if (eq_lower(name, lang_len, "pt")) {
        loc = I18N_PT_BR;
        if (sep && !eq_lower(sep + 1, strlen(sep + 1), "br"))
            return -1;
    } else if (eq_lower(name, lang_len, "en")) {
        loc = I18N_EN;
        if (sep && !eq_lower(sep + 1, strlen(sep + 1), "us") &&
            !eq_lower(sep + 1, strlen(sep + 1), "gb"))
            return -1;
    } else {
        return -1;
    }
    if (out)
        *out = loc;
    return 0;
}

const char *i18n_name(enum i18n_locale loc)
{
    return loc == I18N_EN ? "en" : "pt-BR";
}

void i18n_date(enum i18n_locale loc, const struct caltime *t, struct buf *out)
{
    if (!t)
        return;
    if (t->mon < 1 || t->mon > 12) {
        buf_addf(out, "%04d-%02d-%02d", t->year, t->mon, t->day);
        return;
    }
    if (loc == I18N_EN) {
        buf_addf(out, "%s %d, %d", months_en[t->mon - 1], t->day, t->year);
        return;
    }
    if (t->day == 1)
        buf_adds(out, "1º");
    else
        buf_addf(out, "%d", t->day);
    buf_addf(out, " de %s de %d", months_pt[t->mon - 1], t->year);
}

/* Append the digits s[0..n) with a separator between groups of three. */
static void add_grouped(struct buf *out, const char *s, size_t n, char sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf_addc(out, sep);
        buf_addc(out, s[i]);
    }
}

static char group_sep(enum i18n_locale loc)
{
    return loc == I18N_EN ? ',' : '.';
}

static char decimal_sep(enum i18n_locale loc)
{
    return loc == I18N_EN ? '.' : ',';
}

static void add_count(enum i18n_locale loc, int v, const char *one, const char *many,
                      struct buf *out)
{
    char digits[16];
    int len = snprintf(digits, sizeof(digits), "%d", v);

    add_grouped(out, digits, (size_t)len, group_sep(loc));
    buf_addc(out, ' ');
    buf_adds(out, v == 1 ? one : many);
}

void i18n_workload(enum i18n_locale loc, int minutes, struct buf *out)
{
    int hours, rest;
    int en = loc == I18N_EN;

    if (minutes <= 0)
        return;
    hours = minutes / 60;
    rest = minutes % 60;
    if (hours)
        add_count(loc, hours, en ? "hour" : "hora", en ? "hours" : "horas", out);
    if (hours && rest)
        buf_adds(out, en ? " and " : " e ");
    if (rest)
        add_count(loc, rest, en ? "minute" : "minuto", en ? "minutes" : "minutos", out);
}

/* The shortest decimal digits that read back as a, and the power of ten of the first one, so
 * that 0.145 rounds as the 0.145 the platform sent rather than as the double just below it. */
static size_t shortest_digits(double a, char digits[18], int *exp10)
{
    char sci[40];
    size_t nd = 0;
    const char *p;

    for (int prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof(sci), "%.*e", prec - 1, a);
        if (strtod(sci, NULL) == a)
            break;
    }
    for (p = sci; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && nd < 17)
            digits[nd++] = *p;
    digits[nd] = '\0';
    *exp10 = *p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0;
    return nd;
}

/* The digit at 10^k of the number d[0].d[1]d[2]... times 10^exp10. */
static char digit_at(const char *d, size_t nd, int exp10, int k)
{
    long idx = (long)exp10 - k;
    return idx >= 0 && (size_t)idx < nd ? d[idx] : '0';
}

void i18n_percent(enum i18n_locale loc, double rate, struct buf *out)
{
    char digits[18], num[330];
    size_t nd, len = 0, int_start, int_len, frac_len;
    int exp10, top, zero = 1;

    if (!isfinite(rate))
        return;
    nd = shortest_digits(fabs(rate), digits, &exp10);
    top = exp10 > 0 ? exp10 : 0;
    num[len++] = '0'; /* room for a carry */
    for (int k = top; k >= -2; k--)
        num[len++] = digit_at(digits, nd, exp10, k);
    if (digit_at(digits, nd, exp10, -3) >= '5') {
        size_t i = len - 1;
        while (num[i] == '9')
            num[i--] = '0';
        num[i]++;
    }
    for (size_t i = 0; i < len; i++)
        if (num[i] != '0')
            zero = 0;

    int_start = 0;
    while (int_start < len - 3 && num[int_start] == '0')
        int_start++;
    int_len = len - 2 - int_start;
    frac_len = 2;
    while (frac_len > 0 && num[len - 2 + frac_len - 1] == '0')
        frac_len--;

    if (signbit(rate) && !zero)
        buf_addc(out, '-');
    add_grouped(out, num + int_start, int_len, group_sep(loc));
    if (frac_len) {
        buf_addc(out, decimal_sep(loc));
        buf_add(out, num + len - 2, frac_len);
    }
    buf_addc(out, '%');
}

void i18n_cpf(const char *digits, struct buf *out)
{
    char d[11];
    size_t nd = 0;
    int other = 0;

    if (!digits)
        return;
    for (const char *p = digits; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (nd < sizeof(d))
                d[nd] = *p;
            nd++;
        } else if (*p != '.' && *p != '-' && *p != ' ') {
            other = 1;
        }
    }
    if (nd != sizeof(d) || other) {
        buf_adds(out, digits);
        return;
    }
    buf_addf(out, "%.3s.%.3s.%.3s-%.2s", d, d + 3, d + 6, d + 9);
}

const char *i18n_type(enum i18n_locale loc, enum cert_type t)
{
    if (loc == I18N_EN)
        return t == CERT_ACHIEVEMENT ? "achievement" : "participation";
    return t == CERT_ACHIEVEMENT ? "aproveitamento" : "participação";
}

void i18n_others(enum i18n_locale loc, size_t n, struct buf *out)
{
    char digits[24];
    int len = snprintf(digits, sizeof(digits), "%zu", n);

    buf_adds(out, loc == I18N_EN ? "and " : "e mais ");
    add_grouped(out, digits, (size_t)len, group_sep(loc));
    if (loc == I18N_EN)
        buf_adds(out, n == 1 ? " other" : " others");
}
