# rustreview — build, test, run.  `make test` installs what it needs on Debian 12.
CC      ?= cc
BUILD   ?= build
VERSION := 0.1.0

PKGS    := libmicrohttpd libcurl jansson libgit2 openssl sqlite3 tree-sitter
WARN    := -Wall -Wextra -Wpedantic -Werror
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 $(WARN) -D_GNU_SOURCE -DRR_VERSION='"$(VERSION)"' -fno-omit-frame-pointer
LDLIBS  += -lpthread

ifeq ($(SANITIZE),1)
  CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDFLAGS += -fsanitize=address,undefined
  BUILD   := build-san
endif

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
SRCS := $(filter-out bot/main.c,$(SRCS))
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o)
LIB  := $(BUILD)/librustreview.a

UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps test unit e2e corpus run clean bench fuzz accuracy
all: $(BUILD)/rustreview

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

$(BUILD)/rustreview: $(BUILD)/obj/bot/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) tests/unit/testutil.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LIB) $(LDFLAGS) $(PKG_LIBS) -lcmocka $(LDLIBS)

unit: $(UNIT_BINS) $(BUILD)/rustreview
e2e: $(BUILD)/rustreview

# The whole suite: unit tests (cmocka), the rule corpus, end-to-end tests.
test: $(UNIT_BINS) $(BUILD)/rustreview
	@BUILD=$(BUILD) sh tests/run.sh

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

# Per-rule precision/recall against clippy on tests/corpus (needs clippy-driver).
accuracy: $(BUILD)/rustreview
	@python3 tests/corpus/clippy_accuracy.py --binary $(BUILD)/rustreview

clean:
	rm -rf build build-san

-include $(OBJS:.o=.d) $(BUILD)/obj/bot/main.d
