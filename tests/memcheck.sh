#!/bin/sh
# Runs every unit test binary under valgrind memcheck: any invalid read/write,
# use of uninitialised memory or definite/indirect leak fails the run.
# Needs a gcc build (valgrind 3.19 cannot read clang 14's DWARF 5).
BUILD=${BUILD:-build}
failed=""
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if RR_CORPUS_DIR=tests/corpus RR_FIXTURES_DIR=tests/fixtures \
	   valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --error-exitcode=9 --trace-children=no \
		"$t" >"$BUILD/memcheck-$name.log" 2>&1; then
		echo "memcheck ok   $name"
	else
		echo "memcheck FAIL $name (see $BUILD/memcheck-$name.log)"
		failed="$failed $name"
	fi
done
[ -z "$failed" ] || { echo "memcheck failed:$failed"; exit 1; }
echo "memcheck: all unit tests clean"
