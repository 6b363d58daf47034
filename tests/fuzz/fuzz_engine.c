/*
 * fuzz_engine.c — libFuzzer target: the Rust analysis (tree-sitter + every
 * rule) on arbitrary bytes. Byte 0 picks the path, which decides production vs
 * test code and library vs binary; the rest is the file. Findings must point
 * inside the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/log.h"
#include "../../review/engine.h"
#include "../../review/findings.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct review_engine *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct rr_error err = { 0 };
	(void)argc;
	(void)argv;
	rr_log_set_level(RR_LOG_ERROR);
	if (review_engine_new(&engine, &err) != RR_OK)
		abort();
	return 0;
}

static uint32_t count_lines(const uint8_t *s, size_t n)
{
	uint32_t lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "src/lib.rs", "src/main.rs", "tests/it.rs",
					     "build.rs", "examples/demo.rs", "src/bin/tool.rs" };
	struct finding_list out = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	uint32_t lines;

	if (size < 1)
		return 0;
	lines = count_lines(data + 1, size - 1);
	if (review_engine_file(engine, paths[data[0] % 6], (const char *)data + 1, size - 1, NULL,
			       &out, &err) != RR_OK)
		abort();       /* bad input is never an error; only allocation failure is */
	for (size_t i = 0; i < out.n; i++) {
		const struct finding *f = &out.items[i];
		if (f->line < 1 || f->line > lines || f->end_line < f->line || f->end_line > lines ||
		    !f->rule_id || !f->message)
			abort();
	}
	finding_list_free(&out);
	return 0;
}
