# rustreview — build, test, run.  `make test` installs what it needs on Debian 12.
CC      ?= cc
BUILD   ?= build
VERSION := 0.1.0

PKGS    := libmicrohttpd libcurl jansson libgit2 openssl sqlite3 tree-sitter libpq
WARN    := -Wall -Wextra -Wpedantic -Werror
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 $(WARN) -D_GNU_SOURCE -DRR_VERSION='"$(VERSION)"' -fno-omit-frame-pointer
LDLIBS  += -lpthread

# SANITIZE=1: everything (library, binary, unit tests) under ASan + UBSan in its
# own build dir (<BUILD>-san), so sanitized and plain objects never mix. The
# unit tests and the e2e tests then run against the sanitized code.
ifeq ($(SANITIZE),1)
  CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
  override BUILD := $(BUILD)-san
endif
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1 \
           UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# FUZZ=1 (set by `make fuzz`): clang with libFuzzer instrumentation, in <BUILD>-fuzz.
ifeq ($(FUZZ),1)
  CC      := clang
  CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
  override BUILD := $(BUILD)-fuzz
endif
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

RUST_GRAMMAR := tree-sitter-rust@0.23.2
GRAMMAR_DIR  := $(BUILD)/grammar/rust
GRAMMAR_OBJS := $(BUILD)/grammar/rust_parser.o $(BUILD)/grammar/rust_scanner.o
# .rustreview.toml and Cargo.toml are parsed with the TOML grammar (ABI 14 too).
TOML_GRAMMAR     := @tree-sitter-grammars/tree-sitter-toml@0.7.0
TOML_GRAMMAR_DIR := $(BUILD)/grammar/toml
GRAMMAR_OBJS     += $(BUILD)/grammar/toml_parser.o $(BUILD)/grammar/toml_scanner.o

# ONLY="a.c b.c" builds the library from just those sources (handy while
# other modules are being written); by default every module is in.
ifdef ONLY
SRCS := $(ONLY)
else
SRCS := $(wildcard common/*.c review/*.c review/rules/*.c handlers/*.c bot/*.c)
endif
SRCS := $(filter-out bot/main.c bot/main_local.c,$(SRCS))
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
LIB  := $(BUILD)/librustreview.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit e2e corpus run clean bench fuzz fuzz-build fuzz-run accuracy memcheck replay
all: $(BUILD)/rustreview $(BUILD)/rustreview-service

deps: $(BUILD)/.deps
$(BUILD)/.deps: scripts/deps.sh
	@mkdir -p $(BUILD)
	@sh scripts/deps.sh
	@touch $@

$(GRAMMAR_DIR)/src/parser.c: | $(BUILD)/.deps
	@sh scripts/grammar.sh $(RUST_GRAMMAR) $(GRAMMAR_DIR)

# The grammar is third-party generated C: build it without our warning set.
$(BUILD)/grammar/rust_parser.o: $(GRAMMAR_DIR)/src/parser.c
	$(CC) -O2 -g -w -I$(GRAMMAR_DIR)/src -c $< -o $@
$(BUILD)/grammar/rust_scanner.o: $(GRAMMAR_DIR)/src/parser.c
	$(CC) -O2 -g -w -I$(GRAMMAR_DIR)/src -c $(GRAMMAR_DIR)/src/scanner.c -o $@

$(TOML_GRAMMAR_DIR)/src/parser.c: | $(BUILD)/.deps
	@sh scripts/grammar.sh $(TOML_GRAMMAR) $(TOML_GRAMMAR_DIR)
$(BUILD)/grammar/toml_parser.o: $(TOML_GRAMMAR_DIR)/src/parser.c
	$(CC) -O2 -g -w -I$(TOML_GRAMMAR_DIR)/src -c $< -o $@
$(BUILD)/grammar/toml_scanner.o: $(TOML_GRAMMAR_DIR)/src/parser.c
	$(CC) -O2 -g -w -I$(TOML_GRAMMAR_DIR)/src -c $(TOML_GRAMMAR_DIR)/src/scanner.c -o $@

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

$(BUILD)/obj/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(OBJS) $(GRAMMAR_OBJS)
	@rm -f $@
	ar rcs $@ $^

# Two binaries (README, Performance: start-up). rustreview-service is everything:
# serve, jobs, healthcheck (and the local commands). rustreview runs the local
# commands (check, rules, explain) itself and execs rustreview-service for the
# others: it is bot/cli.c built with RR_CLI_LOCAL, which leaves the service's
# commands out, so it links neither libcurl nor libmicrohttpd nor the queue's
# database libraries (--as-needed drops what its objects do not reference), and
# bot/main_local.c keeps libgit2 from parsing the system CA bundle at start.
# Measured and left at the defaults (instructions of `check` on an empty range,
# callgrind): -Wl,-O1 and --hash-style=gnu change nothing (Debian's linker hashes
# gnu already), -z now costs 1 % more than lazy binding (166 more relocations
# at start; libgit2 itself is linked BIND_NOW by Debian either way).
SERVICE      := $(BUILD)/rustreview-service
LOCAL_LINK   := -Wl,--as-needed \
                -Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_file \
                -Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_path

$(SERVICE): $(BUILD)/obj/bot/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/obj/bot/cli_local.o: bot/cli.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -DRR_CLI_LOCAL -MMD -MP -c $< -o $@

# Built with the service binary: `rustreview serve` needs it beside.
$(BUILD)/rustreview: $(BUILD)/obj/bot/main_local.o $(BUILD)/obj/bot/cli_local.o $(LIB) | $(SERVICE)
	$(CC) $(LDFLAGS) $(LOCAL_LINK) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS) -lcmocka $(LDLIBS)

unit: $(UNIT_BINS) $(BUILD)/rustreview
e2e: $(BUILD)/rustreview

# The whole suite: unit tests (cmocka), the rule corpus, end-to-end tests.
test: $(UNIT_BINS) $(BUILD)/rustreview
	@$(if $(filter 1,$(SANITIZE)),$(SAN_ENV)) BUILD=$(BUILD) sh tests/run.sh

# ---- fuzzing -------------------------------------------------------------------
# `make fuzz` builds every tests/fuzz/fuzz_*.c with clang + libFuzzer (ASan, UBSan),
# seeds each from the fixtures and the rule corpus, and runs each for FUZZ_SECONDS.
# A crash stops the run; its input is saved under tests/fuzz/crashes/<target>/.
# Needs clang and libclang-rt-14-dev (scripts/deps.sh fuzz installs them).
fuzz:
	@sh scripts/deps.sh fuzz
	@command -v clang >/dev/null 2>&1 || { echo "fuzz: clang not found (scripts/deps.sh fuzz)" >&2; exit 1; }
	@$(MAKE) --no-print-directory FUZZ=1 SANITIZE= fuzz-run

fuzz-build: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS) $(LDLIBS)

fuzz-run: fuzz-build
	@rm -rf $(BUILD)/fuzz/seeds && python3 tests/fuzz/seeds.py $(BUILD)/fuzz/seeds
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$t tests/fuzz/crashes/$$t; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=tests/fuzz/crashes/$$t/ \
			$(BUILD)/fuzz/corpus/$$t $(BUILD)/fuzz/seeds/$$t $$(ls -d tests/fuzz/crashes/$$t 2>/dev/null) \
			>$(BUILD)/fuzz/$$t.log 2>&1 \
		|| { tail -n 60 $(BUILD)/fuzz/$$t.log; echo "fuzz: $$t FAILED (input in tests/fuzz/crashes/$$t/)"; exit 1; }; \
		echo "fuzz: $$t ok: $$(sed -n 's/^stat::number_of_executed_units: *//p' $(BUILD)/fuzz/$$t.log) runs," \
		     "corpus $$(ls $(BUILD)/fuzz/corpus/$$t | wc -l) inputs"; \
	done

# ---- benchmarks ----------------------------------------------------------------
# `make bench` (not part of `make test`, about 2 minutes on 2 cores): rustreview beside
# @octokit/webhooks (ingest), ast-grep and clippy-driver (engine), plus the end-to-end
# latency and peak memory; prints one markdown table, also in $(BUILD)/bench/results.md.
# Installs what it needs (wrk, hyperfine, GNU time; pinned npm tools in tests/bench).
bench: $(BUILD)/rustreview $(LIB)
	@sh tests/bench/deps.sh
	@BUILD=$(BUILD) python3 tests/bench/bench.py

run: $(BUILD)/rustreview
	@RUSTREVIEW_DATA_DIR=$${RUSTREVIEW_DATA_DIR:-var} $(BUILD)/rustreview serve

# Every unit test under valgrind memcheck (no leaks, no invalid reads).
memcheck: $(UNIT_BINS)
	@sh scripts/deps.sh memcheck
	@BUILD=$(BUILD) sh tests/memcheck.sh

# Per-rule precision/recall against clippy on tests/corpus and on crate sources Debian
# ships (needs cargo clippy and clippy-driver; installs the crates).
accuracy: $(BUILD)/rustreview
	@sh scripts/deps.sh accuracy
	@python3 tests/corpus/clippy_accuracy.py --binary $(BUILD)/rustreview

clean:
	rm -rf build build-san build-fuzz

# ---- version -------------------------------------------------------------------
# The commit the build comes from is compiled into the library (rr_build_commit,
# common/version.h): from git in a checkout, from .commit in a `git archive`
# tarball (scripts/version.sh). Regenerated on every make, rewritten only when it
# changes, so a new commit rebuilds one object.
VERSION_SRC := $(BUILD)/gen/version.c
VERSION_OBJ := $(BUILD)/obj/gen/version.o
.PHONY: FORCE version
FORCE:
$(VERSION_SRC): FORCE
	@sh scripts/version.sh source $@
$(VERSION_OBJ): $(VERSION_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@
$(LIB): $(VERSION_OBJ)
version:
	@echo "rustreview $(VERSION) $$(sh scripts/version.sh commit)"

# ---- docs ----------------------------------------------------------------------
# README's rules table from the catalogue (review/rules/table.c); test_docs, run by
# `make test`, fails when README differs.
.PHONY: docs
docs: $(BUILD)/tests/test_docs
	@RR_DOCS_UPDATE=1 $(BUILD)/tests/test_docs >$(BUILD)/docs.log 2>&1 && grep "^docs:" $(BUILD)/docs.log || { cat $(BUILD)/docs.log; exit 1; }

# ---- install -------------------------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=]: the binary, the systemd unit (its
# paths rewritten to PREFIX), the sysusers.d file that creates the rustreview
# user, an example environment file and the docs. Then, on the host itself:
# systemd-sysusers && systemctl daemon-reload && systemctl enable --now rustreview
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DOCDIR      ?= $(PREFIX)/share/doc/rustreview
.PHONY: install
install: $(BUILD)/rustreview $(SERVICE)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/rustreview $(DESTDIR)$(BINDIR)/rustreview
	install -m 0755 $(SERVICE) $(DESTDIR)$(BINDIR)/rustreview-service
	sed -e 's|/usr/local/bin/rustreview|$(BINDIR)/rustreview|' \
	    -e 's|/usr/local/share/doc/rustreview|$(DOCDIR)|' \
	    deploy/systemd/rustreview.service >$(DESTDIR)$(UNITDIR)/rustreview.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/rustreview.service
	install -m 0644 deploy/systemd/rustreview.sysusers $(DESTDIR)$(SYSUSERSDIR)/rustreview.conf
	install -m 0644 README.md ARCHITECTURE.md SECURITY.md deploy/systemd/env.example $(DESTDIR)$(DOCDIR)/

# ---- SARIF schema ----------------------------------------------------------------
# The SARIF 2.1.0 schema, pinned (npm), that test_cli validates `check --format sarif`
# against with Debian's python3-jsonschema.
SARIF_SCHEMA := $(BUILD)/sarif/sarif-2.1.0-rtm.5.json
$(SARIF_SCHEMA): scripts/sarif-schema.sh | $(BUILD)/.deps
	@sh scripts/sarif-schema.sh $@
test e2e: $(SARIF_SCHEMA)

-include $(OBJS:.o=.d) $(BUILD)/obj/bot/main.d $(BUILD)/obj/bot/main_local.d $(BUILD)/obj/bot/cli_local.d

# Replays the real pull requests of ../shared/corpora (not part of `make test`):
# every comment `check` would post, with its code, in $(BUILD)/replay/replay.md.
replay: $(BUILD)/rustreview
	@python3 scripts/replay.py --binary $(BUILD)/rustreview --out $(BUILD)/replay
