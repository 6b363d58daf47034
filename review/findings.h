/*
 * findings.h — what a rule reports, and how a finding is fingerprinted and
 * rendered (rustc-style text, JSON, and the markdown body of a forge comment).
 *
 * Ownership: a struct finding owns path, old_path, message, replacement,
 * suggestion_lines and code (heap strings, NULL allowed for the last three). rule_id is a
 * static string from the rule table. A finding_list owns its findings.
 */
#ifndef RR_FINDINGS_H
#define RR_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum rr_severity { RR_SEV_NOTE = 0, RR_SEV_WARNING = 1, RR_SEV_ERROR = 2 };
const char *rr_severity_name(enum rr_severity s);   /* "note", "warning", "error" */

#define RR_FINGERPRINT_LEN 16

struct finding {
	char *path;              /* repository-relative, '/'-separated */
	/* The file's path in the merge base when the pull request renamed it
	 * (review/diff.c follows renames), else NULL: a forge may place a
	 * comment by old and new path. Owned. */
	char *old_path;
	uint32_t line;           /* 1-based first line of the span */
	uint32_t column;         /* 1-based byte column of the span start */
	uint32_t end_line;       /* 1-based last line of the span */
	uint32_t end_column;     /* 1-based byte column one past the span end */
	const char *rule_id;     /* static */
	enum rr_severity severity;
	char *message;           /* the comment: what, why, how — 2-3 sentences, markdown */
	char *replacement;       /* machine-applicable replacement of the span, or NULL */
	char *suggestion_lines;  /* lines line..end_line as they read with the replacement
	                            applied (no trailing newline), or NULL */
	char fingerprint[RR_FINGERPRINT_LEN + 1];   /* lowercase hex */
	/* The normalised code the finding stands in (review/introduced.h), which
	 * decides whether the base already had it; NULL when not computed. */
	char *code;
};

struct finding_list {
	struct finding *items;
	size_t n;
	size_t cap;
	/* Markdown the forge shows with the review (e.g. a config that could not
	 * be used), or NULL. Owned; freed by finding_list_free. */
	char *notice;
};
#define FINDING_LIST_INIT { NULL, 0, 0, NULL }

/* Moves *f into the list (the list now owns its strings; *f is zeroed).
 * On RR_ENOMEM the finding's strings are freed. */
int finding_list_push(struct finding_list *l, struct finding *f);
/* Removes item i (freeing it), keeping order. */
void finding_list_remove(struct finding_list *l, size_t i);
void finding_list_sort(struct finding_list *l);     /* path, line, column, rule */
void finding_free(struct finding *f);
void finding_list_free(struct finding_list *l);
/* Appends a paragraph of markdown to l->notice (copied). Returns 0 or RR_ENOMEM. */
int finding_list_add_notice(struct finding_list *l, const char *markdown);
/*
 * The marker a forge puts in a review body that carries this notice, so the
 * same notice is posted once per pull request: "<!-- rustreview:notice=HEX -->"
 * (HEX: RR_FINGERPRINT_LEN digits of SHA-256 over the notice). NUL-terminated
 * into out (at least FINDING_NOTICE_MARKER_SIZE bytes).
 */
#define FINDING_NOTICE_MARKER_SIZE 48
void finding_notice_marker(const char *notice, char out[FINDING_NOTICE_MARKER_SIZE]);

/*
 * Fingerprints every finding of one file: a hash of rule id, path, the
 * whitespace-normalised text of the finding's first line, and how many earlier
 * findings of the same file share rule and text. Line numbers do not enter, so
 * code that moves keeps its fingerprint; two identical lines still differ.
 * src/len is the file's text; only findings whose path equals `path` are touched.
 */
void findings_fingerprint_file(struct finding_list *l, const char *path,
			       const char *src, size_t len);

/* One line per finding, for editors and grep (`check --format short`):
 * "path:line:col: severity[rule]: first sentence of message". */
int findings_write_text(const struct finding_list *l, FILE *out);
/*
 * rustc's and clippy's shape, for people at a terminal: per finding
 * "warning[rule]: first sentence", " --> path:line:col", the source line with
 * carets under the span (a `|` gutter with line numbers; a span over several
 * lines drawn as rustc draws it), "= note:" with the rest of the message,
 * "= help: try `..`" with the suggestion when there is one, and a pointer to
 * `rustreview explain`; then one closing line, "warning: 3 warnings emitted".
 * Nothing at all for an empty list. Findings must be sorted by path.
 * opts->source gives the text of a file of the reviewed tree (valid until its
 * next call) or NULL, and then the snippet is left out. ANSI colours only
 * when opts->color.
 */
struct findings_diag_options {
	bool color;
	const char *(*source)(void *ctx, const char *path, size_t *len);
	void *source_ctx;
};
int findings_write_diagnostics(const struct finding_list *l, FILE *out,
			       const struct findings_diag_options *opts);
/* {"findings":[{"path","line","column","end_line","end_column","rule","severity",
 *  "message","suggestion"}]} — suggestion is the replacement text or null. */
int findings_write_json(const struct finding_list *l, FILE *out);

/*
 * SARIF 2.1.0 for GitHub code scanning: one run, tool.driver with the whole
 * rule catalogue (rules_get), one result per finding with its rule index,
 * level, message, location (uri relative to %SRCROOT%), partialFingerprints
 * {"rustreview/v1": fingerprint} and a fix when the finding has a replacement.
 * Columns are byte columns, as everywhere in rustreview. Rules that are off
 * unless enabled carry defaultConfiguration.enabled = false.
 */
int findings_write_sarif(const struct finding_list *l, FILE *out);
/* The same, with run.originalUriBaseIds saying where %SRCROOT% is: srcroot is
 * the absolute path of the repository's work tree (a file:// URI is made of it). */
int findings_write_sarif_at(const struct finding_list *l, FILE *out, const char *srcroot);

/*
 * The markdown of a line comment without its marker: the message, then a
 * suggested-change block when suggestion_lines is set and suggestion_info is
 * not NULL: a fence of backticks (longer than any run in the lines) followed
 * by suggestion_info, the forge's word for a suggestion. Heap string or NULL.
 */
char *finding_comment_text(const struct finding *f, const char *suggestion_info);
/* The invisible marker "<!-- rustreview:fingerprint=HEX rule=ID -->". */
#define FINDING_MARKER_SIZE 112
void finding_marker(const struct finding *f, char out[FINDING_MARKER_SIZE]);
/* finding_comment_text, a blank line, finding_marker. Heap string or NULL. */
char *finding_comment_body(const struct finding *f, const char *suggestion_info);
/* Finds the fingerprint marker in a comment body. Returns true and fills out. */
bool finding_fingerprint_from_body(const char *body, char out[RR_FINGERPRINT_LEN + 1]);

#endif
