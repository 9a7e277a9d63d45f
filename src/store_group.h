/* Group commit's queue, shared by the backends: callers that arrive while a
 * group is being written queue; the first of them to run again leads the
 * next group, writing every item queued by then at once. */
#ifndef CERTIFICA_STORE_GROUP_H
#define CERTIFICA_STORE_GROUP_H

#include <pthread.h>

/* The first member of what a backend queues. */
struct store_group_item {
    struct store_group_item *next;
    int done;
};

struct store_group {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct store_group_item *head, **tail;
    int leading; /* a group is being written now */
};

/* Writes the items of one group (list, in the order they queued), with no
 * lock of the queue held; sets each item's outcome in its container. */
typedef void (*store_group_lead_fn)(void *ctx, struct store_group_item *list);

void store_group_init(struct store_group *g);
void store_group_destroy(struct store_group *g);
/* Queue it and return once its group has been written by lead, in this
 * thread or another. */
void store_group_join(struct store_group *g, struct store_group_item *it, store_group_lead_fn lead,
                      void *ctx);

#endif
