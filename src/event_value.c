/* The small value parsers of an event: workloads like "1h30min", CPF check digits
 * and the names of certificate types. */
#include "event.h"
#include "event_int.h"
#include "banned.h"

#define MAX_HOURS 100000
#define MAX_MINUTES (MAX_HOURS * 60)

static int is_ascii_space(char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

static void skip_spaces(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* Digits into *v; -1 when none or more than MAX_MINUTES. */
static int read_number(const char **p, long *v)
{
    const char *s = *p;

    *v = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        *v = *v * 10 + (*s - '0');
        if (*v > MAX_MINUTES)
            return -1;
    }
    *p = s;
    return 0;
}

/* 'h' for hours, 'm' for "min" or "m", 0 for anything else. */
static int read_unit(const char **p)
{
    const char *s = *p;

    if (ev_ascii_lower((unsigned char)s[0]) == 'h') {
        *p = s + 1;
        return 'h';
    }
    if (ev_ascii_lower((unsigned char)s[0]) != 'm')
        return 0;
    if (ev_ascii_lower((unsigned char)s[1]) == 'i' && ev_ascii_lower((unsigned char)s[2]) == 'n')
        *p = s + 3;
    else
        *p = s + 1;
    return 'm';
}

int event_parse_workload(const char *s, int *minutes)
{
    const char *p = s;
    long hours = 0, mins = 0, v;
    int unit, parts = 0;

    while (is_ascii_space(*p))
        p++;
    if (read_number(&p, &v))
        return -1;
    skip_spaces(&p);
    unit = read_unit(&p);
    if (unit == 'h') {
        hours = v;
        parts++;
        skip_spaces(&p);
        if (*p >= '0' && *p <= '9') {
            if (read_number(&p, &v))
                return -1;
            skip_spaces(&p);
            unit = read_unit(&p);
            if (unit != 'm')
                return -1;
        }
    }
    if (unit == 'm') {
        mins = v;
        parts++;
    }
    if (!parts)
        return -1;
    while (is_ascii_space(*p))
        p++;
    if (*p || hours > MAX_HOURS || hours * 60 + mins > MAX_MINUTES)
        return -1;
    *minutes = (int)(hours * 60 + mins);
    return 0;
}

int event_cpf_valid(const char *d)
{
    int sum, r, i, same = 1;

    for (i = 0; i < 11; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    if (d[11] != '\0')
        return 0;
    for (i = 1; i < 11; i++)
        if (d[i] != d[0])
            same = 0;
    if (same)
        return 0;
    for (int check = 9; check <= 10; check++) {
        sum = 0;
        for (i = 0; i < check; i++)
            sum += (d[i] - '0') * (check + 1 - i);
        r = sum * 10 % 11;
        if (r == 10)
            r = 0;
        if (r != d[check] - '0')
            return 0;
    }
    return 1;
}

const char *event_type_name(enum cert_type t)
{
    return t == CERT_ACHIEVEMENT ? "achievement" : "participation";
}
