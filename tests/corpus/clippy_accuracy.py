#!/usr/bin/env python3
"""Per-rule precision and recall of rustreview against clippy on tests/corpus.

For every corpus file that compiles, clippy-driver runs with the lint that
corresponds to each rule (same name, or the rustc lint listed in RUSTC_LINTS),
and its findings are compared with the file's .expected findings — which
test_corpus checks are exactly what the engine reports. A finding matches
when the rule corresponds and our line lies inside clippy's primary span.

Clippy's answer is the reference here, not the truth: where they disagree on
purpose (documented per rule in `rustreview explain`) the table says so.

Counted once per rule and line on each side. Not counted against either side:
clippy findings on lines a more specific rule reports instead (unwrap_in_result
for unwrap_used/expect_used, transmute_without_safety for the unsafe block), and
on lines silenced by `// rustreview: allow(...)` comments, which clippy does not
read.

Files excluded, because our rules deliberately treat them differently:
tests/, benches/, examples/ and build.rs (test code is exempt from the
production-only rules), and the lines of #[cfg(test)] modules, which clippy
without --test never compiles. In binaries (main.rs, src/bin/) 
the library-only rules (print_stdout, print_stderr, exit, the doc rules) are
not compared.

Usage: clippy_accuracy.py [--corpus DIR] [--binary build/rustreview] [--markdown]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict

# rules whose clippy counterpart has another name, or is a rustc lint
RUSTC_LINTS = {
    "bidi_chars": ["text_direction_codepoint_in_literal", "text_direction_codepoint_in_comment"],
}
# clippy lints a rule also covers (or_fun_call suggests unwrap_or_default too)
ALSO = {}
# a more specific rule reports instead of these on the same line (one comment per line)
SUPERSEDED_BY = {"unwrap_used": "unwrap_in_result", "expect_used": "unwrap_in_result",
                 "undocumented_unsafe_blocks": "transmute_without_safety"}
LIBRARY_ONLY = {"print_stdout", "print_stderr", "exit", "box_dyn_error_in_public_api",
                "missing_errors_doc", "missing_panics_doc", "missing_safety_doc"}


def rule_ids(binary):
    out = subprocess.run([binary, "rules"], stdout=subprocess.PIPE, text=True, check=True).stdout
    ids = []
    for line in out.splitlines():
        word = line.split()[0] if line.split() else ""
        if word and word.replace("_", "").isalnum() and word.islower() and word != "id":
            ids.append(word)
    return ids


def lints_for(rule, known_clippy):
    if rule in RUSTC_LINTS:
        return RUSTC_LINTS[rule]
    if rule in known_clippy:
        return ["clippy::" + rule] + ALSO.get(rule, [])
    return []


def known_clippy_lints(candidates, workdir):
    """Which of the candidate names clippy knows (unknown ones draw a warning)."""
    src = os.path.join(workdir, "probe.rs")
    with open(src, "w") as f:
        f.write("pub fn f() {}\n")
    args = ["clippy-driver", "--edition", "2021", "--crate-type", "lib", "--error-format=json",
            "--emit=metadata", "--out-dir", workdir]
    for c in candidates:
        args += ["-W", "clippy::" + c]
    p = subprocess.run(args + [src], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    unknown = set()
    for line in p.stderr.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("message", "").startswith("unknown lint"):
            for c in candidates:
                if "clippy::%s`" % c in d["message"]:
                    unknown.add(c)
    return set(candidates) - unknown


def classify(rel):
    parts = rel.split("/")
    test = any(p in ("tests", "benches", "examples") for p in parts[:-1]) or parts[-1] == "build.rs"
    binary = parts[-1] == "main.rs" or "bin" in parts[:-1]
    return test, binary


def run_clippy(path, binary_crate, lints, workdir):
    args = ["clippy-driver", "--edition", "2021", "--crate-type", "bin" if binary_crate else "lib",
            "--error-format=json", "--emit=metadata", "--out-dir", workdir, "--cap-lints", "warn"]
    for l in lints:
        args += ["-W", l]
    p = subprocess.run(args + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    diags, errors = [], []
    for line in p.stderr.splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("level") == "error":
            errors.append(d.get("message", ""))
            continue
        code = (d.get("code") or {}).get("code")
        if not code:
            continue
        for s in d.get("spans", []):
            if s.get("is_primary") and s.get("file_name") == path:
                diags.append((code, s["line_start"], s["line_end"]))
    return diags, errors


def cfg_test_lines(path):
    """Lines of `#[cfg(test)] mod x { ... }` blocks: clippy without --test never
    compiles them, so neither side is compared there. Brace matching is
    naive (our own corpus keeps braces out of strings in those modules)."""
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    out, i = set(), 0
    while i < len(lines):
        if lines[i].strip().startswith("#[cfg(test)]"):
            depth, j, opened = 0, i, False
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                opened = opened or "{" in lines[j]
                out.add(j + 1)
                if opened and depth <= 0:
                    break
                j += 1
            i = j
        i += 1
    return out


def allow_comment_lines(path):
    """{line: rules} silenced by `// rustreview: allow(a, b)` (clippy does not
    read them): the comment's own line, and the next line when it stands alone."""
    out = {}
    with open(path, errors="replace") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines, 1):
        m = re.search(r"rustreview: allow\(([^)]*)\)", line)
        if not m:
            continue
        before = line[:m.start()]
        slash = before.find("//")
        if slash < 0 or before[:slash].count('"') % 2:   # not a comment (e.g. in a string)
            continue
        rules = {r.strip().replace("clippy::", "") for r in m.group(1).split(",")}
        out.setdefault(i, set()).update(rules)
        if line.strip().startswith("//"):
            out.setdefault(i + 1, set()).update(rules)
    return out


def ours(expected_path):
    found = []
    with open(expected_path) as f:
        for line in f:
            head = line.split(": ", 2)
            if len(head) < 2:
                continue
            loc = head[0].split(":")
            rule = head[1][head[1].index("[") + 1:head[1].index("]")]
            found.append((rule, int(loc[1])))
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--binary", default=os.path.join("build", "rustreview"))
    args = ap.parse_args()
    rules = rule_ids(args.binary)
    stats = defaultdict(lambda: {"tp": 0, "fp": 0, "fn": 0})
    skipped, mismatches = [], []
    with tempfile.TemporaryDirectory() as work:
        known = known_clippy_lints([r for r in rules if r not in RUSTC_LINTS], work)
        compared = {r: lints_for(r, known) for r in rules}
        compared = {r: l for r, l in compared.items() if l}
        lint_to_rule = {l: r for r, ls in compared.items() for l in ls}
        for root, _, files in os.walk(args.corpus):
            for name in sorted(files):
                if not name.endswith(".rs"):
                    continue
                path = os.path.join(root, name)
                rel = os.path.relpath(path, args.corpus)
                test, binary = classify(rel)
                if test:
                    skipped.append((rel, "test/example/build code"))
                    continue
                exp = path[:-3] + ".expected"
                if not os.path.exists(exp):
                    skipped.append((rel, "no .expected"))
                    continue
                diags, errors = run_clippy(path, binary, sorted(lint_to_rule), work)
                if errors:
                    skipped.append((rel, "does not compile: " + errors[0][:80]))
                    continue
                hidden = cfg_test_lines(path)
                allowed = allow_comment_lines(path)
                all_mine = set(ours(exp))
                # One finding per rule and line on each side: rustc reports one
                # diagnostic per literal where a rule reports each character.
                theirs = sorted({(lint_to_rule[c], a, b) for c, a, b in diags
                                 if c in lint_to_rule and a not in hidden
                                 and not allowed.get(a, set()) & {lint_to_rule[c], "all"}
                                 and (SUPERSEDED_BY.get(lint_to_rule[c]), a) not in all_mine})
                mine = sorted({(r, l) for r, l in all_mine if r in compared and l not in hidden})
                if binary:
                    theirs = [t for t in theirs if t[0] not in LIBRARY_ONLY]
                    mine = [m for m in mine if m[0] not in LIBRARY_ONLY]
                used = [False] * len(theirs)
                for r, l in mine:
                    hit = next((i for i, t in enumerate(theirs)
                                if not used[i] and t[0] == r and t[1] <= l <= t[2]), None)
                    if hit is None:
                        stats[r]["fp"] += 1
                        mismatches.append("%s:%d %s: rustreview only" % (rel, l, r))
                    else:
                        used[hit] = True
                        stats[r]["tp"] += 1
                for i, t in enumerate(theirs):
                    if not used[i]:
                        stats[t[0]]["fn"] += 1
                        mismatches.append("%s:%d %s: clippy only" % (rel, t[1], t[0]))
    print("| rule | reference lint | agree | rustreview only | clippy only | precision | recall |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    tot = {"tp": 0, "fp": 0, "fn": 0}
    for r in sorted(compared):
        s = stats[r]
        for k in tot:
            tot[k] += s[k]
        p = s["tp"] / (s["tp"] + s["fp"]) if s["tp"] + s["fp"] else float("nan")
        rc = s["tp"] / (s["tp"] + s["fn"]) if s["tp"] + s["fn"] else float("nan")
        print("| `%s` | %s | %d | %d | %d | %s | %s |" % (
            r, ", ".join("`%s`" % l for l in compared[r]), s["tp"], s["fp"], s["fn"],
            "—" if p != p else "%.2f" % p, "—" if rc != rc else "%.2f" % rc))
    p = tot["tp"] / (tot["tp"] + tot["fp"]) if tot["tp"] + tot["fp"] else 0
    rc = tot["tp"] / (tot["tp"] + tot["fn"]) if tot["tp"] + tot["fn"] else 0
    print("| **all** | | %d | %d | %d | %.3f | %.3f |" % (tot["tp"], tot["fp"], tot["fn"], p, rc))
    print()
    print("Rules without a clippy or rustc counterpart: %s" %
          (", ".join(sorted(set(rules) - set(compared))) or "none"))
    for rel, why in skipped:
        print("- skipped %s (%s)" % (rel, why))
    if mismatches:
        print("\nDisagreements:")
        for m in mismatches:
            print("- " + m)


if __name__ == "__main__":
    sys.exit(main())
