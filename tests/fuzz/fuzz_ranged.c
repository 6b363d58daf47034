/*
 * fuzz_ranged.c — libFuzzer target: ranged parsing against the whole-file
 * parse (review/ranges.c, engine.c). Byte 0 picks the path and the rule set
 * (default or every rule), bytes 1-8 seed the random set of added lines
 * (one line, one run, or a few runs), the rest is the file: seeded with real
 * files (tests/corpus, the hyper and ripgrep corpora: seeds.py). The findings
 * of an engine that parses in ranges must equal, field by field, those of an
 * engine that parses every file whole.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/log.h"
#include "../unit/ranged_testutil.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct review_engine *ranged, *whole;
static struct review_options all_rules;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rr_error err = { 0 };
	(void)argc;
	(void)argv;
	rr_log_set_level(RR_LOG_ERROR);
	if (review_engine_new(&ranged, &err) != RR_OK || review_engine_new(&whole, &err) != RR_OK)
		abort();
	review_engine_set_ranged(whole, false);
	rt_all_rules(&all_rules);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "src/lib.rs", "src/main.rs", "tests/it.rs",
					     "examples/demo.rs" };
	struct line_set added = LINE_SET_INIT;
	const char *src = (const char *)data + 9, *diff;
	size_t len;
	uint64_t seed = 0;
	char why[600];

	if (size < 9)
		return 0;
	memcpy(&seed, data + 1, 8);
	seed |= 1;                       /* xorshift needs a non-zero state */
	len = size - 9;
	if (rt_random_added(&added, rt_lines(src, len), &seed) != 0)
		abort();
	diff = rt_compare(ranged, whole, paths[data[0] % 4], src, len, &added,
			  (data[0] & 4) ? &all_rules : NULL, why, sizeof(why));
	if (diff) {
		fprintf(stderr, "fuzz_ranged: ranged != whole on %s, added lines", paths[data[0] % 4]);
		for (size_t i = 0; i < added.n; i++)
			fprintf(stderr, " %u-%u", added.ranges[i].start, added.ranges[i].end);
		fprintf(stderr, ": %s\n", diff);
		abort();
	}
	line_set_free(&added);
	return 0;
}
