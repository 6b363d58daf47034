/*
 * spawnloop.c — runs a list of commands one after the other for `make bench`
 * and sums the wall time of each tag's commands: a process start per command
 * without the cost of forking Python (which would add the same milliseconds
 * to every command and hide the difference between two fast tools).
 *
 *   spawnloop FILE
 *
 * FILE: one command a line, fields separated by tabs: TAG, then argv. The
 * commands run in file order (interleave the tags to spread load drift),
 * stdout and stderr to /dev/null. An exit status above 1 (1 is "findings")
 * stops the run with exit 1. Prints JSON: {"TAG": {"seconds": S, "runs": N}, ...}.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_TAGS 8
#define MAX_ARGS 64

struct tag {
	char name[32];
	double seconds;
	unsigned runs;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct tag *tag_for(struct tag *tags, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(tags[i].name, name) == 0)
			return &tags[i];
	if (*n == MAX_TAGS)
		return NULL;
	snprintf(tags[*n].name, sizeof(tags[*n].name), "%s", name);
	return &tags[(*n)++];
}

/* Runs argv with stdout/stderr on /dev/null; its exit status, or -1. */
static int run(char **argv)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status = 0, rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	struct tag tags[MAX_TAGS];
	size_t ntags = 0, cap = 0;
	char *line = NULL;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "r"))) {
		fprintf(stderr, "usage: spawnloop FILE\n");
		return 2;
	}
	while (getline(&line, &cap, f) > 0) {
		char *args[MAX_ARGS + 1], *save = NULL, *tok;
		struct tag *t;
		size_t n = 0;
		double t0;
		int st;
		line[strcspn(line, "\n")] = '\0';
		if (!(tok = strtok_r(line, "\t", &save)) || !(t = tag_for(tags, &ntags, tok)))
			continue;
		while (n < MAX_ARGS && (tok = strtok_r(NULL, "\t", &save)))
			args[n++] = tok;
		args[n] = NULL;
		if (n == 0)
			continue;
		t0 = now_s();
		st = run(args);
		t->seconds += now_s() - t0;
		t->runs++;
		if (st < 0 || st > 1) {
			fprintf(stderr, "spawnloop: %s exited %d\n", args[0], st);
			return 1;
		}
	}
	free(line);
	fclose(f);
	printf("{");
	for (size_t i = 0; i < ntags; i++)
		printf("%s\"%s\": {\"seconds\": %.6f, \"runs\": %u}", i ? ", " : "", tags[i].name,
		       tags[i].seconds, tags[i].runs);
	printf("}\n");
	return 0;
}
