/* Strict parsing and arithmetic of the platform's "yyyy-MM-dd HH:mm:ss". */
#include <stdio.h>
#include <string.h>

#include "caltime.h"
#include "banned.h"

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

/* Read exactly n digits. */
static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_date_part(const char *s, struct caltime *t)
{
    if (digits(s, 4, &t->year) || s[4] != '-' || digits(s + 5, 2, &t->mon) || s[7] != '-' ||
        digits(s + 8, 2, &t->day))
        return -1;
    if (t->year < 1 || t->mon < 1 || t->mon > 12 || t->day < 1 ||
        t->day > days_in_month(t->year, t->mon))
        return -1;
    return 0;
}

int caltime_parse(const char *s, struct caltime *t)
{
    struct caltime r;
    if (strlen(s) != 19 || parse_date_part(s, &r) || s[10] != ' ' || digits(s + 11, 2, &r.hour) ||
        s[13] != ':' || digits(s + 14, 2, &r.min) || s[16] != ':' || digits(s + 17, 2, &r.sec))
        return -1;
    if (r.hour > 23 || r.min > 59 || r.sec > 59)
        return -1;
    *t = r;
    return 0;
}

int caltime_parse_date(const char *s, struct caltime *t)
{
    struct caltime r = {0};
    if (strlen(s) != 10 || parse_date_part(s, &r))
        return -1;
    *t = r;
    return 0;
}

/* Days from civil, after Howard Hinnant's well-known algorithm. */
int64_t caltime_to_unix(const struct caltime *t)
{
    int64_t y = t->year - (t->mon <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (t->mon + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + t->day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
}

int caltime_cmp(const struct caltime *a, const struct caltime *b)
{
    int64_t x = caltime_to_unix(a), y = caltime_to_unix(b);
    return x < y ? -1 : x > y;
}

void caltime_format(const struct caltime *t, char out[20])
{
    snprintf(out, 20, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)t->year % 10000u,
             (unsigned)t->mon % 100u, (unsigned)t->day % 100u, (unsigned)t->hour % 100u,
             (unsigned)t->min % 100u, (unsigned)t->sec % 100u);
}
