/*
 * review.c — one review of base..head: diff the pull request, read each changed
 * .rs file's new blob, run the engine on it, keep findings on added lines.
 */
#include "review.h"
#include "../common/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "introduced.h"

#define REVIEW_DEFAULT_MAX_FILE_BYTES ((size_t)4 << 20)
#define REVIEW_DEFAULT_MAX_FILES      300

static const char *review_git_message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown libgit2 error";
}

static void review_log_skip(const char *path, const char *reason)
{
	rr_log_kv(RR_LOG_INFO, "review.file_skipped", RR_KV_STR("path", path),
		  RR_KV_STR("reason", reason));
}

/* The blob's size from the object header, so an oversized file is never loaded. */
static int review_blob_size(git_repository *repo, const git_oid *id, size_t *size,
			    struct rr_error *err)
{
	git_odb *odb = NULL;
	git_object_t type;
	int rc = RR_OK;

	if (git_repository_odb(&odb, repo) != 0)
		return rr_error_set(err, RR_ERR, "opening the object database: %s", review_git_message());
	if (git_odb_read_header(size, &type, odb, id) != 0)
		rc = rr_error_set(err, RR_ERR, "reading blob header: %s", review_git_message());
	else if (type != GIT_OBJECT_BLOB)
		rc = rr_error_set(err, RR_ERR, "expected a blob, found a %s", git_object_type2string(type));
	git_odb_free(odb);
	return rc;
}

/* --- reading files of a commit ---------------------------------------------- */

#define REVIEW_MAX_CONFIG_BYTES ((size_t)1 << 20)

/* The text of path in commit's tree: RR_OK, RR_ENOTFOUND when absent, or an error. */
static int review_read_at(git_repository *repo, const git_tree *tree, const char *path,
			  char **out, size_t *len, struct rr_error *err)
{
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	int rc = RR_OK;

	*out = NULL;
	*len = 0;
	if (git_tree_entry_bypath(&entry, tree, path) != 0)
		return RR_ENOTFOUND;
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		rc = RR_ENOTFOUND;
		goto cleanup;
	}
	if (git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) != 0) {
		rc = rr_error_set(err, RR_ERR, "reading %s: %s", path, review_git_message());
		goto cleanup;
	}
	if ((size_t)git_blob_rawsize(blob) > REVIEW_MAX_CONFIG_BYTES) {
		rc = rr_error_set(err, RR_ECONFIG, "%s: larger than %zu bytes", path,
				  REVIEW_MAX_CONFIG_BYTES);
		goto cleanup;
	}
	*len = (size_t)git_blob_rawsize(blob);
	if (!(*out = rr_strndup(git_blob_rawcontent(blob), *len)))
		rc = rr_error_set(err, RR_ENOMEM, "reading %s: out of memory", path);
cleanup:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	return rc;
}

static int review_commit_tree(git_repository *repo, const git_oid *commit, git_tree **tree,
			      struct rr_error *err)
{
	git_commit *c = NULL;
	int rc = RR_OK;

	if (git_commit_lookup(&c, repo, commit) != 0 || git_commit_tree(tree, c) != 0)
		rc = rr_error_set(err, RR_ERR, "reading commit tree: %s", review_git_message());
	git_commit_free(c);
	return rc;
}

/* clippy's configuration of the base commit into opts->clippy: the first of
 * .clippy.toml and clippy.toml found (clippy's own order). */
static int review_load_clippy_config(git_repository *repo, git_tree *tree,
				     struct review_options *opts, struct rr_error *err)
{
	static const char *const files[] = { CONFIG_CLIPPY_FILE, CONFIG_CLIPPY_FILE2 };
	char *text = NULL;
	size_t len = 0;
	int rc = RR_OK;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		rc = review_read_at(repo, tree, files[i], &text, &len, err);
		if (rc == RR_ENOTFOUND) {
			rc = RR_OK;
			continue;
		}
		if (rc == RR_OK && (rc = config_clippy_parse(text, len, &opts->clippy, err)) != RR_OK)
			rr_error_wrap(err, "%s", files[i]);
		break;
	}
	free(text);
	return rc;
}

int review_load_repo_config(git_repository *repo, const git_oid *commit,
			    struct review_options *opts, struct rr_error *err)
{
	git_tree *tree = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!repo || !commit || !opts)
		return rr_error_set(err, RR_EINVAL, "review config: missing argument");
	if ((rc = review_commit_tree(repo, commit, &tree, err)))
		return rc;
	rc = review_read_at(repo, tree, CONFIG_REPO_FILE, &text, &len, err);
	if (rc == RR_ENOTFOUND)
		rc = RR_OK;
	else if (rc == RR_OK && (rc = config_repo_parse(text, len, opts, err)) != RR_OK)
		rr_error_wrap(err, "%s", CONFIG_REPO_FILE);
	if (rc == RR_OK)
		rc = review_load_clippy_config(repo, tree, opts, err);
	free(text);
	git_tree_free(tree);
	return rc;
}

/* --- Cargo.toml lints ------------------------------------------------------- */

/* One directory's Cargo.toml, read at most once per review. */
struct cargo_dir {
	char *dir;                 /* "" for the root, else "a/b" */
	bool present;              /* a valid Cargo.toml is there */
	struct cargo_lints lints;
	unsigned char lib_file;    /* <dir>/src/lib.rs in the head tree: 0 not looked, 1 no, 2 yes */
};

struct cargo_cache {
	git_repository *repo;
	git_tree *tree;            /* the head commit's tree */
	struct cargo_dir *v;
	size_t n, cap;
	struct finding_list *out;  /* where notices go */
};

static void cargo_cache_free(struct cargo_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].dir);
		config_cargo_free(&c->v[i].lints);
	}
	free(c->v);
	git_tree_free(c->tree);
	memset(c, 0, sizeof(*c));
}

/* A Cargo.toml that does not parse is the pull request's problem to see, not ours to fail on. */
static int cargo_note_problem(struct cargo_cache *c, const char *file, const struct rr_error *e)
{
	char *notice = config_notice(file, "head", e->msg);
	int rc;

	rr_log_kv(RR_LOG_WARN, "review.cargo_toml_ignored", RR_KV_STR("path", file),
		  RR_KV_STR("error", e->msg));
	if (!notice)
		return RR_ENOMEM;
	rc = finding_list_add_notice(c->out, notice);
	free(notice);
	return rc;
}

/* The parsed Cargo.toml of dir (cached); *found NULL when there is none. */
static int cargo_cache_dir(struct cargo_cache *c, const char *dir, struct cargo_dir **found,
			   struct rr_error *err)
{
	struct cargo_dir *d;
	struct rr_error perr = { 0 };
	char *file = NULL, *text = NULL;
	size_t len = 0;
	int rc;

	*found = NULL;
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->v[i].dir, dir) == 0) {
			*found = c->v[i].present ? &c->v[i] : NULL;
			return RR_OK;
		}
	if (c->n == c->cap) {
		struct cargo_dir *v = rr_array_grow(c->v, &c->cap, sizeof(*v), 8);
		if (!v)
			return rr_error_set(err, RR_ENOMEM, "out of memory");
		c->v = v;
	}
	d = &c->v[c->n];
	memset(d, 0, sizeof(*d));
	if (!(d->dir = rr_strdup(dir)) ||
	    asprintf(&file, "%s%sCargo.toml", dir, *dir ? "/" : "") < 0) {
		free(d->dir);
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	}
	c->n++;
	rc = review_read_at(c->repo, c->tree, file, &text, &len, &perr);
	if (rc == RR_OK && (rc = config_cargo_parse(text, len, &d->lints, &perr)) == RR_OK)
		d->present = true;
	if (rc == RR_ENOTFOUND) {
		rc = RR_OK;
	} else if (rc == RR_ECONFIG || rc == RR_EINVAL) {
		rc = cargo_note_problem(c, file, &perr);
		if (rc)
			rr_error_set(err, rc, "out of memory");
	} else if (rc) {
		rr_error_set(err, rc, "%s", perr.msg);
	}
	*found = d->present ? d : NULL;
	free(text);
	free(file);
	return rc;
}

/* Drops the last path component of dir in place ("a/b" -> "a", "a" -> ""). */
static void dir_up(char *dir)
{
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		dir[0] = '\0';
}

/* member_dir joined with a relative workspace path ("../.."), into out. */
static bool dir_join(const char *member_dir, const char *rel, char *out, size_t cap)
{
	if (snprintf(out, cap, "%s", member_dir) >= (int)cap)
		return false;
	while (*rel) {
		const char *slash = strchr(rel, '/');
		size_t n = slash ? (size_t)(slash - rel) : strlen(rel);
		size_t o = strlen(out);
		if (n == 2 && memcmp(rel, "..", 2) == 0) {
			if (!*out)
				return false;       /* above the repository */
			dir_up(out);
		} else if (n && !(n == 1 && rel[0] == '.')) {
			if (o + (o ? 1 : 0) + n + 1 > cap)
				return false;
			snprintf(out + o, cap - o, "%s%.*s", o ? "/" : "", (int)n, rel);
		}
		rel += n + (slash ? 1 : 0);
	}
	return true;
}

/* The workspace root above (or at) member_dir, following package.workspace when set. */
static int cargo_workspace_of(struct cargo_cache *c, const char *member_dir,
			      const struct cargo_dir *member, struct cargo_dir **root,
			      struct rr_error *err)
{
	char dir[1024];
	int rc;

	*root = NULL;
	if (member->lints.workspace_path) {
		if (!dir_join(member_dir, member->lints.workspace_path, dir, sizeof(dir)))
			return RR_OK;
		if ((rc = cargo_cache_dir(c, dir, root, err)) || !*root)
			return rc;
		if (!(*root)->lints.is_workspace_root)
			*root = NULL;
		return RR_OK;
	}
	if (snprintf(dir, sizeof(dir), "%s", member_dir) >= (int)sizeof(dir))
		return RR_OK;
	for (;;) {
		struct cargo_dir *d = NULL;
		if ((rc = cargo_cache_dir(c, dir, &d, err)))
			return rc;
		if (d && d->lints.is_workspace_root) {
			*root = d;
			return RR_OK;
		}
		if (!*dir)
			return RR_OK;
		dir_up(dir);
	}
}

/* The Cargo lint levels for a file (NULL when no Cargo.toml sets any), its
 * package's rust-version (0 when none) and directory ("" when none is found,
 * as for a repository that is one crate without a manifest in view). */
static int cargo_levels_for(struct cargo_cache *c, const char *path,
			    const enum review_level **levels, uint32_t *rust_version,
			    char *package_dir, size_t cap, struct rr_error *err)
{
	char dir[1024];
	struct cargo_dir *member = NULL, *root = NULL;
	int rc;

	*levels = NULL;
	*rust_version = 0;
	package_dir[0] = '\0';
	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return RR_OK;
	dir_up(dir);
	for (;;) {
		if ((rc = cargo_cache_dir(c, dir, &member, err)))
			return rc;
		if (member || !*dir)
			break;
		dir_up(dir);
	}
	if (!member)
		return RR_OK;
	snprintf(package_dir, cap, "%s", dir);
	*rust_version = member->lints.rust_version;
	if (!member->lints.inherits_workspace && !member->lints.rust_version_inherited) {
		*levels = member->lints.member;
		return RR_OK;
	}
	if ((rc = cargo_workspace_of(c, dir, member, &root, err)))
		return rc;
	*levels = member->lints.inherits_workspace ? (root ? root->lints.workspace : NULL)
						   : member->lints.member;
	if (root && member->lints.rust_version_inherited)
		*rust_version = root->lints.workspace_rust_version;
	return RR_OK;
}

/* --- lint attributes of the modules around a file (head) ------------------- */

#define MODULE_MAX_DEPTH 16

/* One parent file's answer for its `mod <seg>` (see module_info_for). */
struct module_step {
	char *key;                 /* "<parent file>\n<seg>" */
	struct review_module_info out;   /* owned */
	size_t consumed;           /* 0: no `mod seg` there; 1: a file module */
};

/* Per review: what the crate roots and module files above the reviewed files
 * say, each parent file parsed once per module it declares. */
struct module_cache {
	git_repository *repo;
	git_tree *tree;            /* the head tree (borrowed from the cargo cache) */
	struct review_engine *engine;
	struct module_step *v;
	size_t n, cap;
	struct review_module_info **files;   /* one per reviewed file: job options borrow them */
	size_t n_files, cap_files;
};

static void module_info_free(struct review_module_info *info)
{
	for (size_t i = 0; info && i < info->n_exported; i++)
		free(info->exported[i]);
	if (info)
		free(info->exported);
}

/* A deep copy of src into *dst (whose own names are freed first). */
static int module_info_copy(struct review_module_info *dst, const struct review_module_info *src)
{
	struct review_module_info c = *src;

	c.exported = NULL;
	c.n_exported = 0;
	if (src->n_exported && !(c.exported = calloc(src->n_exported, sizeof(*c.exported))))
		return RR_ENOMEM;
	for (size_t i = 0; i < src->n_exported; i++) {
		if (!(c.exported[i] = rr_strdup(src->exported[i]))) {
			module_info_free(&c);
			return RR_ENOMEM;
		}
		c.n_exported++;
	}
	module_info_free(dst);
	*dst = c;
	return RR_OK;
}

static void module_cache_free(struct module_cache *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		module_info_free(&m->v[i].out);
	}
	for (size_t i = 0; i < m->n_files; i++) {
		module_info_free(m->files[i]);
		free(m->files[i]);
	}
	free(m->v);
	free(m->files);
	memset(m, 0, sizeof(*m));
}

static int module_cache_put(struct module_cache *m, char *key,
			    const struct review_module_info *out, size_t consumed)
{
	struct module_step *st;

	if (m->n == m->cap) {
		struct module_step *v = rr_array_grow(m->v, &m->cap, sizeof(*v), 16);
		if (!v) {
			free(key);
			return RR_ENOMEM;
		}
		m->v = v;
	}
	st = &m->v[m->n];
	memset(st, 0, sizeof(*st));
	if (module_info_copy(&st->out, out) != RR_OK) {
		free(key);
		return RR_ENOMEM;
	}
	st->key = key;
	st->consumed = consumed;
	m->n++;
	return RR_OK;
}

/*
 * One parent file's part of the chain (review_engine_module_step) onto
 * *info. RR_ENOTFOUND when the file is not in the head tree (or too big).
 * Answers for a file module are cached per parent and segment, so the files
 * of one directory parse their parent once.
 */
static int module_step(struct module_cache *m, const char *parent, const char *const *segs,
		       size_t n_segs, struct review_module_info *info, size_t *consumed,
		       bool *file_module, struct rr_error *err)
{
	char *key = NULL, *text = NULL;
	size_t len = 0;
	int rc;

	if (asprintf(&key, "%s\n%s", parent, segs[0]) < 0)
		return rr_error_set(err, RR_ENOMEM, "out of memory");
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0) {
			free(key);
			*consumed = m->v[i].consumed;
			*file_module = m->v[i].consumed == 1;
			if (module_info_copy(info, &m->v[i].out) != RR_OK)
				return rr_error_set(err, RR_ENOMEM, "out of memory");
			return RR_OK;
		}
	rc = review_read_at(m->repo, m->tree, parent, &text, &len, err);
	if (rc == RR_ECONFIG)
		rc = RR_ENOTFOUND;               /* too big to read: the chain breaks there */
	if (rc == RR_OK)
		rc = review_engine_module_step(m->engine, text, len, segs, n_segs, info, consumed,
					       file_module, err);
	/* Cache what does not depend on the segments after the first. */
	if (rc == RR_OK && (*consumed == 0 || (*consumed == 1 && *file_module))) {
		rc = module_cache_put(m, key, info, *consumed);
		key = NULL;
		if (rc)
			rr_error_set(err, rc, "out of memory");
	}
	free(key);
	free(text);
	return rc;
}

/* The chain below the crate root: each next parent file is segs[0..at) as a
 * path under src/, `.rs` or `/mod.rs`. */
static int module_walk(struct module_cache *m, const char *package_dir, char *const *segs,
		       size_t n, size_t at, bool file_module, struct review_module_info *info,
		       struct rr_error *err)
{
	char parent[1200];
	size_t plen = strlen(package_dir), consumed;
	int rc = RR_OK;

	while (rc == RR_OK && at < n && file_module) {
		size_t o = (size_t)snprintf(parent, sizeof(parent), "%s%ssrc", package_dir,
					    plen ? "/" : "");
		for (size_t k = 0; k < at && o < sizeof(parent); k++)
			o += (size_t)snprintf(parent + o, sizeof(parent) - o, "/%s", segs[k]);
		if (o + 8 >= sizeof(parent))
			break;
		strcpy(parent + o, ".rs");
		rc = module_step(m, parent, (const char *const *)segs + at, n - at, info, &consumed,
				 &file_module, err);
		if (rc == RR_ENOTFOUND) {
			strcpy(parent + o, "/mod.rs");
			rc = module_step(m, parent, (const char *const *)segs + at, n - at, info,
					 &consumed, &file_module, err);
		}
		if (rc == RR_ENOTFOUND || (rc == RR_OK && consumed == 0))
			return RR_OK;            /* the chain breaks here */
		at += consumed;
	}
	return rc;
}

/*
 * What path inherits from its crate (struct review_module_info): the crate
 * root's inner attributes and the attributes on each `mod` declaration down
 * to the file (src/a/b.rs: src/lib.rs's `#![..]` and `mod a;`, then a.rs's
 * or a/mod.rs's `#![..]` and `mod b;`), privacy and re-exports on the way.
 * *out is NULL for files outside src/, crate roots and binaries under
 * src/bin/, and for a file no `mod` declares. A chain that breaks (a module
 * declared by a macro or `#[path]`) keeps what was found above the break.
 */
static int module_info_for(struct module_cache *m, const char *package_dir, const char *path,
			   const struct review_module_info **out, bool *via_main,
			   struct rr_error *err)
{
	static const char *const roots[] = { "lib.rs", "main.rs" };
	char rel[1024], parent[1200], *segs[MODULE_MAX_DEPTH];
	size_t n = 0, plen = strlen(package_dir);
	int rc = RR_OK;

	*out = NULL;
	*via_main = false;
	if (plen && (strncmp(path, package_dir, plen) != 0 || path[plen] != '/'))
		return RR_OK;
	if (snprintf(rel, sizeof(rel), "%s", path + (plen ? plen + 1 : 0)) >= (int)sizeof(rel) ||
	    strncmp(rel, "src/", 4) != 0 || strncmp(rel, "src/bin/", 8) == 0 ||
	    strlen(rel) < 8 || strcmp(rel + strlen(rel) - 3, ".rs") != 0)
		return RR_OK;
	rel[strlen(rel) - 3] = '\0';
	for (char *p = rel + 4, *slash; p && *p && n < MODULE_MAX_DEPTH; p = slash ? slash + 1 : NULL) {
		if ((slash = strchr(p, '/')))
			*slash = '\0';
		segs[n++] = p;
	}
	if (n && strcmp(segs[n - 1], "mod") == 0)
		n--;                             /* a/mod.rs is module a */
	if (n == 0 || n == MODULE_MAX_DEPTH || (n == 1 && (strcmp(segs[0], "lib") == 0 ||
							   strcmp(segs[0], "main") == 0)))
		return RR_OK;                    /* a crate root, or too deep to follow */
	for (size_t r = 0; r < sizeof(roots) / sizeof(roots[0]); r++) {
		struct review_module_info *info;
		size_t consumed;
		bool file_module;
		if (m->n_files == m->cap_files) {
			struct review_module_info **v = rr_array_grow(m->files, &m->cap_files,
								      sizeof(*v), 16);
			if (!v)
				return rr_error_set(err, RR_ENOMEM, "out of memory");
			m->files = v;
		}
		if (!(info = calloc(1, sizeof(*info))))
			return rr_error_set(err, RR_ENOMEM, "out of memory");
		m->files[m->n_files++] = info;     /* freed with the cache */
		snprintf(parent, sizeof(parent), "%s%ssrc/%s", package_dir, plen ? "/" : "", roots[r]);
		rc = module_step(m, parent, (const char *const *)segs, n, info, &consumed,
				 &file_module, err);
		if (rc == RR_ENOTFOUND || (rc == RR_OK && consumed == 0)) {
			rc = RR_OK;              /* not this root's module: try the other */
			continue;
		}
		if (rc == RR_OK)
			rc = module_walk(m, package_dir, segs, n, consumed, file_module, info, err);
		if (rc == RR_OK) {
			*out = info;
			*via_main = strcmp(roots[r], "main.rs") == 0;
		}
		break;
	}
	return rc;
}

/* --- crate targets ----------------------------------------------------------- */

/* Whether path (under package_dir, "" for the repository's root) is under dir,
 * a directory relative to the package ("" for the package's own). */
static bool under_package_dir(const char *path, const char *package_dir, const char *dir,
			      size_t dlen)
{
	size_t plen = strlen(package_dir);

	if (plen) {
		if (strncmp(path, package_dir, plen) != 0 || path[plen] != '/')
			return false;
		path += plen + 1;
	}
	return dlen == 0 || (strncmp(path, dir, dlen) == 0 && path[dlen] == '/');
}

/*
 * Whether path is a module of a program rather than of a library, from the
 * targets of its package (package_dir's Cargo.toml): the package has no
 * library target (no [lib] table, no src/lib.rs) and path lies where one of
 * its binaries lives — beside a [[bin]]'s `path` (ripgrep's
 * `crates/core/main.rs`) or under src/ (Cargo's src/main.rs and src/bin/).
 * With a library target a file can belong to either, and is taken for the
 * library's unless only main.rs declares it (via_main, module_info_for).
 */
static int review_binary_target(struct cargo_cache *c, const char *package_dir, const char *path,
				bool via_main, bool *out, struct rr_error *err)
{
	struct cargo_dir *d = NULL;
	char lib[1100];
	int rc;

	*out = via_main;
	if (via_main || (rc = cargo_cache_dir(c, package_dir, &d, err)) || !d)
		return via_main ? RR_OK : rc;
	if (d->lints.has_lib)
		return RR_OK;
	if (d->lib_file == 0) {
		git_tree_entry *entry = NULL;
		if (snprintf(lib, sizeof(lib), "%s%ssrc/lib.rs", package_dir,
			     *package_dir ? "/" : "") >= (int)sizeof(lib))
			return RR_OK;
		d->lib_file = git_tree_entry_bypath(&entry, c->tree, lib) == 0 ? 2 : 1;
		git_tree_entry_free(entry);
	}
	if (d->lib_file == 2)
		return RR_OK;
	if (under_package_dir(path, package_dir, "src", 3)) {
		*out = true;
		return RR_OK;
	}
	for (size_t i = 0; i < d->lints.n_bin_paths; i++) {
		const char *bin = d->lints.bin_paths[i], *slash;
		if (strncmp(bin, "./", 2) == 0)
			bin += 2;
		slash = strrchr(bin, '/');
		if (strstr(bin, "..") == NULL &&
		    under_package_dir(path, package_dir, bin, slash ? (size_t)(slash - bin) : 0)) {
			*out = true;
			break;
		}
	}
	return RR_OK;
}

/* --- the review ---------------------------------------------------------- */

/* The options for one file: the repository's, with the Cargo levels merged
 * under, and the lint attributes of the modules that contain it. */
static int review_file_options(struct cargo_cache *cargo, struct module_cache *mods,
			       const struct review_options *repo, const char *path,
			       struct review_options *out, struct rr_error *err)
{
	const enum review_level *levels = NULL;
	char package_dir[1024];
	bool via_main = false;
	int rc;

	if (repo)
		*out = *repo;           /* shallow: exclude globs stay the caller's */
	else
		review_options_init(out);
	if ((rc = cargo_levels_for(cargo, path, &levels, &out->rust_version, package_dir,
				   sizeof(package_dir), err)))
		return rc;
	config_merge_levels(out->level, levels, repo ? repo->level : NULL);
	if ((rc = module_info_for(mods, package_dir, path, &out->module, &via_main, err)) ||
	    (rc = review_binary_target(cargo, package_dir, path, via_main, &out->binary_target,
				       err)))
		return rc;
	if (out->module)
		out->inherited = out->module->lints;
	return RR_OK;
}

/* --- running the engine, on one thread or several ------------------------- */

/* One file to review, with its options and, once run, its findings or error. */
struct review_job {
	const struct diff_file *file;
	struct review_options opts;
	struct finding_list found;
	int rc;
	struct rr_error err;
};

/* What the review threads share: the jobs, the next one to take, the repository. */
struct review_pool {
	git_repository *repo;
	pthread_mutex_t git_lock;      /* libgit2 objects of one repository: one thread at a time */
	pthread_mutex_t next_lock;
	struct review_job *jobs;
	size_t n_jobs;
	size_t next;
	bool failed;                   /* a job failed: the others need not start */
};

/* A renamed file's findings carry its old path (a forge may place comments by both). */
static int review_mark_renamed(struct finding_list *found, const struct diff_file *f,
			       struct rr_error *err)
{
	for (size_t i = 0; i < found->n; i++) {
		struct finding *x = &found->items[i];
		if (x->old_path || !x->path || strcmp(x->path, f->path) != 0)
			continue;
		if (!(x->old_path = rr_strdup(f->old_path)))
			return rr_error_set(err, RR_ENOMEM, "reviewing %s: out of memory", f->path);
	}
	return RR_OK;
}

/* Runs the engine on one file's new version. */
static int review_one_file(struct review_engine *e, struct review_pool *pool,
			   struct review_job *job)
{
	const struct diff_file *f = job->file;
	git_blob *blob = NULL;
	int rc;

	pthread_mutex_lock(&pool->git_lock);
	rc = git_blob_lookup(&blob, pool->repo, &f->blob);
	if (rc != 0)
		rr_error_set(&job->err, RR_ERR, "reading %s: %s", f->path, review_git_message());
	pthread_mutex_unlock(&pool->git_lock);
	if (rc != 0)
		return RR_ERR;
	/* The blob's bytes are immutable while we hold it: no lock needed to read them. */
	rc = review_engine_file_opts(e, f->path, git_blob_rawcontent(blob),
				     (size_t)git_blob_rawsize(blob), &f->added, &job->opts,
				     &job->found, &job->err);
	if (rc)
		rr_error_wrap(&job->err, "reviewing %s", f->path);
	else if (f->old_path)
		rc = review_mark_renamed(&job->found, f, &job->err);
	pthread_mutex_lock(&pool->git_lock);
	git_blob_free(blob);
	pthread_mutex_unlock(&pool->git_lock);
	return rc;
}

/* The next job to run, or NULL when none is left (or one failed). */
static struct review_job *review_pool_take(struct review_pool *pool)
{
	struct review_job *job = NULL;

	pthread_mutex_lock(&pool->next_lock);
	if (!pool->failed && pool->next < pool->n_jobs)
		job = &pool->jobs[pool->next++];
	pthread_mutex_unlock(&pool->next_lock);
	return job;
}

static void review_pool_work(struct review_engine *e, struct review_pool *pool)
{
	struct review_job *job;

	while ((job = review_pool_take(pool))) {
		if ((job->rc = review_one_file(e, pool, job)) != RR_OK) {
			pthread_mutex_lock(&pool->next_lock);
			pool->failed = true;
			pthread_mutex_unlock(&pool->next_lock);
		}
	}
}

struct review_thread {
	pthread_t tid;
	struct review_engine *engine;
	struct review_pool *pool;
};

static void *review_thread_main(void *arg)
{
	struct review_thread *t = arg;
	review_pool_work(t->engine, t->pool);
	return NULL;
}

/*
 * Runs every job on `threads` threads: this one with e, the others with e's
 * helper engines. A thread or engine that cannot be had only means fewer
 * threads: the jobs still all run.
 */
static void review_pool_run(struct review_engine *e, struct review_pool *pool, unsigned threads)
{
	struct review_thread extra[REVIEW_MAX_THREADS - 1];
	size_t n_extra = 0, want = threads > 1 ? threads - 1 : 0;

	/* No more threads than files: this thread takes one too. */
	if (pool->n_jobs < want + 1)
		want = pool->n_jobs > 0 ? pool->n_jobs - 1 : 0;
	for (size_t i = 0; i < want && i < REVIEW_MAX_THREADS - 1; i++) {
		struct rr_error herr = { 0 };
		struct review_engine *h = review_engine_helper(e, i, &herr);
		if (!h) {
			rr_log_kv(RR_LOG_WARN, "review.thread_unavailable", RR_KV_STR("error", herr.msg));
			break;
		}
		extra[n_extra].engine = h;
		extra[n_extra].pool = pool;
		if (pthread_create(&extra[n_extra].tid, NULL, review_thread_main, &extra[n_extra]) != 0) {
			rr_log_kv(RR_LOG_WARN, "review.thread_unavailable",
				  RR_KV_STR("error", "pthread_create failed"));
			break;
		}
		n_extra++;
	}
	review_pool_work(e, pool);
	for (size_t i = 0; i < n_extra; i++)
		pthread_join(extra[i].tid, NULL);
}

/* Moves every job's findings into out, in diff order; the first failed job's error wins. */
static int review_pool_merge(struct review_pool *pool, struct finding_list *out,
			     struct rr_error *err)
{
	int rc = RR_OK;

	for (size_t i = 0; i < pool->n_jobs; i++) {
		struct review_job *job = &pool->jobs[i];
		if (rc == RR_OK && job->rc != RR_OK) {
			rc = job->rc;
			if (err)
				*err = job->err;
		}
		for (size_t k = 0; k < job->found.n; k++) {
			if (rc == RR_OK && (rc = finding_list_push(out, &job->found.items[k])) != RR_OK)
				rr_error_set(err, rc, "review: out of memory merging findings");
			if (rc != RR_OK)
				finding_free(&job->found.items[k]);
		}
		job->found.n = 0;
		finding_list_free(&job->found);
	}
	return rc;
}

static int review_parse_threads(const char *text, unsigned *out, struct rr_error *err)
{
	char *end = NULL;
	long n = strtol(text, &end, 10);

	if (!*text || *end || n < 1 || n > REVIEW_MAX_THREADS)
		return rr_error_set(err, RR_ECONFIG,
				    "RUSTREVIEW_REVIEW_THREADS: '%.32s' is not a number from 1 to %d",
				    text, REVIEW_MAX_THREADS);
	*out = (unsigned)n;
	return RR_OK;
}

int review_default_threads(unsigned *out, struct rr_error *err)
{
	const char *env = getenv("RUSTREVIEW_REVIEW_THREADS");
	long cpus;

	if (env)
		return review_parse_threads(env, out, err);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	*out = cpus < 1 ? 1 : cpus > 8 ? 8 : (unsigned)cpus;
	return RR_OK;
}

/* Drops the findings of out that the merge base already had (introduced.h). */
static int review_drop_preexisting(struct review_engine *e, git_repository *repo,
				   const struct diff_result *diff, const git_oid *head,
				   const struct review_options *opts, struct finding_list *out,
				   struct review_stats *stats, struct rr_error *err)
{
	struct introduced_stats is;
	int rc = introduced_filter(e, repo, diff, head, opts, out, &is, err);

	stats->findings_preexisting = is.dropped;
	stats->base_files_parsed = is.base_files_parsed;
	return rc;
}

int review_run(struct review_engine *e, git_repository *repo, const git_oid *base,
	       const git_oid *head, const struct review_limits *limits,
	       struct finding_list *out, struct review_stats *stats, struct rr_error *err)
{
	return review_run_opts(e, repo, base, head, limits, NULL, out, stats, err);
}

int review_run_opts(struct review_engine *e, git_repository *repo, const git_oid *base,
		    const git_oid *head, const struct review_limits *limits,
		    const struct review_options *opts, struct finding_list *out,
		    struct review_stats *stats, struct rr_error *err)
{
	struct diff_result diff;
	struct review_stats local;
	struct cargo_cache cargo;
	struct module_cache mods;
	struct review_pool pool;
	unsigned threads = 1;
	size_t max_bytes = REVIEW_DEFAULT_MAX_FILE_BYTES, max_files = REVIEW_DEFAULT_MAX_FILES;
	uint64_t t0 = rr_now_ms();
	size_t i;
	int rc;

	memset(&diff, 0, sizeof(diff));
	memset(&cargo, 0, sizeof(cargo));
	memset(&mods, 0, sizeof(mods));
	memset(&pool, 0, sizeof(pool));
	pool.repo = repo;
	pthread_mutex_init(&pool.git_lock, NULL);
	pthread_mutex_init(&pool.next_lock, NULL);
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (!e || !repo || !base || !head || !out) {
		rc = rr_error_set(err, RR_EINVAL, "review: missing engine, repository, commits or output");
		goto cleanup;
	}
	if ((threads = review_engine_threads(e)) == 0 &&
	    (rc = review_default_threads(&threads, err)))
		goto cleanup;
	if (limits && limits->max_file_bytes)
		max_bytes = limits->max_file_bytes;
	if (limits && limits->max_files)
		max_files = limits->max_files;
	cargo.repo = repo;
	cargo.out = out;
	if ((rc = review_commit_tree(repo, head, &cargo.tree, err)))
		goto cleanup;
	mods.repo = repo;
	mods.tree = cargo.tree;
	mods.engine = e;

	stats->diff_us = rr_now_us();
	rc = diff_rust_changes(repo, base, head, &diff, err);
	stats->diff_us = rr_now_us() - stats->diff_us;
	if (rc)
		goto cleanup;
	stats->files_changed = diff.n;
	for (i = 0; i < diff.n; i++)
		stats->lines_added += line_set_count(&diff.files[i].added);

	if (!(pool.jobs = calloc(diff.n ? diff.n : 1, sizeof(*pool.jobs)))) {
		rc = rr_error_set(err, RR_ENOMEM, "review: out of memory");
		goto cleanup;
	}
	/* What to review, and with which options, is decided here in diff order
	 * (Cargo.toml notices come out in that order too); only the engine runs
	 * in parallel. */
	for (i = 0; i < diff.n; i++) {
		const struct diff_file *f = &diff.files[i];
		struct review_job *job = &pool.jobs[pool.n_jobs];
		size_t size = 0;

		/* A pure rename or mode change adds no line, so nothing could be reported. */
		if (line_set_count(&f->added) == 0)
			continue;
		if (review_options_excludes(opts, f->path)) {
			stats->files_excluded++;
			review_log_skip(f->path, "excluded by " CONFIG_REPO_FILE);
			continue;
		}
		if (stats->files_reviewed >= max_files) {
			stats->files_skipped++;
			review_log_skip(f->path, "max_files reached");
			continue;
		}
		if ((rc = review_blob_size(repo, &f->blob, &size, err))) {
			rr_error_wrap(err, "reviewing %s", f->path);
			goto cleanup;
		}
		if (size > max_bytes) {
			stats->files_skipped++;
			review_log_skip(f->path, "larger than max_file_bytes");
			continue;
		}
		if ((rc = review_file_options(&cargo, &mods, opts, f->path, &job->opts, err)))
			goto cleanup;
		job->file = f;
		pool.n_jobs++;
		stats->files_reviewed++;
	}
	review_pool_run(e, &pool, threads);
	if ((rc = review_pool_merge(&pool, out, err)))
		goto cleanup;
	/* New findings only: what the base already had is not the pull request's. */
	if ((rc = review_drop_preexisting(e, repo, &diff, head, opts, out, stats, err)))
		goto cleanup;
	finding_list_sort(out);
cleanup:
	stats->elapsed_ms = rr_now_ms() - t0;
	for (i = 0; i < pool.n_jobs; i++)
		finding_list_free(&pool.jobs[i].found);
	free(pool.jobs);
	pthread_mutex_destroy(&pool.git_lock);
	pthread_mutex_destroy(&pool.next_lock);
	module_cache_free(&mods);
	cargo_cache_free(&cargo);
	diff_result_free(&diff);
	return rc;
}
