/* hardcoded_credentials.c — secrets written as string literals in the source. */
#include "rules.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MIN_SECRET_LEN 8

/* --- the literal's text ----------------------------------------------------- */

/* The contents of a plain or raw string literal without quotes and prefix;
 * false for other nodes and for literals with escapes (not a pasted secret). */
static bool literal_text(TSNode lit, const char *src, const char **text, size_t *len)
{
	TSNode content;
	uint32_t count;

	if (!rust_is(lit, RK_STRING_LITERAL) && !rust_is(lit, RK_RAW_STRING_LITERAL))
		return false;
	count = ts_node_named_child_count(lit);
	if (count == 0) {    /* "" */
		*text = "";
		*len = 0;
		return true;
	}
	content = ts_node_named_child(lit, 0);
	if (count != 1 || !rust_is(content, RK_STRING_CONTENT))
		return false;
	*text = rust_node_ptr(content, src);
	*len = rust_node_len(content);
	return true;
}

static bool all_in(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]))
			return false;
	return true;
}

#define UPPER_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
#define ALNUM "abcdefghijklmnopqrstuvwxyz" UPPER_DIGITS
#define ALNUM_ "_" ALNUM

static size_t span_in(const char *s, size_t n, const char *set)
{
	size_t i = 0;
	while (i < n && strchr(set, s[i]))
		i++;
	return i;
}

/* A well-known token shape anywhere in the text; returns its kind or NULL. */
static const char *token_shape(const char *s, size_t n)
{
	static const char *const gh[] = { "ghp_", "gho_", "ghs_", "ghu_", "ghr_" };

	for (size_t i = 0; i < n; i++) {
		const char *p = s + i;
		size_t left = n - i;
		if (left >= 20 && memcmp(p, "AKIA", 4) == 0 && all_in(p + 4, 16, UPPER_DIGITS) &&
		    (left == 20 || !strchr(UPPER_DIGITS, p[20])))
			return "an AWS access key id";
		for (size_t k = 0; k < sizeof(gh) / sizeof(gh[0]); k++)
			if (left >= 40 && memcmp(p, gh[k], 4) == 0 && span_in(p + 4, left - 4, ALNUM) >= 36)
				return "a GitHub token";
		if (left >= 33 && memcmp(p, "github_pat_", 11) == 0 &&
		    span_in(p + 11, left - 11, ALNUM_) >= 22)
			return "a GitHub fine-grained token";
		if (left >= 15 && memcmp(p, "xox", 3) == 0 && strchr("baprs", p[3]) && p[4] == '-' &&
		    span_in(p + 5, left - 5, ALNUM "-") >= 10)
			return "a Slack token";
		if (left >= 11 && memcmp(p, "-----BEGIN ", 11) == 0) {
			const char *end = memchr(p, '\n', left);
			size_t line = end ? (size_t)(end - p) : left;
			for (size_t j = 11; j + 16 <= line; j++)
				if (memcmp(p + j, "PRIVATE KEY-----", 16) == 0)
					return "a private key";
		}
	}
	return NULL;
}

static bool contains_ci(const char *s, size_t n, const char *word)
{
	size_t w = strlen(word);
	for (size_t i = 0; i + w <= n; i++)
		if (strncasecmp(s + i, word, w) == 0)
			return true;
	return false;
}

/* A value that could be a real secret: long enough, one token, not a
 * placeholder, an env var name, a path, a template or a repeated character. */
static bool looks_like_secret(const char *s, size_t n)
{
	static const char *const placeholders[] = { "changeme", "change_me", "example", "placeholder",
						    "your", "xxx", "***", "...", "dummy", "test",
						    "fake", "sample", "redacted", "todo", "secret",
						    "password", "token", "<", "${", "{", "%s", "$(" };
	bool lower = false, upper = false, digit = false, other = false;

	if (n < MIN_SECRET_LEN || s[0] == '/' || s[0] == '.' || s[0] == '~')
		return false;
	if (all_in(s, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"))
		return false;    /* "GITHUB_TOKEN": the name of an env var */
	if (all_in(s, n, (char[]){ s[0], '\0' }))
		return false;    /* one repeated character */
	for (size_t i = 0; i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
		if (contains_ci(s, n, placeholders[i]))
			return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c))
			return false;
		lower |= islower(c) != 0;
		upper |= isupper(c) != 0;
		digit |= isdigit(c) != 0;
		other |= !isalnum(c);
	}
	/* One character class is a word, not a credential. */
	return (lower + upper + digit + other) >= 2;
}

/* --- the name it is bound to -------------------------------------------------- */

/* Splits an identifier into lowercase words (snake_case and camelCase). */
static size_t split_words(const char *s, size_t n, char words[][24], size_t max)
{
	size_t count = 0, len = 0;

	for (size_t i = 0; i <= n && count < max; i++) {
		char c = i < n ? s[i] : '_';
		bool boundary = c == '_' || (isupper((unsigned char)c) && i > 0 &&
					     islower((unsigned char)s[i - 1]));
		if (boundary && len > 0) {
			words[count][len] = '\0';
			count++;
			len = 0;
		}
		if (c != '_' && len + 1 < sizeof(words[0]) && count < max)
			words[count][len++] = (char)tolower((unsigned char)c);
	}
	return count;
}

/* True when the name ends in a secret's noun: db_password, API_TOKEN,
 * clientSecret, private_key. A trailing qualifier (token_url, password_env,
 * secret_name) means the value is about the secret, not the secret. */
static bool secret_name(const char *s, size_t n)
{
	static const char *const nouns[] = { "password", "passwd", "pwd", "passphrase", "secret",
					     "token", "apikey", "credential", "credentials" };
	static const char *const key_owners[] = { "api", "private", "secret", "access", "signing",
						  "encryption", "auth", "client" };
	char words[8][24];
	size_t count = split_words(s, n, words, 8);
	const char *last;

	if (count == 0)
		return false;
	last = words[count - 1];
	for (size_t i = 0; i < sizeof(nouns) / sizeof(nouns[0]); i++)
		if (strcmp(last, nouns[i]) == 0)
			return true;
	if (strcmp(last, "key") == 0 && count >= 2)
		for (size_t i = 0; i < sizeof(key_owners) / sizeof(key_owners[0]); i++)
			if (strcmp(words[count - 2], key_owners[i]) == 0)
				return true;
	return false;
}

/* The name a literal is given to, and the literal: `let NAME = "..";`,
 * `const NAME: &str = "..";`, `Struct { NAME: ".." }`, `x.NAME = "..";`,
 * `.NAME("..")` / `set_NAME("..")` (a builder or setter taking one argument). */
static bool named_literal(TSNode node, TSNode *name, TSNode *lit)
{
	const char *t = ts_node_type(node);

	if (strcmp(t, "let_declaration") == 0) {
		*name = rust_child_by_field(node, RF_PATTERN);
		*lit = rust_child_by_field(node, RF_VALUE);
		return rust_is(*name, RK_IDENTIFIER);
	}
	if (strcmp(t, "const_item") == 0 || strcmp(t, "static_item") == 0) {
		*name = rust_child_by_field(node, RF_NAME);
		*lit = rust_child_by_field(node, RF_VALUE);
		return true;
	}
	if (strcmp(t, "field_initializer") == 0) {
		*name = rust_child_by_field(node, RF_FIELD);
		*lit = rust_child_by_field(node, RF_VALUE);
		return true;
	}
	if (strcmp(t, "assignment_expression") == 0) {
		TSNode left = rust_child_by_field(node, RF_LEFT);
		*name = rust_is(left, RK_FIELD_EXPRESSION)
				? rust_child_by_field(left, RF_FIELD) : left;
		*lit = rust_child_by_field(node, RF_RIGHT);
		return rust_is(*name, RK_IDENTIFIER) || rust_is(*name, RK_FIELD_IDENTIFIER);
	}
	if (strcmp(t, "call_expression") == 0) {
		TSNode fn = rust_child_by_field(node, RF_FUNCTION);
		TSNode args = rust_child_by_field(node, RF_ARGUMENTS);
		if (rust_is(fn, RK_FIELD_EXPRESSION))
			*name = rust_child_by_field(fn, RF_FIELD);
		else if (rust_is(fn, RK_SCOPED_IDENTIFIER))
			*name = rust_child_by_field(fn, RF_NAME);
		else
			*name = fn;
		if (ts_node_is_null(args) || rust_named_arg_count(args) != 1)
			return false;
		*lit = ts_node_named_child(args, 0);
		return rust_is(*name, RK_IDENTIFIER) || rust_is(*name, RK_FIELD_IDENTIFIER);
	}
	return false;
}

/* `"..".to_string()`, `"..".to_owned()`, `"..".into()`, `String::from("..")`: the literal inside. */
static TSNode owned_literal(TSNode value, const char *src)
{
	TSNode name, args, fn;
	char path[32];

	if (rust_method_call(value, &name, &args) && rust_named_arg_count(args) == 0 &&
	    (rust_node_text_eq(name, src, "to_string") || rust_node_text_eq(name, src, "to_owned") ||
	     rust_node_text_eq(name, src, "into")))
		return rust_child_by_field(rust_child_by_field(value, RF_FUNCTION), RF_VALUE);
	if (!rust_is(value, RK_CALL_EXPRESSION))
		return value;
	fn = rust_child_by_field(value, RF_FUNCTION);
	args = rust_child_by_field(value, RF_ARGUMENTS);
	if (!ts_node_is_null(args) && rust_named_arg_count(args) == 1 &&
	    rust_path_text(fn, src, path, sizeof(path)) && strcmp(path, "String::from") == 0)
		return ts_node_named_child(args, 0);
	return value;
}

/* --- reporting --------------------------------------------------------------- */

static int report(struct rule_ctx *ctx, TSNode lit, const char *what)
{
	char *msg = rule_format(
		"This string literal is %s committed to the source. Anyone with read access to the "
		"repository, its forks, CI logs or the built binary can use it, and rotating it "
		"means a code change and a release. Load it at runtime from the environment or a "
		"secret manager (and revoke this one: it is in the git history now).",
		what);
	int rc;

	if (!msg)
		return RR_ENOMEM;
	/* The message never quotes the literal: a review comment must not repeat a secret. */
	rc = rule_emit_nodes(ctx, lit, lit, msg, NULL);
	free(msg);
	return rc;
}

static int check(struct rule_ctx *ctx, TSNode node, const struct rust_scope *scope)
{
	TSNode name, lit;
	const char *text, *shape;
	size_t len;
	char quoted[64], *what;
	int rc;

	(void)scope;
	if (rust_is(node, RK_STRING_LITERAL) || rust_is(node, RK_RAW_STRING_LITERAL)) {
		/* Shapes are matched on the source text: escapes (`\\n` in a PEM) stay as written. */
		shape = token_shape(rust_node_ptr(node, ctx->src), rust_node_len(node));
		return shape ? report(ctx, node, shape) : 0;
	}
	if (!named_literal(node, &name, &lit) || ts_node_is_null(lit) || ts_node_is_null(name))
		return 0;
	lit = owned_literal(lit, ctx->src);
	if (ts_node_is_null(lit) || !literal_text(lit, ctx->src, &text, &len))
		return 0;
	/* A literal of a known token shape is reported when the literal is visited. */
	if (token_shape(rust_node_ptr(lit, ctx->src), rust_node_len(lit)) ||
	    !looks_like_secret(text, len))
		return 0;
	{
		const char *n = rust_node_ptr(name, ctx->src);
		size_t nlen = rust_node_len(name);
		if (nlen > 4 && strncmp(n, "set_", 4) == 0) {
			n += 4;
			nlen -= 4;
		}
		if (!secret_name(n, nlen))
			return 0;
	}
	rule_quote(name, ctx->src, quoted, sizeof(quoted));
	if (!(what = rule_format("a credential given to `%s`", quoted)))
		return RR_ENOMEM;
	rc = report(ctx, lit, what);
	free(what);
	return rc;
}

/* The node kinds check() inspects: the engine calls it for these only. */
static const char *const NODE_KINDS[] = { "string_literal", "raw_string_literal", "let_declaration", "const_item", "static_item", "field_initializer", "assignment_expression", "call_expression", NULL };

/* Text inside every finding's span (struct rule.triggers). */
static const char *const TRIGGERS[] = { "\"", NULL };

const struct rule rule_hardcoded_credentials = {
	.info = {
		.id = "hardcoded_credentials",
		.severity = RR_SEV_ERROR,
		.summary = "password, token, API key or private key written in a string literal",
		.explanation =
			"What: flags string literals that hold a credential: (1) a literal bound to or "
			"passed as something whose name ends in password, passwd, pwd, passphrase, "
			"secret, token, apikey, credential(s) or api/private/secret/access/signing/"
			"encryption/auth/client key (a `let`, a `const`/`static`, a struct field "
			"initialiser, an assignment to a field, a one-argument call or setter such as "
			"`.password(\"..\")` or `set_token(\"..\")`) when the value looks real: at least "
			"8 characters, one token, two character classes, not a placeholder "
			"(changeme, example, your-.., xxx, <..>, ${..}, ...), not an environment variable "
			"name (`\"GITHUB_TOKEN\"`), not a path; and (2) any literal containing a "
			"well-known token shape: an AWS access key id (AKIA + 16), a GitHub token "
			"(ghp_/gho_/ghs_/ghu_/ghr_ + 36, github_pat_..), a Slack token (xoxb-/xoxp-/..) "
			"or a PEM private key (-----BEGIN .. PRIVATE KEY-----). The comment never "
			"repeats the value.\n\n"
			"Why: a secret in source code is readable by everyone who can read the "
			"repository, every fork and clone, CI logs and the shipped binary (`strings` "
			"finds it). It cannot be rotated without a release, differs not between "
			"staging and production, and stays in the git history after it is removed.\n\n"
			"How to fix: read it at runtime (`std::env::var(\"DB_PASSWORD\")`, a mounted "
			"secret file, a secret manager), and revoke the committed value: deleting the "
			"line does not remove it from history.\n\n"
			"Bad:\n    const API_TOKEN: &str = \"9f8e7d6c5b4a3f2e1d0c\";\n"
			"Good:\n    let api_token = std::env::var(\"API_TOKEN\").context(\"API_TOKEN is not "
			"set\")?;\n\n"
			"Context: test code (#[cfg(test)], #[test], tests/, examples/, benches/) is exempt: "
			"fixtures use fake secrets on purpose.",
		.production_only = true,
		.has_fix = false,
	},
	.check = check,
	.kinds = NODE_KINDS,
	.triggers = TRIGGERS,
};
