/* Calendar times as the platform sends them: "yyyy-MM-dd HH:mm:ss", with no
 * time zone. Pure functions, thread-safe. */
#ifndef CALTIME_H
#define CALTIME_H

#include <stdint.h>

struct caltime {
    int year, mon, day; /* mon 1..12, day 1..31 */
    int hour, min, sec; /* 0..23, 0..59, 0..59 */
};

/* Strict parse: exactly "yyyy-MM-dd HH:mm:ss", a real calendar time (leap
 * years honoured, year 1..9999). 0 or -1. */
int caltime_parse(const char *s, struct caltime *t);
/* Parse a date alone, "yyyy-MM-dd" (time 00:00:00). 0 or -1. */
int caltime_parse_date(const char *s, struct caltime *t);
/* Seconds since 1970-01-01 00:00:00, taking the time as UTC. */
int64_t caltime_to_unix(const struct caltime *t);
/* <0, 0, >0 like strcmp. */
int caltime_cmp(const struct caltime *a, const struct caltime *b);
/* Write "yyyy-MM-dd HH:mm:ss" into out (20 bytes with the NUL). */
void caltime_format(const struct caltime *t, char out[20]);

#endif
