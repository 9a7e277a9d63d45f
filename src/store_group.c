/* Group commit's queue: a leader per group, the next group queued while the
 * leader writes (see store_group.h). Items live on their callers' stacks: a
 * caller returns only after the leader has marked it done under the
 * queue's lock, and the leader never touches an item after that. */
#include "store_group.h"
#include "banned.h"

void store_group_init(struct store_group *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->head = NULL;
    g->tail = &g->head;
    g->leading = 0;
}

void store_group_destroy(struct store_group *g)
{
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
}

void store_group_join(struct store_group *g, struct store_group_item *it, store_group_lead_fn lead,
                      void *ctx)
{
    it->next = NULL;
    it->done = 0;
    pthread_mutex_lock(&g->mu);
    *g->tail = it;
    g->tail = &it->next;
    while (!it->done) {
        struct store_group_item *list;
        if (g->leading) {
            pthread_cond_wait(&g->cv, &g->mu);
            continue;
        }
        /* Lead one group: everything queued now, this item included. */
        g->leading = 1;
        list = g->head;
        g->head = NULL;
        g->tail = &g->head;
        pthread_mutex_unlock(&g->mu);
        lead(ctx, list);
        pthread_mutex_lock(&g->mu);
        for (struct store_group_item *p = list; p; p = p->next)
            p->done = 1;
        /* Hand over: an item queued meanwhile leads the next group. */
        g->leading = 0;
        pthread_cond_broadcast(&g->cv);
    }
    pthread_mutex_unlock(&g->mu);
}
