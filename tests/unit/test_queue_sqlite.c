/* test_queue_sqlite.c — the queue contract (queue_contract.h) on SQLite. */
#include "queue_contract.h"

int main(void)
{
	const struct CMUnitTest tests[] = { CONTRACT_TESTS(setup_sqlite) };
	(void)setup_pg;
	(void)pg_group_setup;
	(void)pg_group_teardown;
	(void)test_other_replica_enqueue_wakes_workers;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
