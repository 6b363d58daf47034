/*
 * introduced.c — new findings only: drops the findings of a review that the
 * base version of the code already had (see introduced.h).
 */
#include "introduced.h"

#include <stdlib.h>
#include <string.h>

#include "rust.h"

/* A finding's code is the smallest node that holds its span, grown through
 * its parents while it is a bare token or shorter than CODE_MIN bytes: a
 * lone `unsafe` keyword is not code enough to be recognised, while
 * `tx.take().unwrap()` is, and leaving out the rest of its statement lets an
 * edit elsewhere in that statement (a renamed variable, a field removed from
 * a pattern) leave the finding where it was. */
#define CODE_MIN 12
/* Base files larger than this are not read (the engine's own default cap). */
#define BASE_MAX_BYTES ((size_t)4 << 20)

static const char *introduced_git_message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

/* --- normalised code ------------------------------------------------------- */

/* Containers of statements, arms, fields and items: code stops growing below
 * them, so what surrounds a statement (a new `if`, a closure, another fn)
 * does not change the statement's code. */
static bool code_stops_at(TSNode n)
{
	enum rust_kind k = rust_node_kind(n);
	const char *t;

	if (k == RK_BLOCK || k == RK_DECLARATION_LIST || k == RK_SOURCE_FILE)
		return true;
	t = ts_node_type(n);
	return strcmp(t, "match_block") == 0 || strcmp(t, "field_declaration_list") == 0 ||
	       strcmp(t, "enum_variant_list") == 0 || strcmp(t, "field_initializer_list") == 0;
}

static bool is_closer(const char *tok, size_t n)
{
	return n == 1 && (tok[0] == ')' || tok[0] == ']' || tok[0] == '}');
}

/* Appends one token: no whitespace, and a `,` right before a closing
 * delimiter is dropped (rustfmt adds it when it wraps a list). */
static int code_append(struct rr_buf *b, const char *tok, size_t n)
{
	if (is_closer(tok, n) && b->len > 0 && b->data[b->len - 1] == ',')
		b->len--;
	for (size_t i = 0; i < n; i++)
		if (tok[i] != ' ' && tok[i] != '\t' && tok[i] != '\n' && tok[i] != '\r')
			if (rr_buf_append(b, tok + i, 1))
				return RR_ENOMEM;
	return RR_OK;
}

static bool is_literal_token(enum rust_kind k)
{
	return k == RK_STRING_LITERAL || k == RK_RAW_STRING_LITERAL || k == RK_CHAR_LITERAL;
}

/* The tokens of n's subtree that start before `limit`, comments left out;
 * string and char literals verbatim (their spaces are part of the code). */
static int code_tokens(TSNode n, const char *src, uint32_t limit, struct rr_buf *b)
{
	TSTreeCursor c = ts_tree_cursor_new(n);
	int rc = RR_OK;

	for (;;) {
		TSNode cur = ts_tree_cursor_current_node(&c);
		enum rust_kind k = rust_node_kind(cur);
		bool descend = true;
		if (ts_node_start_byte(cur) >= limit)
			break;
		if (k == RK_LINE_COMMENT || k == RK_BLOCK_COMMENT) {
			descend = false;
		} else if (is_literal_token(k)) {
			if (rr_buf_append(b, rust_node_ptr(cur, src), rust_node_len(cur)))
				rc = RR_ENOMEM;
			descend = false;
		} else if (ts_node_child_count(cur) == 0) {
			rc = code_append(b, rust_node_ptr(cur, src), rust_node_len(cur));
		}
		if (rc || !rust_cursor_next(&c, descend))
			break;
	}
	ts_tree_cursor_delete(&c);
	return rc;
}

char *introduced_code(TSNode root, const char *src, uint32_t start, uint32_t end)
{
	TSNode node = ts_node_descendant_for_byte_range(root, start, end), body;
	struct rr_buf b = RR_BUF_INIT;
	uint32_t limit;

	if (ts_node_is_null(node))
		return rr_strdup("");
	while (!ts_node_is_named(node) || ts_node_child_count(node) == 0 ||
	       rust_node_len(node) < CODE_MIN) {
		TSNode parent = ts_node_parent(node);
		if (ts_node_is_null(parent) || code_stops_at(parent))
			break;
		node = parent;
	}
	/* An item is its header: its body's statements are code of their own. */
	body = rust_child_by_field(node, RF_BODY);
	limit = !ts_node_is_null(body) && ts_node_start_byte(body) >= end ? ts_node_start_byte(body)
									   : ts_node_end_byte(node);
	if (code_tokens(node, src, limit, &b) || rr_buf_append(&b, "", 0)) {
		rr_buf_free(&b);
		return NULL;
	}
	if (!b.data)
		return rr_strdup("");
	return rr_buf_detach(&b);
}

/* Whitespace removed and a `,` before a closer dropped, everywhere: a cheap
 * test of whether a base file can hold a finding's code at all. Comments stay,
 * so a base statement with a comment inside is not found this way (its
 * finding then counts as new: the safe side). */
static size_t squeeze(const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		if ((c == ')' || c == ']' || c == '}') && o > 0 && out[o - 1] == ',')
			o--;
		out[o++] = c;
	}
	return o;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether squeeze(text) holds needle[0..n) starting at the text's byte at:
 * the same comparison without squeezing the text (a `,` of the text whose
 * next non-blank byte is a closer is one squeeze drops). */
static bool squeezed_match_at(const char *text, size_t len, size_t at, const char *needle,
			      size_t n)
{
	size_t k = 0;

	for (size_t i = at; k < n; i++) {
		while (i < len && is_blank(text[i]))
			i++;
		if (i >= len)
			return false;
		if (text[i] == ',') {
			size_t j = i + 1;
			while (j < len && is_blank(text[j]))
				j++;
			if (j < len && (text[j] == ')' || text[j] == ']' || text[j] == '}'))
				continue;        /* dropped by squeeze */
		}
		if (text[i] != needle[k++])
			return false;
	}
	return true;
}

bool introduced_squeezed_contains(const char *text, size_t len, const char *needle, size_t n)
{
	const char *p = text, *end = text + len;

	/* A squeezed needle starts with neither a blank nor (being squeezed
	 * itself) a dropped `,`: each place the text has its first byte is where
	 * a match can start. memchr finds those at memory speed, and most fail
	 * at once; squeezing a whole base file first cost 13 instructions a byte. */
	if (n == 0)
		return false;
	for (; p < end && (p = memchr(p, needle[0], (size_t)(end - p))); p++)
		if (squeezed_match_at(text, len, (size_t)(p - text), needle, n))
			return true;
	return false;
}

/* --- the two versions of changed files -------------------------------------- */

/* One version (base or head) of one file, read and parsed on demand. */
struct side_file {
	char *path;
	bool head;                 /* from the head tree, else from the merge base's */
	bool present;              /* a blob of at most BASE_MAX_BYTES is there */
	char *text;
	size_t len;
	bool parsed;
	struct finding_list found; /* its findings (all rules, every line), once parsed */
	bool *used;                /* found.items[i] matched code that moved here */
};

struct side_set {
	struct review_engine *e;
	git_repository *repo;
	git_tree *base_tree;       /* the merge base's tree */
	git_tree *head_tree;
	struct review_options all_on;
	struct side_file *v;
	size_t n, cap;
	struct introduced_stats *stats;
};

static void side_set_free(struct side_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].text);
		free(s->v[i].used);
		finding_list_free(&s->v[i].found);
	}
	free(s->v);
	git_tree_free(s->base_tree);
	git_tree_free(s->head_tree);
}

/* Reads f's blob (absent or too big: not present). */
static int side_load(struct side_set *s, struct side_file *f, struct rr_error *err)
{
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc = RR_OK;

	if (git_tree_entry_bypath(&entry, f->head ? s->head_tree : s->base_tree, f->path) != 0)
		return RR_OK;
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB)
		goto out;
	if (git_blob_lookup(&blob, s->repo, git_tree_entry_id(entry)) != 0) {
		rc = rr_error_set(err, RR_ERR, "reading %s: %s", f->path, introduced_git_message());
		goto out;
	}
	f->len = (size_t)git_blob_rawsize(blob);
	if (f->len > BASE_MAX_BYTES)
		goto out;
	if (!f->head)
		s->stats->base_files_read++;
	f->text = malloc(f->len + 1);
	if (!f->text) {
		rc = rr_error_set(err, RR_ENOMEM, "reading %s: out of memory", f->path);
		goto out;
	}
	memcpy(f->text, git_blob_rawcontent(blob), f->len);
	f->text[f->len] = '\0';
	f->present = true;
out:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	return rc;
}

/* The base or head version of path, read on first use; *out NULL when absent. */
static int side_get(struct side_set *s, const char *path, bool head, struct side_file **out,
		    struct rr_error *err)
{
	struct side_file *f;
	int rc;

	*out = NULL;
	if (!path)
		return RR_OK;
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].head == head && strcmp(s->v[i].path, path) == 0) {
			*out = s->v[i].present ? &s->v[i] : NULL;
			return RR_OK;
		}
	if (s->n == s->cap) {
		struct side_file *v = rr_array_grow(s->v, &s->cap, sizeof(*v), 8);
		if (!v)
			return rr_error_set(err, RR_ENOMEM, "out of memory");
		s->v = v;
	}
	f = &s->v[s->n];
	memset(f, 0, sizeof(*f));
	f->head = head;
	if (!(f->path = rr_strdup(path)))
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	s->n++;
	if ((rc = side_load(s, f, err)))
		return rc;
	*out = f->present ? f : NULL;
	return RR_OK;
}

/* Reviews one version once, every rule on, every line kept. */
static int side_parse(struct side_set *s, struct side_file *f, struct rr_error *err)
{
	int rc;

	if (f->parsed)
		return RR_OK;
	f->parsed = true;
	if (!f->head)
		s->stats->base_files_parsed++;
	rc = review_engine_file_opts(s->e, f->path, f->text, f->len, NULL, &s->all_on, &f->found,
				     err);
	if (rc)
		return rc;
	if (f->found.n && !(f->used = calloc(f->found.n, sizeof(*f->used))))
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	return RR_OK;
}

static bool same_finding(const struct finding *a, const struct finding *b)
{
	return a->code && b->code && strcmp(a->rule_id, b->rule_id) == 0 &&
	       strcmp(a->code, b->code) == 0;
}

/* Findings of f like hf; unused ones only when `unused`. f NULL: 0. */
static size_t side_count(const struct side_file *f, const struct finding *hf, bool unused)
{
	size_t n = 0;

	for (size_t i = 0; f && i < f->found.n; i++)
		if (same_finding(&f->found.items[i], hf) && !(unused && f->used[i]))
			n++;
	return n;
}

/* Whether the base version can hold hf's code at all (no parse needed). */
static bool side_may_hold(const struct side_file *f, const struct finding *hf, char *scratch)
{
	size_t n = squeeze(hf->code, strlen(hf->code), scratch);
	return f && introduced_squeezed_contains(f->text, f->len, scratch, n);
}

/* --- the changed files --------------------------------------------------------- */

static bool is_rust_path(const char *p)
{
	size_t n = p ? strlen(p) : 0;
	return n > 3 && strcmp(p + n - 3, ".rs") == 0;
}

/* A changed .rs file: its path in the base and in the head (NULL: added / deleted). */
struct change {
	char *base_path;
	char *head_path;
};

struct change_list {
	struct change *v;
	size_t n, cap;
};

static int change_add(struct change_list *l, const char *base_path, const char *head_path)
{
	if (l->n == l->cap) {
		struct change *v = rr_array_grow(l->v, &l->cap, sizeof(*v), 8);
		if (!v)
			return RR_ENOMEM;
		l->v = v;
	}
	l->v[l->n].base_path = rr_strdup(base_path);
	l->v[l->n].head_path = rr_strdup(head_path);
	l->n++;
	if ((base_path && !l->v[l->n - 1].base_path) || (head_path && !l->v[l->n - 1].head_path))
		return RR_ENOMEM;
	return RR_OK;
}

static void change_list_free(struct change_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].base_path);
		free(l->v[i].head_path);
	}
	free(l->v);
}

/* The base path of a head file, or NULL for a file the pull request added. */
static const char *base_path_of(const struct diff_file *f)
{
	if (f->old_path)
		return f->old_path;
	return f->is_new ? NULL : f->path;
}

/* Every .rs file the pull request changed: the diff's files plus the ones it
 * deleted (diff.c drops deletions). */
static int list_changes(struct side_set *s, const struct diff_result *d,
			struct change_list *out, struct rr_error *err)
{
	git_diff *diff = NULL;
	int rc = RR_OK;

	for (size_t i = 0; i < d->n; i++)
		if (change_add(out, base_path_of(&d->files[i]), d->files[i].path))
			return rr_error_set(err, RR_ENOMEM, "out of memory");
	if (git_diff_tree_to_tree(&diff, s->repo, s->base_tree, s->head_tree, NULL) != 0)
		return rr_error_set(err, RR_ERR, "listing deleted files: %s",
				    introduced_git_message());
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *dd = git_diff_get_delta(diff, i);
		if (dd->status == GIT_DELTA_DELETED && is_rust_path(dd->old_file.path) &&
		    change_add(out, dd->old_file.path, NULL)) {
			rc = rr_error_set(err, RR_ENOMEM, "out of memory");
			break;
		}
	}
	git_diff_free(diff);
	return rc;
}

/* --- the filter ---------------------------------------------------------------- */

static int tree_of(git_repository *repo, const git_oid *commit, git_tree **out)
{
	git_commit *c = NULL;
	int rc = git_commit_lookup(&c, repo, commit) == 0 && git_commit_tree(out, c) == 0 ? 0 : -1;
	git_commit_free(c);
	return rc;
}

static int side_set_open(struct side_set *s, struct review_engine *e, git_repository *repo,
			 const git_oid *merge_base, const git_oid *head,
			 struct introduced_stats *stats, struct rr_error *err)
{
	memset(s, 0, sizeof(*s));
	s->e = e;
	s->repo = repo;
	s->stats = stats;
	review_options_init(&s->all_on);
	for (size_t i = 0; i < rules_count() && i < REVIEW_MAX_RULES; i++)
		s->all_on.level[i] = REVIEW_LEVEL_WARNING;
	if (tree_of(repo, merge_base, &s->base_tree) || tree_of(repo, head, &s->head_tree))
		return rr_error_set(err, RR_ERR, "reading the trees: %s", introduced_git_message());
	return RR_OK;
}

/*
 * Marks in drop[] the findings of one head file that its base already had.
 * For each code (rule + normalised code) the head file's findings on lines
 * the pull request did not add are the base's first: only what the base has
 * beyond them covers added findings, the earliest first (a statement copied
 * next to its original is new once).
 */
static int drop_same_file(struct side_set *s, const struct diff_file *df,
			  const struct finding_list *found, bool *drop, char *scratch,
			  struct rr_error *err)
{
	struct side_file *base = NULL, *head = NULL;
	int rc;

	if ((rc = side_get(s, base_path_of(df), false, &base, err)) || !base)
		return rc;
	for (size_t i = 0; i < found->n; i++) {
		const struct finding *hf = &found->items[i];
		size_t added = 0, earlier = 0, in_base, in_head;
		if (strcmp(hf->path, df->path) != 0 || !hf->code || !side_may_hold(base, hf, scratch))
			continue;
		if ((rc = side_parse(s, base, err)) ||
		    (!head && ((rc = side_get(s, df->path, true, &head, err)) ||
			       (head && (rc = side_parse(s, head, err))))))
			return rc;
		for (size_t k = 0; k < found->n; k++)
			if (strcmp(found->items[k].path, df->path) == 0 &&
			    same_finding(&found->items[k], hf)) {
				added++;
				earlier += k < i;
			}
		in_base = side_count(base, hf, false);
		in_head = side_count(head, hf, false);
		/* in_head - added occurrences were not touched; the rest of the base's
		 * occurrences stand for the first added ones. */
		if (in_head >= added && in_base > in_head - added &&
		    earlier < in_base - (in_head - added))
			drop[i] = true;
	}
	return RR_OK;
}

/* Marks one base finding of f like hf as used by moved code, when f's base
 * holds more of them than its head still does. */
static int moved_from(struct side_set *s, const struct change *c, const struct finding *hf,
		      char *scratch, bool *moved, struct rr_error *err)
{
	struct side_file *base = NULL, *head = NULL;
	int rc;

	*moved = false;
	if ((rc = side_get(s, c->base_path, false, &base, err)) || !base ||
	    !side_may_hold(base, hf, scratch))
		return rc;
	if ((rc = side_parse(s, base, err)) || (rc = side_get(s, c->head_path, true, &head, err)) ||
	    (head && (rc = side_parse(s, head, err))))
		return rc;
	if (side_count(base, hf, true) <= side_count(head, hf, false))
		return RR_OK;
	for (size_t i = 0; i < base->found.n; i++)
		if (!base->used[i] && same_finding(&base->found.items[i], hf)) {
			base->used[i] = true;
			*moved = true;
			break;
		}
	return RR_OK;
}

/* Marks in drop[] each remaining finding whose code another changed (or
 * deleted) file's base had and its head no longer has: code that moved. */
static int drop_moved(struct side_set *s, const struct diff_result *diff,
		      const struct finding_list *found, bool *drop, char *scratch,
		      struct rr_error *err)
{
	struct change_list changes = { NULL, 0, 0 };
	bool listed = false;
	int rc = RR_OK;

	for (size_t i = 0; i < found->n && rc == RR_OK; i++) {
		const struct finding *hf = &found->items[i];
		if (drop[i] || !hf->code)
			continue;
		if (!listed && (rc = list_changes(s, diff, &changes, err)))
			break;
		listed = true;
		for (size_t k = 0; k < changes.n && !drop[i] && rc == RR_OK; k++) {
			const struct change *c = &changes.v[k];
			if (c->head_path && strcmp(c->head_path, hf->path) == 0)
				continue;        /* its own file: drop_same_file's */
			rc = moved_from(s, c, hf, scratch, &drop[i], err);
		}
	}
	change_list_free(&changes);
	return rc;
}

int introduced_filter(struct review_engine *e, git_repository *repo,
		      const struct diff_result *diff, const git_oid *head,
		      const struct review_options *opts, struct finding_list *found,
		      struct introduced_stats *stats, struct rr_error *err)
{
	struct introduced_stats local;
	struct side_set s;
	bool *drop = NULL;
	char *scratch = NULL;
	size_t longest = 0;
	int rc;

	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (!found || found->n == 0)
		return RR_OK;            /* nothing to check: read nothing */
	if ((rc = side_set_open(&s, e, repo, &diff->merge_base, head, stats, err)))
		goto out;
	if (opts) {        /* borrowed: the caller's options outlive this call */
		s.all_on.test_paths = opts->test_paths;
		s.all_on.n_test_paths = opts->n_test_paths;
	}
	for (size_t i = 0; i < found->n; i++)
		if (found->items[i].code && strlen(found->items[i].code) > longest)
			longest = strlen(found->items[i].code);
	if (!(drop = calloc(found->n, sizeof(*drop))) || !(scratch = malloc(longest + 1))) {
		rc = rr_error_set(err, RR_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < diff->n && rc == RR_OK; i++)
		rc = drop_same_file(&s, &diff->files[i], found, drop, scratch, err);
	if (rc || (rc = drop_moved(&s, diff, found, drop, scratch, err)))
		goto out;
	for (size_t i = found->n; i-- > 0;)
		if (drop[i]) {
			finding_list_remove(found, i);
			stats->dropped++;
		}
out:
	if (rc)
		rr_error_wrap(err, "comparing with the base");
	free(scratch);
	free(drop);
	side_set_free(&s);
	return rc;
}
