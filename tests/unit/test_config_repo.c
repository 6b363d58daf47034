/* test_config_repo.c — TOML parsing, .rustreview.toml, Cargo.toml [lints], and
 * review_run_opts over a real repository: config from the base commit, Cargo
 * lints from the head, exclude globs, notices for broken files. */
#include "testutil.h"
#include "review_testutil.h"
#include "../../common/rr.h"
#include "../../common/log.h"
#include "../../review/config.h"
#include "../../review/review.h"
#include "../../review/toml.h"

/* --- TOML ------------------------------------------------------------------ */

static struct toml_value *parse_ok(const char *src)
{
	struct toml_value *doc = NULL;
	struct rr_error err = { 0 };
	if (toml_parse(src, strlen(src), &doc, &err) != RR_OK)
		fail_msg("toml_parse: %s\n%s", err.msg, src);
	return doc;
}

static void assert_parse_error(const char *src, const char *msg)
{
	struct toml_value *doc = NULL;
	struct rr_error err = { 0 };
	assert_int_equal(toml_parse(src, strlen(src), &doc, &err), RR_EINVAL);
	assert_null(doc);
	assert_string_equal(err.msg, msg);
}

static const char *str_at(const struct toml_value *doc, const char *path)
{
	const struct toml_value *v = toml_get_path(doc, path);
	if (!v || v->type != TOML_STRING)
		fail_msg("%s is not a string", path);
	return v->text;
}

static int64_t int_at(const struct toml_value *doc, const char *path)
{
	const struct toml_value *v = toml_get_path(doc, path);
	if (!v || v->type != TOML_INTEGER)
		fail_msg("%s is not an integer", path);
	return v->integer;
}

static void test_toml_strings(void **state)
{
	struct toml_value *doc;
	(void)state;
	doc = parse_ok("basic = \"tab\\there \\\"q\\\" \\u00e9\\U0001F600\"\n"
		       "literal = 'C:\\path\\*'\n"
		       "multi = \"\"\"\nline one\nline \\\n    two\"\"\"\n"
		       "raw = '''\nkeep \\n as is\n'''\n"
		       "empty = \"\"\n"
		       "\"quoted key\" = 'v'\n");
	assert_string_equal(str_at(doc, "basic"), "tab\there \"q\" \xc3\xa9\xf0\x9f\x98\x80");
	assert_string_equal(str_at(doc, "literal"), "C:\\path\\*");
	assert_string_equal(str_at(doc, "multi"), "line one\nline two");
	assert_string_equal(str_at(doc, "raw"), "keep \\n as is\n");
	assert_string_equal(str_at(doc, "empty"), "");
	assert_string_equal(toml_table_get(doc, "quoted key")->text, "v");
	assert_int_equal(toml_table_get(doc, "multi")->line, 3);
	toml_free(doc);
}

static void test_toml_numbers_booleans_dates(void **state)
{
	struct toml_value *doc;
	const struct toml_value *v;
	(void)state;
	doc = parse_ok("a = 1_000\nb = -17\nc = 0x1F\nd = 0o17\ne = 0b101\nf = +3\n"
		       "g = 9223372036854775807\nx = 1.5e3\nt = true\nn = false\n"
		       "when = 1979-05-27T07:32:00Z\nday = 1979-05-27\n");
	assert_int_equal(int_at(doc, "a"), 1000);
	assert_int_equal(int_at(doc, "b"), -17);
	assert_int_equal(int_at(doc, "c"), 31);
	assert_int_equal(int_at(doc, "d"), 15);
	assert_int_equal(int_at(doc, "e"), 5);
	assert_int_equal(int_at(doc, "f"), 3);
	assert_true(int_at(doc, "g") == INT64_MAX);
	v = toml_table_get(doc, "x");
	assert_int_equal(v->type, TOML_FLOAT);
	assert_true(v->number == 1500.0);
	assert_true(toml_table_get(doc, "t")->boolean);
	assert_false(toml_table_get(doc, "n")->boolean);
	assert_int_equal(toml_table_get(doc, "when")->type, TOML_DATETIME);
	assert_string_equal(toml_table_get(doc, "when")->text, "1979-05-27T07:32:00Z");
	assert_string_equal(toml_table_get(doc, "day")->text, "1979-05-27");
	toml_free(doc);
}

static void test_toml_tables_arrays_dotted_keys(void **state)
{
	struct toml_value *doc;
	const struct toml_value *v;
	(void)state;
	doc = parse_ok("# comment\n"
		       "top.level.key = 1\n"
		       "arr = [\"a\", 'b', [1, 2], { x = 1 }, ] # trailing comma\n"
		       "[lints.clippy]\n"
		       "unwrap_used = { level = \"allow\", priority = -1 }\n"
		       "[workspace.lints.clippy]\n"
		       "all = \"deny\"\n"
		       "[[bin]]\nname = \"one\"\n[[bin]]\nname = \"two\"\n"
		       "[bin.extra]\nk = 'v'\n");
	assert_int_equal(int_at(doc, "top.level.key"), 1);
	v = toml_table_get(doc, "arr");
	assert_int_equal(v->type, TOML_ARRAY);
	assert_int_equal(v->n, 4);
	assert_string_equal(v->items[1]->text, "b");
	assert_int_equal(v->items[2]->type, TOML_ARRAY);
	assert_int_equal(v->items[2]->items[1]->integer, 2);
	assert_int_equal(int_at(v->items[3], "x"), 1);
	assert_string_equal(str_at(doc, "lints.clippy.unwrap_used.level"), "allow");
	assert_int_equal(int_at(doc, "lints.clippy.unwrap_used.priority"), -1);
	assert_int_equal(toml_get_path(doc, "lints.clippy")->line, 4);
	assert_string_equal(str_at(doc, "workspace.lints.clippy.all"), "deny");
	v = toml_table_get(doc, "bin");
	assert_int_equal(v->n, 2);
	assert_string_equal(str_at(v->items[0], "name"), "one");
	assert_string_equal(str_at(v->items[1], "name"), "two");
	assert_string_equal(str_at(v->items[1], "extra.k"), "v");   /* [bin.extra] extends the last */
	assert_null(toml_get_path(doc, "lints.nope"));
	toml_free(doc);
}

static void test_toml_errors_have_line_numbers(void **state)
{
	(void)state;
	assert_parse_error("a = 1\nb = \n", "line 2: syntax error near `b = `");
	assert_parse_error("a = 1\n[t]\nx = 1\nx = 2\n", "line 4: duplicate key `x`");
	assert_parse_error("[t]\n[t]\n", "line 2: table defined twice: `t`");
	assert_parse_error("a = 1\n[a.b]\n", "line 2: key is already a value, not a table: `a`");
	assert_parse_error("t = { x = 1 }\nt.y = 2\n", "line 2: inline table cannot be extended: `t`");
	assert_parse_error("\n\ns = \"bad \\q escape\"\n", "line 3: syntax error near `s = \"bad \\q escape\"`");
	/* the grammar takes any 4 hex digits; a lone surrogate is not a character */
	assert_parse_error("\ns = \"\\uD800\"\n", "line 2: invalid escape sequence in string");
	assert_parse_error("n = 99999999999999999999\n", "line 1: integer out of range or malformed");
	{
		struct toml_value *doc = NULL;
		struct rr_error err = { 0 };
		assert_int_equal(toml_parse("x = \"\0\"", 7, &doc, &err), RR_EINVAL);
		assert_string_equal(err.msg, "not a text file (NUL byte)");
	}
}

static void test_toml_deep_nesting_is_an_error(void **state)
{
	struct rr_buf b = RR_BUF_INIT;
	struct toml_value *doc = NULL;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(rr_buf_puts(&b, "x = "), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(rr_buf_puts(&b, "["), 0);
	for (int i = 0; i < 200; i++)
		assert_int_equal(rr_buf_puts(&b, "]"), 0);
	assert_int_equal(toml_parse(b.data, b.len, &doc, &err), RR_EINVAL);
	assert_string_equal(err.msg, "line 1: values nested too deeply");
	rr_buf_free(&b);
}

/* --- .rustreview.toml ------------------------------------------------------ */

static void test_repo_config_all_settings(void **state)
{
	const char *src = "max_comments = 12\n"
			  "fail_on = \"error\"\n"
			  "exclude = [\"generated/**\", '**/*_pb.rs']\n"
			  "[rules]\n"
			  "unwrap_used = \"off\"\n"
			  "len_zero = \"error\"\n"
			  "ptr_arg = 'note'\n";
	struct review_options o;
	struct rr_error err = { 0 };
	(void)state;
	review_options_init(&o);
	assert_int_equal(o.fail_on, RR_SEV_NOTE);
	assert_int_equal(config_repo_parse(src, strlen(src), &o, &err), RR_OK);
	assert_int_equal(o.max_comments, 12);
	assert_int_equal(o.fail_on, RR_SEV_ERROR);
	assert_int_equal(o.n_exclude, 2);
	assert_string_equal(o.exclude[1], "**/*_pb.rs");
	assert_int_equal(o.level[review_rule_index("unwrap_used")], REVIEW_LEVEL_OFF);
	assert_int_equal(o.level[review_rule_index("len_zero")], REVIEW_LEVEL_ERROR);
	assert_int_equal(o.level[review_rule_index("ptr_arg")], REVIEW_LEVEL_NOTE);
	assert_int_equal(o.level[review_rule_index("expect_used")], REVIEW_LEVEL_DEFAULT);
	assert_true(review_options_excludes(&o, "generated/x/y.rs"));
	assert_true(review_options_excludes(&o, "src/api_pb.rs"));
	assert_false(review_options_excludes(&o, "src/lib.rs"));
	assert_false(review_options_fails(&o, RR_SEV_WARNING));
	assert_true(review_options_fails(&o, RR_SEV_ERROR));
	review_options_free(&o);
}

static void assert_repo_config_error(const char *src, const char *msg);

/* test_paths: files there are test code, so production-only rules skip them;
 * and the walk's own test scopes (#[cfg(loom)], test-only features). */
static void test_repo_config_test_paths(void **state)
{
	const char *conf = "test_paths = [\"crates/kit/**\", '**/mock_*.rs']\n";
	const char *rs = "pub fn f(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n"
			 "#[cfg(loom)]\nmod model {\n    fn g(x: Option<u8>) -> u8 { x.unwrap() }\n}\n"
			 "#[cfg(feature = \"test-util\")]\n"
			 "pub fn h(x: Option<u8>) -> u8 { x.unwrap() }\n";
	struct review_engine *e = NULL;
	struct review_options o;
	struct finding_list l = FINDING_LIST_INIT;
	struct rr_error err = { 0 };

	(void)state;
	review_options_init(&o);
	assert_int_equal(config_repo_parse(conf, strlen(conf), &o, &err), RR_OK);
	assert_int_equal(o.n_test_paths, 2);
	assert_true(review_options_test_path(&o, "crates/kit/src/lib.rs"));
	assert_true(review_options_test_path(&o, "src/net/mock_server.rs"));
	assert_false(review_options_test_path(&o, "src/lib.rs"));
	assert_int_equal(review_engine_new(&e, &err), RR_OK);
	assert_int_equal(review_engine_file_opts(e, "crates/kit/src/lib.rs", rs, strlen(rs), NULL,
						 &o, &l, &err), RR_OK);
	assert_int_equal(l.n, 0);
	assert_int_equal(review_engine_file_opts(e, "src/lib.rs", rs, strlen(rs), NULL, &o, &l,
						 &err), RR_OK);
	assert_int_equal(l.n, 1);        /* only f: g is loom's, h a test-only feature's */
	assert_string_equal(l.items[0].rule_id, "unwrap_used");
	assert_int_equal(l.items[0].line, 2);
	finding_list_free(&l);
	review_engine_free(e);
	assert_repo_config_error("test_paths = 'x'\n", "line 1: `test_paths` must be an array of path globs");
	review_options_free(&o);
}

static void assert_repo_config_error(const char *src, const char *msg)
{
	struct review_options o;
	struct rr_error err = { 0 };
	review_options_init(&o);
	o.max_comments = 7;      /* a failed parse leaves what was there */
	assert_int_equal(config_repo_parse(src, strlen(src), &o, &err), RR_ECONFIG);
	assert_string_equal(err.msg, msg);
	assert_int_equal(o.max_comments, 7);
	assert_int_equal(o.n_exclude, 0);
	review_options_free(&o);
}

static void test_repo_config_errors(void **state)
{
	(void)state;
	assert_repo_config_error("exclude = ['a/**']\n[rules]\nnope = \"off\"\n",
				 "line 3: unknown rule `nope` in [rules] (`rustreview rules` lists them)");
	assert_repo_config_error("[rules]\nunwrap_used = \"allow\"\n",
				 "line 2: rules.unwrap_used must be \"off\", \"note\", \"warning\" or "
				 "\"error\"");
	assert_repo_config_error("fail_on = \"off\"\n",
				 "line 1: `fail_on` must be \"note\", \"warning\", \"error\" or \"never\"");
	assert_repo_config_error("\nmax_comments = 0\n",
				 "line 2: `max_comments` must be an integer from 1 to 1000");
	assert_repo_config_error("exclude = \"generated/**\"\n",
				 "line 1: `exclude` must be an array of path globs");
	assert_repo_config_error("exclude = [1]\n",
				 "line 1: `exclude` entries must be non-empty strings");
	assert_repo_config_error("max_coments = 3\n",
				 "line 1: unknown setting `max_coments` (expected rules, exclude, test_paths, "
				 "max_comments, fail_on, comments)");
	assert_repo_config_error("comments = 3\n", "line 1: `comments` must be a table");
	assert_repo_config_error("[comments]\ngroup_after = -1\n",
				 "line 2: `comments.group_after` must be an integer from 0 to 1000");
	assert_repo_config_error("[comments]\nper_rule_budget = \"10\"\n",
				 "line 2: `comments.per_rule_budget` must be an integer from 0 to 1000");
	assert_repo_config_error("[comments]\ngroup = 3\n",
				 "line 2: unknown setting `comments.group` (expected group_after, "
				 "per_rule_budget)");
	assert_repo_config_error("[rules\n", "line 1: syntax error near `[rules`");
}

/* [comments]: each setting is optional and 0 is a value (never group, no budget). */
static void test_comments_settings(void **state)
{
	const char *src = "[comments]\ngroup_after = 0\nper_rule_budget = 25\n";
	struct review_options o;
	struct rr_error err = { 0 };
	(void)state;
	review_options_init(&o);
	assert_false(o.group_after_set);
	assert_false(o.per_rule_budget_set);
	assert_int_equal(config_repo_parse(src, strlen(src), &o, &err), RR_OK);
	assert_true(o.group_after_set);
	assert_int_equal(o.group_after, 0);
	assert_true(o.per_rule_budget_set);
	assert_int_equal(o.per_rule_budget, 25);
	review_options_free(&o);
	src = "[comments]\ngroup_after = 5\n";
	assert_int_equal(config_repo_parse(src, strlen(src), &o, &err), RR_OK);
	assert_int_equal(o.group_after, 5);
	assert_false(o.per_rule_budget_set);
	review_options_free(&o);
}

static void test_fail_on_never(void **state)
{
	const char *src = "fail_on = \"never\"\n";
	struct review_options o;
	struct rr_error err = { 0 };
	(void)state;
	review_options_init(&o);
	assert_int_equal(config_repo_parse(src, strlen(src), &o, &err), RR_OK);
	assert_false(review_options_fails(&o, RR_SEV_ERROR));
	assert_true(review_options_fails(NULL, RR_SEV_NOTE));
	review_options_free(&o);
}

/* --- Cargo.toml ------------------------------------------------------------ */

static void test_cargo_levels_groups_and_priority(void **state)
{
	const char *src = "[package]\nname = \"x\"\n"
			  "[lints.rust]\nunsafe_code = \"forbid\"\n"
			  "[lints.clippy]\n"
			  "restriction = { level = \"deny\", priority = -1 }\n"
			  "unwrap_used = \"allow\"\n"
			  "all = \"warn\"\n"
			  "len_zero = { level = \"allow\", priority = 1 }\n";
	struct cargo_lints c;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(config_cargo_parse(src, strlen(src), &c, &err), RR_OK);
	/* restriction (priority -1) first, then the single lint overrides it */
	assert_int_equal(c.member[review_rule_index("unwrap_used")], REVIEW_LEVEL_OFF);
	assert_int_equal(c.member[review_rule_index("expect_used")], REVIEW_LEVEL_ERROR);
	/* len_zero is style: all = warn, then its own priority-1 allow */
	assert_int_equal(c.member[review_rule_index("len_zero")], REVIEW_LEVEL_OFF);
	assert_int_equal(c.member[review_rule_index("ptr_arg")], REVIEW_LEVEL_WARNING);
	/* blocking_in_async is ours, not clippy's: no group reaches it */
	assert_int_equal(c.member[review_rule_index("blocking_in_async")], REVIEW_LEVEL_DEFAULT);
	assert_false(c.inherits_workspace);
	assert_false(c.is_workspace_root);
	config_cargo_free(&c);
}

static void test_cargo_workspace_tables(void **state)
{
	const char *root = "[workspace]\nmembers = [\"crates/*\"]\n"
			   "[workspace.lints.clippy]\nunwrap_used = \"deny\"\n";
	const char *member = "[package]\nname = \"a\"\nworkspace = \"../..\"\n[lints]\nworkspace = true\n";
	struct cargo_lints c;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(config_cargo_parse(root, strlen(root), &c, &err), RR_OK);
	assert_true(c.is_workspace_root);
	assert_int_equal(c.workspace[review_rule_index("unwrap_used")], REVIEW_LEVEL_ERROR);
	assert_int_equal(c.member[review_rule_index("unwrap_used")], REVIEW_LEVEL_DEFAULT);
	config_cargo_free(&c);
	assert_int_equal(config_cargo_parse(member, strlen(member), &c, &err), RR_OK);
	assert_true(c.inherits_workspace);
	assert_string_equal(c.workspace_path, "../..");
	config_cargo_free(&c);
}

static void test_cargo_bad_level(void **state)
{
	const char *src = "[lints.clippy]\n\nunwrap_used = \"loud\"\n";
	struct cargo_lints c;
	struct rr_error err = { 0 };
	(void)state;
	assert_int_equal(config_cargo_parse(src, strlen(src), &c, &err), RR_ECONFIG);
	assert_string_equal(err.msg,
			    "line 3: lint `unwrap_used`: level must be allow, warn, deny or forbid");
}

static void test_groups(void **state)
{
	(void)state;
	assert_string_equal(config_clippy_group("unwrap_used"), "restriction");
	assert_string_equal(config_clippy_group("ptr_arg"), "style");
	assert_null(config_clippy_group("blocking_in_async"));
	assert_true(config_group_has("all", "len_zero"));
	assert_true(config_group_has("all", "await_holding_lock"));
	assert_false(config_group_has("all", "unwrap_used"));
	assert_true(config_group_has("restriction", "unwrap_used"));
	assert_true(config_is_clippy_group("pedantic"));
	assert_false(config_is_clippy_group("unwrap_used"));
}

static void test_notice_text(void **state)
{
	char *n = config_notice(".rustreview.toml", "base", "line 3: unknown rule `nope`");
	(void)state;
	assert_string_equal(n, "**rustreview could not use `.rustreview.toml`** from the base commit:\n\n"
			       "```\nline 3: unknown rule 'nope'\n```\n\n"
			       "This review ran with the default settings for what that file "
			       "configures. Fix the file to apply it.\n");
	free(n);
}

/* --- review_run_opts over a real repository --------------------------------- */

struct fixture {
	struct review_world w;
	git_oid base, head, bad;
};
_Static_assert(offsetof(struct fixture, w) == 0, "review_fixture_new: the world comes first");

static int build_fixture(struct fixture *fx)
{
	const char *d = fx->w.dir;

	if (gt_init(d) != 0)
		return -1;
	/* base: the repository's settings and the workspace */
	if (gt_write_file(d, ".rustreview.toml",
		       "exclude = [\"generated/**\"]\n[rules]\nunwrap_used = \"error\"\nptr_arg = \"off\"\n") ||
	    gt_write_file(d, "Cargo.toml", "[workspace]\nmembers = [\"crates/*\"]\n"
					"[workspace.lints.clippy]\nlen_zero = \"allow\"\n") ||
	    gt_write_file(d, "crates/a/Cargo.toml", "[package]\nname = \"a\"\n[lints]\nworkspace = true\n") ||
	    gt_write_file(d, "crates/b/Cargo.toml", "[package]\nname = \"b\"\n[lints.clippy]\n"
						 "unwrap_used = \"allow\"\nexpect_used = \"deny\"\n") ||
	    tu_sh(GIT "add -A && " GIT "commit -qm base", d, d) != 0)
		return -1;
	/* the PR tries to switch unwrap_used off in .rustreview.toml: ignored (base wins) */
	if (tu_sh(GIT "checkout -qb pr", d) != 0 ||
	    gt_write_file(d, ".rustreview.toml", "[rules]\nunwrap_used = \"off\"\n") ||
	    gt_write_file(d, "crates/a/src/lib.rs", "pub fn a(v: Option<u8>, w: &Vec<u8>) -> bool {\n"
						 "    v.unwrap();\n    w.len() == 0\n}\n") ||
	    gt_write_file(d, "crates/b/src/lib.rs", "pub fn b(v: Option<u8>) -> u8 {\n"
						 "    v.expect(\"x\") + v.unwrap()\n}\n") ||
	    gt_write_file(d, "crates/c/Cargo.toml", "[lints.clippy\nbroken\n") ||
	    gt_write_file(d, "crates/c/src/lib.rs", "pub fn c(v: Option<u8>) -> u8 {\n    v.unwrap()\n}\n") ||
	    gt_write_file(d, "generated/x.rs", "pub fn g(v: Option<u8>) -> u8 {\n    v.unwrap()\n}\n") ||
	    tu_sh(GIT "add -A && " GIT "commit -qm pr", d, d) != 0)
		return -1;
	/* a branch whose base config is broken */
	if (tu_sh(GIT "checkout -qb bad main", d) != 0 ||
	    gt_write_file(d, ".rustreview.toml", "[rules]\n\nunwrap_usd = \"off\"\n") ||
	    tu_sh(GIT "add -A && " GIT "commit -qm bad", d, d) != 0)
		return -1;
	if (gt_rev_parse(d, "main", &fx->base) || gt_rev_parse(d, "pr", &fx->head) ||
	    gt_rev_parse(d, "bad", &fx->bad))
		return -1;
	return review_world_open(&fx->w);
}

static int setup(void **state)
{
	struct fixture *fx;

	fx = review_fixture_new(state, sizeof(*fx), "config", RR_LOG_ERROR);
	if (!fx || build_fixture(fx) != 0) {
		review_fixture_teardown(state);
		return -1;
	}
	return 0;
}

static void assert_finding(const struct finding *f, const char *path, uint32_t line,
			   const char *rule, enum rr_severity sev)
{
	assert_string_equal(f->path, path);
	assert_int_equal(f->line, line);
	assert_string_equal(f->rule_id, rule);
	assert_int_equal(f->severity, sev);
}

/* Keeps only the rules this test is about, so rules added later do not shift indexes. */
static void keep_rules(struct finding_list *l)
{
	static const char *const ours[] = { "unwrap_used", "expect_used", "ptr_arg", "len_zero" };
	for (size_t i = 0; i < l->n;) {
		bool keep = false;
		for (size_t k = 0; k < sizeof(ours) / sizeof(ours[0]); k++)
			keep |= strcmp(l->items[i].rule_id, ours[k]) == 0;
		if (keep)
			i++;
		else
			finding_list_remove(l, i);
	}
}

static void test_review_with_base_config_and_head_cargo_lints(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct review_options o;
	struct review_stats st;
	struct rr_error err = { 0 };

	review_options_init(&o);
	assert_int_equal(review_load_repo_config(fx->w.repo, &fx->base, &o, &err), RR_OK);
	assert_int_equal(review_run_opts(fx->w.engine, fx->w.repo, &fx->base, &fx->head, NULL, &o, &out,
					 &st, &err), RR_OK);
	keep_rules(&out);
	/* a: unwrap is an error (base config); &Vec is off (base config); len_zero
	 *    is allowed by [workspace.lints] through `lints.workspace = true`.
	 * b: Cargo denies expect_used -> error; Cargo allows unwrap_used but the
	 *    repository config (error) wins.
	 * c: its Cargo.toml is broken: defaults for Cargo, a notice; the base config still applies.
	 * generated/x.rs: excluded. */
	assert_int_equal(out.n, 4);
	assert_finding(&out.items[0], "crates/a/src/lib.rs", 2, "unwrap_used", RR_SEV_ERROR);
	assert_finding(&out.items[1], "crates/b/src/lib.rs", 2, "expect_used", RR_SEV_ERROR);
	assert_finding(&out.items[2], "crates/b/src/lib.rs", 2, "unwrap_used", RR_SEV_ERROR);
	assert_finding(&out.items[3], "crates/c/src/lib.rs", 2, "unwrap_used", RR_SEV_ERROR);
	assert_int_equal(st.files_excluded, 1);
	assert_int_equal(st.files_reviewed, 3);
	assert_non_null(out.notice);
	assert_string_equal(out.notice,
			    "**rustreview could not use `crates/c/Cargo.toml`** from the head commit:\n\n"
			    "```\nline 1: syntax error near '[lints.clippy'\n```\n\n"
			    "This review ran with the default settings for what that file configures. "
			    "Fix the file to apply it.\n");
	finding_list_free(&out);
	review_options_free(&o);
}

static void test_review_without_options_uses_defaults(void **state)
{
	struct fixture *fx = *state;
	struct finding_list out = FINDING_LIST_INIT;
	struct rr_error err = { 0 };

	/* Still the Cargo levels of the head; no repository config: ptr_arg and
	 * generated/ come back, b's unwrap is allowed by its Cargo.toml. */
	assert_int_equal(review_run_opts(fx->w.engine, fx->w.repo, &fx->base, &fx->head, NULL, NULL,
					 &out, NULL, &err), RR_OK);
	keep_rules(&out);
	assert_int_equal(out.n, 5);
	assert_finding(&out.items[0], "crates/a/src/lib.rs", 1, "ptr_arg", RR_SEV_WARNING);
	assert_finding(&out.items[1], "crates/a/src/lib.rs", 2, "unwrap_used", RR_SEV_WARNING);
	assert_finding(&out.items[2], "crates/b/src/lib.rs", 2, "expect_used", RR_SEV_ERROR);
	assert_finding(&out.items[3], "crates/c/src/lib.rs", 2, "unwrap_used", RR_SEV_WARNING);
	assert_finding(&out.items[4], "generated/x.rs", 2, "unwrap_used", RR_SEV_WARNING);
	finding_list_free(&out);
}

static void test_bad_base_config_is_reported(void **state)
{
	struct fixture *fx = *state;
	struct review_options o;
	struct rr_error err = { 0 };

	review_options_init(&o);
	assert_int_equal(review_load_repo_config(fx->w.repo, &fx->bad, &o, &err), RR_ECONFIG);
	assert_string_equal(err.msg, ".rustreview.toml: line 3: unknown rule `unwrap_usd` in [rules] "
				     "(`rustreview rules` lists them)");
	assert_int_equal(o.level[review_rule_index("unwrap_used")], REVIEW_LEVEL_DEFAULT);
	/* no file at all is fine */
	assert_int_equal(review_load_repo_config(fx->w.repo, &fx->head, &o, &err), RR_OK);
	assert_int_equal(o.level[review_rule_index("unwrap_used")], REVIEW_LEVEL_OFF);
	review_options_free(&o);
}

int main(void)
{
	/* One group (the summary line counts one group): the repository fixture is
	 * built once; the parsing tests ignore it. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toml_strings),
		cmocka_unit_test(test_toml_numbers_booleans_dates),
		cmocka_unit_test(test_toml_tables_arrays_dotted_keys),
		cmocka_unit_test(test_toml_errors_have_line_numbers),
		cmocka_unit_test(test_toml_deep_nesting_is_an_error),
		cmocka_unit_test(test_repo_config_all_settings),
		cmocka_unit_test(test_repo_config_errors),
		cmocka_unit_test(test_repo_config_test_paths),
		cmocka_unit_test(test_fail_on_never),
		cmocka_unit_test(test_comments_settings),
		cmocka_unit_test(test_cargo_levels_groups_and_priority),
		cmocka_unit_test(test_cargo_workspace_tables),
		cmocka_unit_test(test_cargo_bad_level),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_notice_text),
		cmocka_unit_test(test_review_with_base_config_and_head_cargo_lints),
		cmocka_unit_test(test_review_without_options_uses_defaults),
		cmocka_unit_test(test_bad_base_config_is_reported),
	};
	return cmocka_run_group_tests(tests, setup, review_fixture_teardown);
}
