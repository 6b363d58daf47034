/* test_lines.c — line_set: ranges, merging, span queries. */
#include "testutil.h"
#include "../../common/rr.h"
#include "../../review/lines.h"

static void test_in_order_lines_form_ranges(void **state)
{
	struct line_set s = LINE_SET_INIT;
	(void)state;
	for (uint32_t l = 3; l <= 5; l++)
		assert_int_equal(line_set_add(&s, l), 0);
	assert_int_equal(line_set_add(&s, 9), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ranges[0].start, 3);
	assert_int_equal(s.ranges[0].end, 5);
	assert_true(line_set_contains(&s, 4));
	assert_false(line_set_contains(&s, 6));
	assert_true(line_set_contains(&s, 9));
	assert_int_equal(line_set_count(&s), 4);
	line_set_free(&s);
}

static void test_out_of_order_lines_merge(void **state)
{
	struct line_set s = LINE_SET_INIT;
	(void)state;
	line_set_add(&s, 10);
	line_set_add(&s, 8);
	line_set_add(&s, 9);      /* bridges 8 and 10 */
	line_set_add(&s, 1);
	line_set_add(&s, 9);      /* duplicate */
	assert_int_equal(s.n, 2);
	assert_int_equal(s.ranges[0].start, 1);
	assert_int_equal(s.ranges[1].start, 8);
	assert_int_equal(s.ranges[1].end, 10);
	assert_int_equal(line_set_add(&s, 0), RR_EINVAL);
	line_set_free(&s);
}

static void test_span_must_lie_in_one_range(void **state)
{
	struct line_set s = LINE_SET_INIT;
	(void)state;
	line_set_add(&s, 2);
	line_set_add(&s, 3);
	line_set_add(&s, 5);
	assert_true(line_set_contains_span(&s, 2, 3));
	assert_false(line_set_contains_span(&s, 2, 5));
	assert_false(line_set_contains_span(&s, 3, 2));
	assert_true(line_set_contains_span(&s, 5, 5));
	line_set_free(&s);
}

static void test_add_range(void **state)
{
	struct line_set s = LINE_SET_INIT;
	(void)state;

	assert_int_equal(line_set_add_range(&s, 0, 3), RR_EINVAL);
	assert_int_equal(line_set_add_range(&s, 5, 4), RR_EINVAL);
	/* Into an empty set: one range, whatever its size. */
	assert_int_equal(line_set_add_range(&s, 1, 4000000000u), RR_OK);
	assert_int_equal(s.n, 1);
	assert_int_equal(line_set_count(&s), 4000000000u);
	assert_true(line_set_contains_span(&s, 1, 4000000000u));
	assert_false(line_set_contains(&s, 4000000001u));
	line_set_free(&s);
	/* Into a set that has lines: merged with its neighbours. */
	assert_int_equal(line_set_add(&s, 2), RR_OK);
	assert_int_equal(line_set_add(&s, 9), RR_OK);
	assert_int_equal(line_set_add_range(&s, 3, 8), RR_OK);
	assert_int_equal(s.n, 1);
	assert_true(line_set_contains_span(&s, 2, 9));
	assert_int_equal(line_set_count(&s), 8);
	line_set_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_lines_form_ranges),
		cmocka_unit_test(test_out_of_order_lines_merge),
		cmocka_unit_test(test_span_must_lie_in_one_range),
		cmocka_unit_test(test_add_range),
	};
	return cmocka_run_group_tests_name("lines", tests, NULL, NULL);
}
