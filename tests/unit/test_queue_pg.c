/* test_queue_pg.c — the queue contract (queue_contract.h) on a real
 * PostgreSQL 15 server the test starts (tests/e2e/pgserver.py), plus what
 * only a shared server does: another replica's enqueue wakes our workers. */
#include "queue_contract.h"

int main(void)
{
	const struct CMUnitTest tests[] = {
		CONTRACT_TESTS(setup_pg),
		cmocka_unit_test_setup_teardown(test_other_replica_enqueue_wakes_workers, setup_pg,
						teardown),
	};
	(void)setup_sqlite;
	return cmocka_run_group_tests(tests, pg_group_setup, pg_group_teardown);
}
