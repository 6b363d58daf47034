#!/bin/sh
# Runs the whole suite and ends with one line "N passed, N failed".
#   unit:  every $BUILD/tests/test_* cmocka binary (the corpus test among them)
#   e2e:   every tests/e2e/test_*.py (unittest; real git over HTTP, fake forge API)
BUILD=${BUILD:-build}
export BUILD
passed=0
failed=0
failed_names=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count_cmocka() {   # $1 = log file; prints "passed failed"
	total=$(sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p' "$1" | tail -n 1)
	ok=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$1" | tail -n 1)
	echo "${ok:-0} $(( ${total:-1} - ${ok:-0} ))"
}

count_unittest() {  # $1 = log file; unittest's "Ran N tests" and "FAILED (failures=a, errors=b)"
	awk '/^Ran [0-9]+ tests? in /{ total=$2 }
	     /^FAILED \(/{ n=split($0, parts, /[=,)]/); for (i=2; i<=n; i+=2) bad+=parts[i] }
	     END { if (total == "") print "0 1"; else print total-bad, bad+0 }' "$1"
}

record() {   # name status counts...
	name=$1; rc=$2; p=$3; f=$4
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failed_names="$failed_names $name"
		echo "---- $name failed (exit $rc); its output:"
		cat "$log"
	else
		echo "ok   $name ($p)"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	RR_CORPUS_DIR=tests/corpus RR_FIXTURES_DIR=tests/fixtures "$t" >"$log" 2>&1
	rc=$?
	set -- $(count_cmocka "$log")
	record "$name" "$rc" "$1" "$2"
done

# Nothing outside handlers/ names a forge: the tree passes, and the check itself
# fails on a tree where bot/ names one (so it cannot pass by checking nothing).
{
	sh tests/check_forge_names.sh && planted=$(mktemp -d) && mkdir -p "$planted/bot" &&
	printf 'const char *u = "x-oauth2-GitLab";\n' >"$planted/bot/x.c" &&
	! sh tests/check_forge_names.sh --root "$planted" >/dev/null
	rc=$?
	rm -rf "${planted:-/nonexistent}"
} >"$log" 2>&1
if [ "$rc" -eq 0 ]; then record check_forge_names 0 2 0; else record check_forge_names "$rc" 0 1; fi

for t in tests/e2e/test_*.py; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .py)
	timeout 300 python3 "$t" >"$log" 2>&1
	rc=$?
	set -- $(count_unittest "$log")
	record "$name" "$rc" "$1" "$2"
	grep -o 'e2e: .*' "$log" || true
done

echo
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
