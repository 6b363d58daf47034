/* queue_testutil.h — what the queue suites share (queue_contract.h on both
 * backends, test_queue.c on SQLite's own behaviour): a review request, and
 * enqueue/get with their results checked. */
#ifndef RR_QUEUE_TESTUTIL_H
#define RR_QUEUE_TESTUTIL_H
#include "testutil.h"
#include "../../bot/queue.h"
#include "../../common/rr.h"

/* A request for pull request `number` at `head`, delivered as `delivery`. */
static inline struct review_request req(const char *delivery, long number, const char *head)
{
	struct review_request r = {
		.forge = (char *)"github", .delivery_id = (char *)delivery,
		.event = (char *)"pull_request", .action = (char *)"opened",
		.owner = (char *)"octo", .repo = (char *)"hello",
		.clone_url = (char *)"https://example.com/octo/hello.git",
		.number = number, .base_ref = (char *)"main",
		.base_sha = (char *)"1111111111111111111111111111111111111111",
		.head_sha = (char *)head,
	};
	return r;
}

#define HEAD_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEAD_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Enqueues req(delivery, number, head); it must be stored (or be a
 * duplicate when expect_duplicate). The job's id. */
static inline int64_t enqueue(struct queue *q, const char *delivery, long number,
			      const char *head, bool expect_duplicate)
{
	struct review_request r = req(delivery, number, head);
	struct rr_error err = { 0 };
	int64_t id = 0;
	bool dup = !expect_duplicate;
	if (queue_enqueue(q, &r, &id, &dup, &err) != RR_OK)
		fail_msg("enqueue %s: %s", delivery, err.msg);
	assert_int_equal(dup, expect_duplicate);
	assert_true(id > 0);
	return id;
}

/* Job id, which must exist; the caller frees it (job_free). */
static inline struct job get(struct queue *q, int64_t id)
{
	struct job j;
	struct rr_error err = { 0 };
	assert_int_equal(queue_get(q, id, &j, &err), RR_OK);
	return j;
}

static inline enum job_state state_of(struct queue *q, int64_t id)
{
	struct job j = get(q, id);
	enum job_state s = j.state;
	job_free(&j);
	return s;
}

#endif
