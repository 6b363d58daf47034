/*
 * tsparse.c — the floor for `make bench`: tree-sitter-rust's bare parse speed
 * over the same files rustreview reviews (one parser, reused; no rules, no
 * git, no output), and the cost of a plain token scan over the same bytes (what
 * a "skip files whose added lines hold no rule token" prefilter would pay).
 *
 *   tsparse [--min-ms N] FILE...
 *
 * Reads every file into memory first, then repeats the whole set until at
 * least N ms (default 1000) have passed. Prints one JSON line:
 *   {"files":F,"bytes":B,"lines":L,"rounds":R,"parse_s":S,"scan_s":S2,"scan_hits":H}
 * parse_s and scan_s are seconds for ONE round over all files.
 */
#define _GNU_SOURCE   /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_rust(void);

struct file {
	char *data;
	size_t len;
};

/* Tokens some rule needs on a line before it can fire there (see the report). */
static const char *const scan_tokens[] = {
	"unwrap", "expect", "dbg!", "todo!", "panic!", "unimplemented!", "print",
	"unsafe", "len()", "Vec<", "String", "PathBuf", "lock()", "sleep", "std::fs", "await",
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int read_file(const char *path, struct file *out)
{
	FILE *f = fopen(path, "rb");
	long n;
	int rc = -1;

	out->data = NULL;
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto cleanup;
	out->len = (size_t)n;
	out->data = malloc(out->len + 1);
	if (!out->data || fread(out->data, 1, out->len, f) != out->len)
		goto cleanup;
	out->data[out->len] = '\0';
	rc = 0;
cleanup:
	if (rc) {
		free(out->data);
		out->data = NULL;
	}
	fclose(f);
	return rc;
}

static size_t count_lines(const struct file *f)
{
	size_t n = 0;

	for (size_t i = 0; i < f->len; i++)
		n += f->data[i] == '\n';
	return n + (f->len && f->data[f->len - 1] != '\n');
}

/* Lines that hold at least one rule token: the prefilter's whole job. */
static size_t scan_file(const struct file *f)
{
	size_t hits = 0;
	const char *p = f->data, *end = f->data + f->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		for (size_t t = 0; t < sizeof(scan_tokens) / sizeof(scan_tokens[0]); t++) {
			if (memmem(p, len, scan_tokens[t], strlen(scan_tokens[t]))) {
				hits++;
				break;
			}
		}
		p += len + 1;
	}
	return hits;
}

static int parse_round(TSParser *parser, const struct file *files, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		TSTree *t = ts_parser_parse_string(parser, NULL, files[i].data, (uint32_t)files[i].len);
		if (!t)
			return -1;
		ts_tree_delete(t);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct file *files = NULL;
	TSParser *parser = NULL;
	size_t n = 0, bytes = 0, lines = 0, hits = 0, rounds = 0, scan_rounds = 0;
	double min_s = 1.0, t0, parse_s, scan_s;
	int first = 1, rc = 1;

	if (argc > 2 && strcmp(argv[1], "--min-ms") == 0) {
		min_s = atof(argv[2]) / 1000.0;
		first = 3;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: tsparse [--min-ms N] FILE...\n");
		return 2;
	}
	files = calloc((size_t)(argc - first), sizeof(*files));
	parser = ts_parser_new();
	if (!files || !parser || !ts_parser_set_language(parser, tree_sitter_rust())) {
		fprintf(stderr, "tsparse: cannot set up the Rust parser\n");
		goto cleanup;
	}
	for (int i = first; i < argc; i++, n++) {
		if (read_file(argv[i], &files[n]) != 0) {
			fprintf(stderr, "tsparse: cannot read %s\n", argv[i]);
			goto cleanup;
		}
		bytes += files[n].len;
		lines += count_lines(&files[n]);
	}
	t0 = now_s();
	do {
		if (parse_round(parser, files, n) != 0) {
			fprintf(stderr, "tsparse: tree-sitter returned no tree\n");
			goto cleanup;
		}
		rounds++;
	} while (now_s() - t0 < min_s);
	parse_s = (now_s() - t0) / (double)rounds;
	t0 = now_s();
	do {
		hits = 0;
		for (size_t i = 0; i < n; i++)
			hits += scan_file(&files[i]);
		scan_rounds++;
	} while (now_s() - t0 < min_s / 4);
	scan_s = (now_s() - t0) / (double)scan_rounds;
	printf("{\"files\":%zu,\"bytes\":%zu,\"lines\":%zu,\"rounds\":%zu,\"parse_s\":%.6f,"
	       "\"scan_s\":%.6f,\"scan_hits\":%zu}\n", n, bytes, lines, rounds, parse_s, scan_s, hits);
	rc = 0;
cleanup:
	for (size_t i = 0; i < n; i++)
		free(files[i].data);
	free(files);
	ts_parser_delete(parser);
	return rc;
}
