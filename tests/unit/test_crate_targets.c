/* test_crate_targets.c — which files are a program's modules, from their
 * package's targets (review.c: Cargo.toml [lib] / [[bin]] path, src/lib.rs,
 * the crate root that declares the module), seen through the rules that
 * leave programs alone (exit, print_stdout), over a real repository. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "git_testutil.h"
#include "review_testutil.h"

#include "../../review/config.h"

struct fixture {
	struct review_world w;
	git_oid base, head;
};
_Static_assert(offsetof(struct fixture, w) == 0, "review_fixture_new: the world comes first");

/* The same body in every file: an exit and a println! outside `main`. */
#define BODY "pub fn stop() {\n    println!(\"bye\");\n    std::process::exit(2);\n}\n"

static int build_fixture(struct fixture *fx)
{
	const char *d = fx->w.dir;

	if (gt_init(d) != 0 || gt_write_file(d, "README", "x\n") ||
	    tu_sh(GIT "add -A && " GIT "commit -qm base", d, d) != 0)
		return -1;
	/* prog: only a [[bin]] at crates/core/main.rs (no [lib], no src/lib.rs): its
	 *   modules beside main.rs are the program's.
	 * tool: src/main.rs and no library: src/ is the program's.
	 * both: src/lib.rs and src/main.rs; lib.rs declares `mod shared`, main.rs
	 *   declares `mod cli`: cli.rs is the program's, shared.rs the library's.
	 * lib: a [lib] table (path elsewhere) and a [[bin]]: files are taken for
	 *   the library's. */
	if (tu_sh(GIT "checkout -qb pr", d) != 0 ||
	    gt_write_file(d, "Cargo.toml", "[package]\nname = \"prog\"\n\n[[bin]]\nname = \"p\"\n"
					"path = \"crates/core/main.rs\"\n\n[dependencies]\nx = \"1\"\n") ||
	    gt_write_file(d, "crates/core/main.rs", "mod args;\nfn main() {}\n") ||
	    gt_write_file(d, "crates/core/args.rs", BODY) ||
	    gt_write_file(d, "tool/Cargo.toml", "[package]\nname = \"tool\"\n") ||
	    gt_write_file(d, "tool/src/main.rs", "mod run;\nfn main() {}\n") ||
	    gt_write_file(d, "tool/src/run.rs", BODY) ||
	    gt_write_file(d, "both/Cargo.toml", "[package]\nname = \"both\"\n") ||
	    gt_write_file(d, "both/src/lib.rs", "pub mod shared;\n") ||
	    gt_write_file(d, "both/src/main.rs", "mod cli;\nfn main() {}\n") ||
	    gt_write_file(d, "both/src/cli.rs", BODY) ||
	    gt_write_file(d, "both/src/shared.rs", BODY) ||
	    gt_write_file(d, "lib/Cargo.toml", "[package]\nname = \"lib\"\n[lib]\npath = \"code/lib.rs\"\n"
					    "[[bin]]\nname = \"l\"\npath = \"code/main.rs\"\n") ||
	    gt_write_file(d, "lib/code/lib.rs", "pub mod util;\n") ||
	    gt_write_file(d, "lib/code/util.rs", BODY) ||
	    tu_sh(GIT "add -A && " GIT "commit -qm pr", d, d) != 0)
		return -1;
	if (gt_rev_parse(d, "main", &fx->base) || gt_rev_parse(d, "pr", &fx->head))
		return -1;
	return review_world_open(&fx->w);
}

static int setup(void **state)
{
	struct fixture *fx = review_fixture_new(state, sizeof(*fx), "targets", RR_LOG_ERROR);

	if (!fx || build_fixture(fx) != 0) {
		review_fixture_teardown(state);
		return -1;
	}
	return 0;
}

/* "path:line:rule" of every exit and print_stdout finding, one per line. */
static char *program_rules(const struct finding_list *l)
{
	size_t cap = 4096, n = 0;
	char *s = calloc(1, cap);

	assert_non_null(s);
	for (size_t i = 0; i < l->n; i++) {
		const struct finding *f = &l->items[i];
		if (strcmp(f->rule_id, "exit") != 0 && strcmp(f->rule_id, "print_stdout") != 0)
			continue;
		n += (size_t)snprintf(s + n, cap - n, "%s:%u:%s\n", f->path, f->line, f->rule_id);
		assert_true(n < cap);
	}
	return s;
}

static void test_program_modules_are_not_library_code(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct rr_error err = { 0 };
	char *got;

	assert_int_equal(review_run_opts(fx->w.engine, fx->w.repo, &fx->base, &fx->head, NULL, NULL,
					 &out, NULL, &err), RR_OK);
	got = program_rules(&out);
	assert_string_equal(got,
			    "both/src/shared.rs:2:print_stdout\n"
			    "both/src/shared.rs:3:exit\n"
			    "lib/code/util.rs:2:print_stdout\n"
			    "lib/code/util.rs:3:exit\n");
	free(got);
	finding_list_free(&out);
}

/* The targets as config_cargo_parse reads them, [[bin]] tables kept by
 * cargo_sections among the dependencies it cuts. */
static void test_cargo_targets_parsed(void **state)
{
	static const char SRC[] = "[package]\nname = \"p\"\n[dependencies]\nx = \"1\"\n"
				  "[[bin]]\nname = \"a\"\npath = \"crates/core/main.rs\"\n"
				  "[[bin]]\nname = \"b\"\n[lib]\nname = \"p\"\n";
	struct cargo_lints c;
	struct rr_error err = { 0 };
	(void)state;

	assert_int_equal(config_cargo_parse(SRC, strlen(SRC), &c, &err), RR_OK);
	assert_true(c.has_lib);
	assert_int_equal(c.n_bin_paths, 1);
	assert_string_equal(c.bin_paths[0], "crates/core/main.rs");
	config_cargo_free(&c);
	assert_int_equal(config_cargo_parse("[package]\nname = \"q\"\n", 21, &c, &err), RR_OK);
	assert_false(c.has_lib);
	assert_int_equal(c.n_bin_paths, 0);
	config_cargo_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_program_modules_are_not_library_code),
		cmocka_unit_test(test_cargo_targets_parsed),
	};
	return cmocka_run_group_tests(tests, setup, review_fixture_teardown);
}
