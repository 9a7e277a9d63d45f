/* Work on many things at once: up to N threads, the caller's among them,
 * take the next index in order until all are done or one fails (rerender
 * and copy use it, in the store and in the commands). */
#ifndef JOBS_H
#define JOBS_H

#include <stddef.h>

#define JOBS_MAX 256 /* threads of one jobs_run, at most */

/* jobs_run's work on index i: how many things it did (0 or more), or -1
 * failed with err. Called from several threads at once. */
typedef int (*jobs_fn)(void *ctx, size_t i, char *err, size_t errlen);

/* Call one for every i in 0..n-1, on up to jobs threads at once (the caller's
 * among them; at most JOBS_MAX), indexes taken in order. The first failure
 * stops the taking of more; the calls under way finish. *done (may be NULL)
 * adds up what the calls did. 0, or -1 with the first failure's message in
 * err. */
int jobs_run(size_t n, size_t jobs, jobs_fn one, void *ctx, size_t *done, char *err,
             size_t errlen);

/* jobs_run with, on each thread it starts (not the caller's), enter before
 * it takes any index (a thread whose enter returns -1 takes none and leaves
 * its share to the others) and leave after its last; either may be NULL. */
int jobs_run_with(size_t n, size_t jobs, jobs_fn one, int (*enter)(void *ctx),
                  void (*leave)(void *ctx), void *ctx, size_t *done, char *err, size_t errlen);

/* The cores online, from 1 to JOBS_MAX: the default number of jobs. */
size_t jobs_cores(void);

#endif
