/*
 * version.h — the git commit this binary was built from, baked in at build
 * time (scripts/version.sh writes the definition into the build directory;
 * `make version` prints it). The release version is RR_VERSION, set by the
 * Makefile on the compiler's command line.
 */
#ifndef RR_VERSION_H
#define RR_VERSION_H

/* 12 hex digits of the commit, "-dirty" appended when tracked files differed
 * from it; "unknown" when built from neither a checkout nor a `git archive`. */
extern const char rr_build_commit[];

#ifndef RR_VERSION
#define RR_VERSION "0.0.0"
#endif

#endif
