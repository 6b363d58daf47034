/*
 * engine.h — the review engine: parse a Rust file with tree-sitter and run the
 * rule table over it. Forge-agnostic; knows nothing about HTTP or queues.
 *
 * A review_engine holds a tree-sitter parser and compiled queries. It is not
 * thread-safe: create one per worker thread and reuse it across files and jobs.
 */
#ifndef RR_ENGINE_H
#define RR_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include "../common/rr.h"
#include "findings.h"
#include "lines.h"

struct review_engine;

int review_engine_new(struct review_engine **out, struct rr_error *err);
void review_engine_free(struct review_engine *e);

/*
 * Reviews the new text of one file. Findings whose first line is in `added`
 * (every line when added is NULL) are appended to out, already fingerprinted.
 * path decides production vs test/example/bench/build-script context and
 * library vs binary (print_stdout). Returns 0, or an error for allocation
 * failure; unparsable Rust still yields whatever the rules find in the parts
 * tree-sitter recovered (never an error for bad input).
 */
int review_engine_file(struct review_engine *e, const char *path, const char *src, size_t len,
		       const struct line_set *added, struct finding_list *out, struct rr_error *err);

/* The rule catalogue, for `rustreview rules` and `rustreview explain`. */
struct rule_info {
	const char *id;            /* clippy lint name where one corresponds */
	enum rr_severity severity;
	const char *summary;       /* one line */
	const char *explanation;   /* long text: what, why, how, examples */
	bool production_only;      /* exempt in test code, examples, benches, build.rs */
	bool has_fix;              /* may carry a machine-applicable replacement */
};
size_t rules_count(void);
const struct rule_info *rules_get(size_t i);
const struct rule_info *rules_find(const char *id);

#endif
