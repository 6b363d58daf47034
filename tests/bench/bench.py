#!/usr/bin/env python3
"""`make bench`: rustreview side by side with what users would pick instead.

Runs on this machine, in one go, and prints ONE markdown table (also written to
$BUILD/bench/results.md):

  1. ingest  — a real signed pull_request delivery POSTed on loopback by wrk:
               deliveries/s and p50/p99 for `rustreview serve` (verified, parsed,
               committed to SQLite before the answer) vs a Node server on
               @octokit/webhooks (verifies, queues in memory).
  2. engine  — Rust lines/s of `rustreview check` vs ast-grep with equivalent
               rules (tests/bench/astgrep) vs clippy-driver on single files, and
               tree-sitter-rust's bare parse speed (tests/bench/tsparse.c) as the floor.
  3. e2e     — webhook → review posted on the fake GitHub for a 20-file PR on a
               warm mirror, 100 runs: p50/p99.
  4. memory  — peak RSS of serve under the ingest load and of check on the
               largest corpus.
  5. change  — cost that follows the change: one function added to an 800 KB
               file (check vs ast-grep on that file), the 300 commits of each
               corpus in ../shared/corpora replayed one `check` per commit vs
               ast-grep on each commit's changed files, `check` on an empty range
               beside the floor (libgit2 init + open, and an empty C program),
               in-process reviews/s with and without ranged parsing; and where
               the end-to-end time goes (fetch, diff, review, API calls).

Standard library only. Everything it starts listens on 127.0.0.1 and is
stopped at the end; temporary directories are removed. Expects the tools
installed by tests/bench/deps.sh and $BUILD/rustreview built.
Environment: BUILD (default build), RR_BENCH_QUICK=1 for a short smoke run,
RR_BENCH_BASELINE=PATH an older `rustreview` binary run beside this one in the
change benchmarks (the "before" of a before/after), RR_CORPORA the corpora
directory (default ../shared/corpora, then ../../shared/corpora).
"""
import copy
import json
import os
import random
import re
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import harness as h  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
OUT = os.path.join(ROOT, BUILD, "bench")
BINARY = os.path.join(ROOT, BUILD, "rustreview")
NODE_BIN = os.path.join(HERE, "node_modules", ".bin")
AST_GREP = os.path.join(NODE_BIN, "ast-grep")
SG_CONFIG = os.path.join(HERE, "astgrep", "sgconfig.yml")
QUICK = os.environ.get("RR_BENCH_QUICK") == "1"
SECRET = "bench-webhook-secret-0c5e"
INGEST_SECONDS = 3 if QUICK else 10
INGEST_CONNECTIONS = (16, 256)   # as GitHub sends at a quiet and at a busy time
INGEST_GOAL = 3                  # × Node's @octokit/webhooks, durably (issue 13)
E2E_RUNS = 10 if QUICK else 100
API_CALLS = 50 if QUICK else 200
CLIPPY_FILES = 4 if QUICK else 12
BASELINE = os.environ.get("RR_BENCH_BASELINE")
# RR_BENCH_ONLY=change: only the change benchmarks and the end-to-end phases (a quicker
# run while iterating; the table then has only their rows). RR_BENCH_ONLY=ingest: the
# ingest rows alone (ingest_only: rounds, other builds beside this one).
ONLY = os.environ.get("RR_BENCH_ONLY", "")
REPLAY_COMMITS = 40 if QUICK else 300


def say(msg):
    sys.stderr.write("bench: %s\n" % msg)
    sys.stderr.flush()


def run(argv, **kw):
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, **kw)


def peak_rss_kb(pid):
    """VmHWM of a live process: its peak resident set so far."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def run_rusage(argv):
    """Runs argv; returns (exit status, wall seconds, peak RSS in KB). GNU time
    measures it: a child forked from this Python inherits its ru_maxrss."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as f:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name] + argv,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        return p.returncode, wall, int(f.read().strip().splitlines()[-1])


# ---- the machine -------------------------------------------------------------

def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gib": mem_kb / 1024 / 1024,
            "load_start": os.getloadavg()[0]}


def versions():
    v = {}
    v["rustreview"] = run([BINARY, "--version"]).stdout.strip()
    v["node"] = run(["node", "--version"]).stdout.strip()
    v["ast-grep"] = run([AST_GREP, "--version"]).stdout.strip()
    with open(os.path.join(HERE, "node_modules", "@octokit", "webhooks", "package.json")) as f:
        v["@octokit/webhooks"] = json.load(f)["version"]
    v["clippy-driver"] = run(["clippy-driver", "--version"]).stdout.strip()
    v["wrk"] = (subprocess.run(["wrk", "-v"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True).stdout.splitlines() or ["?"])[0].split(" [")[0]
    return v


# ---- 1. ingest ---------------------------------------------------------------

class BlackHole:
    """A loopback port that accepts TCP connections and never answers: the
    queued jobs' git fetches wait on it, so the workers stay idle and the
    ingest numbers measure ingest only. Closing it releases them."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


INGEST_PULLS, INGEST_HEADS = 64, 4


def ingest_bodies(clone_port, path):
    """Writes the signed deliveries for wrk: INGEST_PULLS pull requests x
    INGEST_HEADS heads, ordered so that consecutive deliveries of one pull
    request carry different heads. Returns the size of one body."""
    with open(os.path.join(ROOT, "tests", "fixtures", "github", "pull_request.opened.json")) as f:
        template = json.load(f)
    template["pull_request"]["draft"] = False
    # The payload's own repository on the configured git host: anything else is
    # refused with 400 (webhook.c binds the clone URL to the repository).
    full = template["repository"]["full_name"]
    template["repository"]["clone_url"] = "http://127.0.0.1:%d/%s.git" % (clone_port, full)
    template["repository"]["url"] = "http://127.0.0.1:%d/repos/%s" % (clone_port, full)
    size = 0
    with open(path, "wb") as out:
        for j in range(INGEST_PULLS * INGEST_HEADS):
            p = copy.deepcopy(template)
            p["number"] = p["pull_request"]["number"] = 1 + j % INGEST_PULLS
            p["pull_request"]["head"]["sha"] = "%040x" % (0xbe0c4 + j // INGEST_PULLS)
            body = json.dumps(p).encode()
            out.write(b"%s %d\n" % (h.github_signature(SECRET, body).encode(), len(body)))
            out.write(body)
            size = len(body)
    return size


def wrk(url, bodies_path, seconds, conns, prefix=""):
    env = dict(os.environ, RR_BENCH_BODIES=bodies_path, RR_BENCH_PATH="/webhooks/github",
               RR_BENCH_PREFIX=prefix)
    out = run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, "--latency",
               "-s", os.path.join(HERE, "post.lua"), url], env=env).stdout
    for line in out.splitlines():
        if line.startswith("BENCH_JSON "):
            r = json.loads(line[len("BENCH_JSON "):])
            r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
            return r
    raise RuntimeError("wrk printed no result:\n" + out)


def cpu_split(pid, since=None):
    """CPU seconds so far: (the machine busy, the server pid, this script's
    waited children — wrk); with since, what each used in between, plus
    `others`: what the rest of the machine took meanwhile, in cores (the
    load average counts our own wrk and server too)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy = (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")   # minus idle, iowait
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    server = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    now = (time.monotonic(), busy, server, ru.ru_utime + ru.ru_stime)
    if since is None:
        return now
    wall = now[0] - since[0]
    d = [now[i] - since[i] for i in range(1, 4)]
    return {"server_cores": d[1] / wall, "wrk_cores": d[2] / wall,
            "others_cores": max(0.0, d[0] - d[1] - d[2]) / wall}


def ingest_one(start, tmp, bodies_path, conns=INGEST_CONNECTIONS):
    """One server, wrk at each concurrency in turn: {conns: result}."""
    proc, url, after = start(tmp)
    res = {}
    try:
        try:
            h.wait_http_ok(url + "/healthz")
        except RuntimeError as e:
            raise RuntimeError("%s (%s); its log ends:\n%s" % (
                e, "running" if proc.alive() else "exited %s" % proc.p.returncode,
                proc.output()[-3000:])) from None
        wrk(url, bodies_path, 2, conns[0])           # warm up
        for c in conns:
            load = os.getloadavg()[0]
            cpu = cpu_split(proc.p.pid)
            r = wrk(url, bodies_path, INGEST_SECONDS, c)
            r["load"] = (load, os.getloadavg()[0])
            r["cpu"] = cpu_split(proc.p.pid, cpu)
            r["rss_kb"] = peak_rss_kb(proc.p.pid)
            r["alive"] = proc.alive()
            if after:
                after(r)
            res[c] = r
        return res
    finally:
        proc.close()


# The event-driven server (epoll threads, connections suspended while their
# commit is in flight) measured beside the default thread per connection.
EVENT_THREADS = 2


def start_rustreview(tmp, clone_port, secret=SECRET, binary=BINARY, extra_env=None):
    port = h.free_port()
    data = tempfile.mkdtemp(prefix="rr-data-", dir=tmp)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "RUSTREVIEW_SHUTDOWN_GRACE": "2",
           "RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port, "RUSTREVIEW_DATA_DIR": data,
           "RUSTREVIEW_WORKERS": "1", "RUSTREVIEW_LOG_LEVEL": "error",
           "RUSTREVIEW_GITHUB_WEBHOOK_SECRET": secret,
           "RUSTREVIEW_GITHUB_TOKEN": "bench-not-a-real-token",
           "RUSTREVIEW_GITHUB_API_URL": "http://127.0.0.1:%d" % clone_port,
           "RUSTREVIEW_GITHUB_GIT_URL": "http://127.0.0.1:%d" % clone_port}
    env.update(extra_env or {})
    proc = h.Proc("rustreview-ingest", [binary, "serve"], tmp, env=env)

    def after(r):
        con = sqlite3.connect(os.path.join(data, "rustreview.db"), timeout=10)
        try:
            r["jobs"] = con.execute("SELECT count(*) FROM jobs").fetchone()[0]
        finally:
            con.close()
    return proc, "http://127.0.0.1:%d" % port, after


def start_nullserver(tmp):
    exe = os.path.join(OUT, "nullserver")
    run([os.environ.get("CC", "cc"), "-O2", "-std=c17", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
         "-o", exe, os.path.join(HERE, "nullserver.c")])
    port_file = os.path.join(tempfile.mkdtemp(prefix="null-", dir=tmp), "null.port")
    proc = h.Proc("nullserver", [exe, port_file], tmp)
    return proc, "http://127.0.0.1:%s" % h.wait_for_file(port_file), None


def start_node(tmp):
    port_file = os.path.join(tempfile.mkdtemp(prefix="node-", dir=tmp), "node.port")  # fresh each start
    env = dict(os.environ, RR_BENCH_SECRET=SECRET)
    proc = h.Proc("octokit", ["node", os.path.join(HERE, "octokit_server.mjs"), port_file],
                  tmp, env=env)
    return proc, "http://127.0.0.1:%s" % h.wait_for_file(port_file), None


def ingest(tmp):
    hole = BlackHole()
    try:
        bodies = os.path.join(tmp, "deliveries")
        size = ingest_bodies(hole.port, bodies)
        say("ingest: rustreview serve, %d s of wrk at each of -c%s (%d-byte signed deliveries)"
            % (INGEST_SECONDS, ", -c".join(map(str, INGEST_CONNECTIONS)), size))
        rr = ingest_one(lambda t: start_rustreview(t, hole.port), tmp, bodies)
        say("ingest: the same, event-driven (RUSTREVIEW_HTTP_THREADS=%d)" % EVENT_THREADS)
        ev = ingest_one(lambda t: start_rustreview(
            t, hole.port, extra_env={"RUSTREVIEW_HTTP_THREADS": str(EVENT_THREADS)}), tmp, bodies)
        say("ingest: @octokit/webhooks on Node")
        node = ingest_one(start_node, tmp, bodies)
        # The ceiling of HTTP + HMAC alone: the same server with another secret
        # answers every delivery 401 right after verifying its signature.
        say("ingest: verification-only ceiling (every signature wrong)")
        ceil = ingest_one(lambda t: start_rustreview(t, hole.port, secret="not-" + SECRET), tmp,
                          bodies, conns=INGEST_CONNECTIONS[:1])
        say("ingest: null server ceiling (reads each request, answers 200)")
        null = ingest_one(start_nullserver, tmp, bodies, conns=INGEST_CONNECTIONS[:1])
    finally:
        hole.close()
    for c in INGEST_CONNECTIONS:
        rr[c]["accepted"] = rr[c]["codes"].get("202", 0)
        ev[c]["accepted"] = ev[c]["codes"].get("202", 0)
        node[c]["accepted"] = node[c]["codes"].get("200", 0)
    return {"rr": rr, "event": ev, "node": node, "ceiling": ceil[INGEST_CONNECTIONS[0]],
            "null": null[INGEST_CONNECTIONS[0]], "body_bytes": size}


def build_bench_program(name):
    """Compiles tests/bench/<name>.c against the library; returns the executable."""
    exe = os.path.join(OUT, name)
    pkgs = ["libmicrohttpd", "libcurl", "jansson", "libgit2", "openssl", "sqlite3", "tree-sitter", "libpq"]
    cflags = run(["pkg-config", "--cflags"] + pkgs).stdout.split()
    libs = run(["pkg-config", "--libs"] + pkgs).stdout.split()
    run([os.environ.get("CC", "cc"), "-O2", "-g", "-std=c17", "-Wall", "-Wextra", "-Wpedantic",
         "-Werror", "-D_GNU_SOURCE", *cflags, "-o", exe, os.path.join(HERE, name + ".c"),
         os.path.join(ROOT, BUILD, "librustreview.a"), *libs, "-lpthread"])
    return exe


def make_tls_ca(d):
    """A throwaway CA and a localhost certificate it signed: (ca.pem, server.pem, server.key)."""
    def ossl(*argv):
        subprocess.run(("openssl",) + argv, check=True, cwd=d,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
         "-days", "2", "-subj", "/CN=rustreview bench CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
         "-subj", "/CN=localhost")
    with open(os.path.join(d, "server.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
                "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    ossl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
    return tuple(os.path.join(d, x) for x in ("ca.pem", "server.pem", "server.key"))


def keepalive(tmp):
    """Forge API calls over HTTPS (the fake GitHub with TLS): one api_client that
    keeps its connection vs a new client per call."""
    say("api: connection reuse, %d HTTPS calls each way" % API_CALLS)
    d = os.path.join(tmp, "tls")
    os.makedirs(d)
    ca, cert, key = make_tls_ca(d)
    _, pub = h.make_rsa_key(d)
    port_file = os.path.join(d, "api.port")
    proc = h.Proc("fakegithub-tls", [sys.executable, os.path.join(ROOT, "tests", "e2e", "fakegithub.py"),
                                     "--port-file", port_file, "--app-id", APP_ID, "--public-key", pub,
                                     "--tls-cert", cert, "--tls-key", key], d)
    try:
        url = "https://localhost:%s/_fake/statuses" % h.wait_for_file(port_file)
        return json.loads(run([build_bench_program("apibench"), url, ca, str(API_CALLS)]).stdout)
    finally:
        proc.close()


def queue_ceiling(tmp):
    """The durable queue alone: the real queue_enqueue from 4 threads (the
    server's pool size), and the same SQL with 1 vs 16 deliveries per commit."""
    say("queue: queue_enqueue ceiling and group-commit emulation")
    db = os.path.join(tmp, "queuebench.db")
    secs = "1" if QUICK else "3"
    real = json.loads(run([build_bench_program("queuebench"), db, "4", secs]).stdout)
    gc = json.loads(run([sys.executable, os.path.join(HERE, "groupcommit.py"), tmp, secs,
                         "1", "16"]).stdout)
    return {"real": real["per_s"], "txn1": gc["1"], "txn16": gc["16"]}


# ---- 2. engine ---------------------------------------------------------------

def commit_all(repo_dir):
    """Makes repo_dir a git repository whose HEAD adds every file to an empty base."""
    shutil.rmtree(os.path.join(repo_dir, ".git"), ignore_errors=True)
    h.git(repo_dir, "init", "-q", "-b", "main")
    h.git(repo_dir, "commit", "-q", "--allow-empty", "-m", "base")
    h.git(repo_dir, "add", "-A")
    h.git(repo_dir, "commit", "-q", "-m", "everything")


def rust_files(d):
    out = []
    for root, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if x != ".git"]
        out += [os.path.join(root, f) for f in files if f.endswith(".rs")]
    return sorted(out)


def count_lines(files):
    n = 0
    for p in files:
        with open(p, "rb") as f:
            data = f.read()
        n += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return n


SG_RULES = sorted(f[:-4] for f in os.listdir(os.path.join(HERE, "astgrep", "rules"))
                  if f.endswith(".yml"))


def default_rules():
    """The rules `rustreview rules` lists as on by default."""
    out = run([BINARY, "rules"]).stdout.splitlines()[1:]
    names = []
    for ln in out:
        w = ln.split()           # RULE SEVERITY FIX SCOPE ("production" or "all code") DEFAULT
        if len(w) > 5 and w[4 if w[3] == "production" else 5] == "on":
            names.append(w[0])
    return names


def equivalent_repo(repo):
    """A copy of repo whose base commit's .rustreview.toml leaves on exactly the
    rules ast-grep has (SG_RULES): rustreview doing the same work as ast-grep."""
    eq = repo.rstrip("/") + "-astgrep-rules"
    if os.path.isfile(os.path.join(eq, ".done")):
        return eq
    shutil.rmtree(eq, ignore_errors=True)
    os.makedirs(eq)
    with open(os.path.join(eq, ".rustreview.toml"), "w") as f:
        f.write("[rules]\n")
        for name in default_rules():
            if name not in SG_RULES:
                f.write('%s = "off"\n' % name)
    h.git(eq, "init", "-q", "-b", "main")
    h.git(eq, "add", ".rustreview.toml")
    h.git(eq, "commit", "-q", "-m", "base: the ast-grep rules only")
    for entry in os.listdir(repo):
        if entry in (".git", ".done"):
            continue
        src = os.path.join(repo, entry)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(eq, entry))
    h.git(eq, "add", "-A")
    h.git(eq, "commit", "-q", "-m", "everything")
    open(os.path.join(eq, ".done"), "w").close()
    return eq


def corpora():
    """(name, repo dir) of the checked-in corpus and the generated one."""
    small = os.path.join(OUT, "corpus-tests")
    shutil.rmtree(small, ignore_errors=True)
    shutil.copytree(os.path.join(ROOT, "tests", "corpus"), small,
                    ignore=shutil.ignore_patterns("*.expected"))
    commit_all(small)
    size = 1_000_000 if QUICK else 5_500_000
    big = os.path.join(OUT, "corpus-gen-%d" % size)
    if not os.path.isfile(os.path.join(big, ".done")):
        shutil.rmtree(big, ignore_errors=True)
        run([sys.executable, os.path.join(HERE, "gencorpus.py"), big, "--bytes", str(size)])
        commit_all(big)
        open(os.path.join(big, ".done"), "w").close()
    return [("tests/corpus", small), ("generated", big)]


def hyperfine(cmds, runs):
    """Mean and min wall seconds of each shell command (hyperfine, exit codes ignored)."""
    out_json = os.path.join(OUT, "hyperfine.json")
    argv = ["hyperfine", "-N", "-i", "--warmup", "1", "--runs", str(runs), "--style", "none",
            "--export-json", out_json] + cmds
    run(argv)
    with open(out_json) as f:
        res = json.load(f)["results"]
    return [{"mean": r["mean"], "min": r["min"], "median": r["median"],
             "stddev": r["stddev"] or 0.0} for r in res]


def build_tsparse():
    exe = os.path.join(OUT, "tsparse")
    objs = [os.path.join(ROOT, BUILD, "grammar", o) for o in ("rust_parser.o", "rust_scanner.o")]
    cflags = run(["pkg-config", "--cflags", "tree-sitter"]).stdout.split()
    libs = run(["pkg-config", "--libs", "tree-sitter"]).stdout.split()
    run([os.environ.get("CC", "cc"), "-O2", "-g", "-std=c17", "-Wall", "-Wextra", "-Wpedantic",
         "-Werror", *cflags, "-o", exe, os.path.join(HERE, "tsparse.c"), *objs, *libs])
    return exe


def findings_rr(repo):
    """rustreview's findings on the corpus: [(path, line, rule, line text)]."""
    p = subprocess.run([BINARY, "check", "--repo", repo, "--format", "json", "HEAD~1", "HEAD"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode not in (0, 1):
        raise RuntimeError("rustreview check failed: " + p.stderr)
    return [(f["path"], f["line"], f["rule"]) for f in json.loads(p.stdout)["findings"]]


def findings_sg(src_dir):
    """ast-grep's: [(path relative to src_dir, line, rule, the matched lines)]."""
    p = subprocess.run([AST_GREP, "scan", "-c", SG_CONFIG, "--json=stream", src_dir],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=HERE)
    out = []
    for line in p.stdout.splitlines():
        if line.strip():
            r = json.loads(line)
            out.append((os.path.relpath(r["file"], src_dir), r["range"]["start"]["line"] + 1,
                        r["ruleId"], r.get("lines", "")))
    return out


def counts(findings):
    c = {}
    for f in findings:
        c[f[2]] = c.get(f[2], 0) + 1
    return c


# Findings ast-grep's plain patterns report and rustreview's rules leave alone
# on purpose (review/rules/panic_idioms.c), recognised by the matched line:
# what each skip is, so the row counts them instead of calling the rules unequal.
IDIOM_SKIPS = (
    ("unwrap_used", re.compile(r"\.(lock|read|write)\(\)\s*\.unwrap\(\)"),
     "`.lock()/.read()/.write().unwrap()` (lock poisoning)"),
    ("expect_used", re.compile(r"\.expect\(\s*\"[^\"]+\"\s*\)"),
     "`.expect(\"..\")` whose message states why it cannot fail"),
)


def compare_findings(rr, sg):
    """Per rule ast-grep has: both at the same line, ast-grep only (each
    explained by an idiom skip, or not), rustreview only."""
    ours = {}
    for f in rr:
        ours[(f[0], f[1], f[2])] = ours.get((f[0], f[1], f[2]), 0) + 1
    res = {}
    for rule in sorted(set(f[2] for f in sg)):
        res[rule] = {"ours": sum(1 for f in rr if f[2] == rule),
                     "sg": sum(1 for f in sg if f[2] == rule), "both": 0, "sg_only": 0,
                     "skips": {}, "unexplained": [], "ours_only": 0}
    left = dict(ours)
    for path, line, rule, text in sg:
        r = res[rule]
        if left.get((path, line, rule), 0) > 0:
            left[(path, line, rule)] -= 1
            r["both"] += 1
            continue
        r["sg_only"] += 1
        why = next((label for rid, rx, label in IDIOM_SKIPS if rid == rule and rx.search(text)),
                   None)
        if why:
            r["skips"][why] = r["skips"].get(why, 0) + 1
        else:
            r["unexplained"].append("%s:%d" % (path, line))
    for (path, line, rule), n in left.items():
        if rule in res:
            res[rule]["ours_only"] += n
    return res


def clippy_single_files(files, tmp):
    """clippy-driver on each file as its own lib crate, the lints enabled; seconds in all."""
    lints = ["unwrap_used", "expect_used", "dbg_macro", "todo", "len_zero", "ptr_arg",
             "undocumented_unsafe_blocks"]
    total = 0.0
    for path in files:
        argv = ["clippy-driver", "--edition", "2021", "--crate-type", "lib", "--emit=metadata",
                "-o", os.path.join(tmp, "clippy.rmeta"), "--cap-lints", "warn"]
        for lint in lints:
            argv += ["-W", "clippy::" + lint]
        t0 = time.perf_counter()
        p = subprocess.run(argv + [path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        total += time.perf_counter() - t0
        if p.returncode != 0:
            raise RuntimeError("clippy-driver failed on %s:\n%s" % (path, p.stderr[-2000:]))
    return total


def engine(tmp):
    tsparse = build_tsparse()
    runs = 3 if QUICK else 5
    res = {"corpora": []}
    for name, repo in corpora():
        files = rust_files(repo)
        lines, nbytes = count_lines(files), sum(os.path.getsize(p) for p in files)
        say("engine: %s (%d files, %d lines, %.1f MB)" % (name, len(files), lines, nbytes / 1e6))
        rr_cmd = "%s check --repo %s HEAD~1 HEAD" % (BINARY, repo)
        eq = equivalent_repo(repo)
        rr_eq_cmd = "%s check --repo %s HEAD~1 HEAD" % (BINARY, eq)
        sg_cmd = "%s scan -c %s --json=stream %s" % (AST_GREP, SG_CONFIG, repo)
        sg1_cmd = "%s scan -j 1 -c %s --json=stream %s" % (AST_GREP, SG_CONFIG, repo)
        t = hyperfine([rr_cmd, sg_cmd, sg1_cmd, rr_eq_cmd], runs)
        ts = json.loads(run([tsparse, "--min-ms", "300" if QUICK else "1500"] + files).stdout)
        c = {"name": name, "files": len(files), "lines": lines, "bytes": nbytes,
             "rr_s": t[0]["min"], "sg_s": t[1]["min"], "sg1_s": t[2]["min"],
             "rr_eq_s": t[3]["min"], "sg_rules": len(SG_RULES),
             "default_rules": len(default_rules()),
             "parse_s": ts["parse_s"], "scan_s": ts["scan_s"]}
        if name == "generated":
            rr_found, sg_found = findings_rr(repo), findings_sg(repo)
            c["rr_counts"], c["sg_counts"] = counts(rr_found), counts(sg_found)
            c["compare"] = compare_findings(rr_found, sg_found)
            _, _, c["rr_rss_kb"] = run_rusage([BINARY, "check", "--repo", repo, "HEAD~1", "HEAD"])
            _, _, c["sg_rss_kb"] = run_rusage([AST_GREP, "scan", "-c", SG_CONFIG, repo])
            sample = random.Random(7).sample(files, CLIPPY_FILES)
            say("engine: clippy-driver on %d single files" % len(sample))
            c["clippy_s"] = clippy_single_files(sample, tmp)
            c["clippy_lines"] = count_lines(sample)
            # rustreview and ast-grep on exactly those files, for the same ratio.
            one = os.path.join(tmp, "clippy-sample")
            os.makedirs(os.path.join(one, "src"))
            for p in sample:
                shutil.copy(p, os.path.join(one, "src"))
            commit_all(one)
            t2 = hyperfine(["%s check --repo %s HEAD~1 HEAD" % (BINARY, one)], runs)
            c["rr_sample_s"] = t2[0]["min"]
        res["corpora"].append(c)
    return res


# ---- 3. end to end -----------------------------------------------------------

PR_FILES = 20
OWNER, REPO = "bench", "service"
APP_ID = "4242"

PR_ADDITION = '''
/// Reads the retry budget from the environment ($n).
pub fn retry_budget_$n(raw: &str, seen: &Vec<u32>) -> u32 {
    if seen.len() == 0 {
        return raw.trim().parse().unwrap();
    }
    seen.iter().copied().max().expect("seen is not empty")
}
'''


def e2e_world(tmp, fresh=False):
    """A repository of 20 .rs files (~10 KB each, generated) and a PR that edits
    every one of them: a changed line near the top and a new function at the end.
    fresh: every pull request n gets a head of its own (that PR's commit plus one
    more touching the 20 files, as a new push brings), so no run finds its head
    in the mirror and each one fetches; otherwise every PR has the same head."""
    gen = os.path.join(tmp, "gen")
    run([sys.executable, os.path.join(HERE, "gencorpus.py"), gen, "--bytes",
         str(PR_FILES * 10_000), "--file-bytes", "10000", "--seed", "11"])
    git_root = os.path.join(tmp, "git")
    bare = os.path.join(git_root, OWNER, REPO + ".git")
    os.makedirs(bare)
    h.git(bare, "init", "-q", "--bare", "-b", "main")
    w = os.path.join(tmp, "work")
    shutil.copytree(gen, w)
    h.git(w, "init", "-q", "-b", "main")
    h.write(os.path.join(w, "Cargo.toml"), '[package]\nname = "service"\nversion = "0.1.0"\n')
    h.git(w, "add", "-A")
    h.git(w, "commit", "-q", "-m", "base")
    base = h.git(w, "rev-parse", "HEAD")
    h.git(w, "checkout", "-q", "-b", "feature")
    files = rust_files(os.path.join(w, "src"))[:PR_FILES]
    added = 0
    for i, p in enumerate(files):
        with open(p) as f:
            text = f.read()
        text = text.replace("/// Shared lookup type.", "/// Shared lookup type (keys are ids).", 1)
        text += PR_ADDITION.replace("$n", str(i))
        added += 1 + PR_ADDITION.count("\n")
        with open(p, "w") as f:
            f.write(text)
    h.git(w, "commit", "-q", "-am", "retry budgets")
    head = h.git(w, "rev-parse", "HEAD")
    h.git(w, "push", "-q", bare, "main", "feature")
    heads = {n: head for n in range(1, E2E_RUNS + 2)}
    if fresh:
        for n in heads:
            h.git(w, "checkout", "-q", "--detach", head)
            for p in files:
                with open(p, "a") as f:
                    f.write("// push %d\n" % n)
            h.git(w, "commit", "-q", "-am", "push %d" % n)
            heads[n] = h.git(w, "rev-parse", "HEAD")
    refs = ["%s:refs/pull/%d/head" % (heads[n], n) for n in heads]
    h.git(w, "push", "-q", bare, *refs)
    size = sum(os.path.getsize(p) for p in files)
    return {"bare": bare, "git_root": git_root, "base": base, "head": head, "heads": heads,
            "fresh": fresh, "files": len(files), "bytes": size, "added": added + (len(files) if fresh else 0)}


def e2e(tmp):
    """Webhook → review posted, twice over: every PR on the head already in the
    mirror (a redelivery, a retry, a reopened PR: no fetch), and every PR on a
    new push (its head fetched each time). The first is the result's own
    world/times/phases, the second its "fresh". With RR_BENCH_BASELINE, the
    older binary runs each world just before this one (under "before")."""
    before = {}
    if BASELINE:
        before[False] = e2e_variant(os.path.join(tmp, "e2e-same-before"), False, BASELINE)
    same = e2e_variant(os.path.join(tmp, "e2e-same"), fresh=False)
    if BASELINE:
        before[True] = e2e_variant(os.path.join(tmp, "e2e-fresh-before"), True, BASELINE)
    same["fresh"] = e2e_variant(os.path.join(tmp, "e2e-fresh"), fresh=True)
    if BASELINE:
        same["before"] = before[False]
        same["fresh"]["before"] = before[True]
    return same


def e2e_variant(tmp, fresh, binary=None):
    os.makedirs(tmp)
    world = e2e_world(tmp, fresh)
    procs = []
    try:
        key, pub = h.make_rsa_key(tmp)
        token_file = os.path.join(tmp, "tokens")
        open(token_file, "w").close()
        gp, ap = os.path.join(tmp, "git.port"), os.path.join(tmp, "api.port")
        procs.append(h.Proc("githttp", [sys.executable, os.path.join(ROOT, "tests", "e2e", "githttp.py"),
                                        "--root", world["git_root"], "--port-file", gp,
                                        "--token-file", token_file], tmp))
        procs.append(h.Proc("fakegithub", [sys.executable, os.path.join(ROOT, "tests", "e2e", "fakegithub.py"),
                                           "--port-file", ap, "--app-id", APP_ID, "--public-key", pub,
                                           "--token-file", token_file], tmp))
        git_url = "http://127.0.0.1:%s" % h.wait_for_file(gp)
        api = "http://127.0.0.1:%s" % h.wait_for_file(ap)
        port = h.free_port()
        data = os.path.join(tmp, "e2e-data")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port, "RUSTREVIEW_DATA_DIR": data,
               "RUSTREVIEW_WORKERS": "2", "RUSTREVIEW_LOG_LEVEL": "debug",
               "RUSTREVIEW_GITHUB_APP_ID": APP_ID, "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE": key,
               "RUSTREVIEW_GITHUB_WEBHOOK_SECRET": SECRET, "RUSTREVIEW_GITHUB_API_URL": api,
               "RUSTREVIEW_GITHUB_GIT_URL": git_url,
               # 41 reviews in well under a minute: past GitHub's 80 content-creating
               # calls a minute, which the bot would pace (this measures latency).
               "RUSTREVIEW_PACE_PER_MINUTE": "100000", "RUSTREVIEW_PACE_PER_HOUR": "1000000"}
        server = h.Proc("rustreview-e2e", [binary or BINARY, "serve"], tmp, env=env)
        procs.append(server)
        url = "http://127.0.0.1:%d" % port
        h.wait_http_ok(url + "/healthz")
        with open(os.path.join(ROOT, "tests", "fixtures", "github", "pull_request.opened.json")) as f:
            template = json.load(f)
        db = os.path.join(data, "rustreview.db")
        times = []
        say("e2e: %d files, %d added lines; 1 cold run, then %d timed runs on the warm mirror, %s"
            % (world["files"], world["added"], E2E_RUNS,
               "a new head each run" if fresh else "one head for every PR"))
        for n in range(1, E2E_RUNS + 2):
            status, _, body = h.http("POST", api + "/_fake/pulls", {
                "owner": OWNER, "repo": REPO, "number": n, "git_dir": None,
                "base_sha": world["base"], "head_sha": world["heads"][n]})
            assert status in (200, 201), body
            p = copy.deepcopy(template)
            p["number"] = p["pull_request"]["number"] = n
            p["pull_request"]["draft"] = False
            p["pull_request"]["head"].update(sha=world["heads"][n], ref="feature")
            p["pull_request"]["base"].update(sha=world["base"], ref="main")
            p["repository"]["clone_url"] = "%s/%s/%s.git" % (git_url, OWNER, REPO)
            p["repository"]["url"] = "%s/repos/%s/%s" % (api, OWNER, REPO)
            p["repository"]["full_name"] = "%s/%s" % (OWNER, REPO)
            p["repository"]["name"] = REPO
            p["repository"]["owner"]["login"] = OWNER
            p["installation"]["id"] = 1
            raw = json.dumps(p).encode()
            headers = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request",
                       "X-GitHub-Delivery": str(uuid.uuid4()),
                       "X-Hub-Signature-256": h.github_signature(SECRET, raw)}
            t0 = time.perf_counter()
            status, _, resp = h.http("POST", url + "/webhooks/github", raw, headers)
            if status != 202:
                raise RuntimeError("e2e: delivery %d answered %d %s" % (n, status, resp))
            job = json.loads(resp).get("job")
            state = wait_job(db, n, server)
            elapsed = time.perf_counter() - t0
            if state != "done":
                raise RuntimeError("e2e: job for PR %d ended %s:\n%s" % (n, state, server.output()[-3000:]))
            if n > 1:
                times.append(elapsed * 1000)
            _ = job
        # Every run must have posted its review with the expected comments.
        posted, comments = 0, set()
        for n in range(1, E2E_RUNS + 2):
            _, _, body = h.http("GET", "%s/_fake/reviews?owner=%s&repo=%s&number=%d" % (api, OWNER, REPO, n))
            revs = json.loads(body)["reviews"]
            if len(revs) == 1 and revs[0]["comments"]:
                posted += 1
                comments.add(len(revs[0]["comments"]))
        world["posted"] = posted
        world["comments"] = sorted(comments)
        world["rss_kb"] = peak_rss_kb(server.p.pid)
        phases = review_phases(server.output())
    finally:
        for p in reversed(procs):
            p.close()
    times.sort()
    return {"world": world, "times": times, "phases": phases}


def review_phases(log):
    """The worker's review.phases log lines (microseconds per job), the cold first run left out."""
    rows = []
    for line in log.splitlines():
        if '"review.phases"' not in line:
            continue
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    rows = rows[1:]
    out = {}
    for k in E2E_PHASES:
        out[k[1]] = sorted(r.get(k[1], 0) / 1000.0 for r in rows)
    out["fetched"] = sum(1 for r in rows if r.get("fetched"))
    return out


# The worker's review.phases fields, in the order a job runs them.
E2E_PHASES = (("fetch (negotiation, pack; none when the mirror has the head and base)", "fetch_us"),
              ("diff", "diff_us"),
              ("review (parse, rules, new-findings filter)", "review_us"),
              ("pacing (the budget's SQLite transaction)", "pace_us"),
              ("publish (forge API: list existing comments, post the review)", "publish_us"),
              ("status (forge API: the head's status)", "status_us"))


def e2e_rows(e2):
    """The end-to-end rows: each variant's p50/p99, then where its time goes."""
    rows = []
    for label, r in (("one head for every PR (in the mirror after the first run: no fetch)", e2),
                     ("a new push each run (head fetched)", e2.get("fresh"))):
        if not r:
            continue
        w, t, ph = r["world"], r["times"], r.get("phases") or {}
        p50, p99 = pct(t, 50), pct(t, 99)
        ok = w["posted"] == len(t) + 1 and len(w["comments"]) == 1
        b = r.get("before")
        before = (" (before: p50 %.1f ms, p99 %.1f ms)" % (pct(b["times"], 50), pct(b["times"], 99))
                  if b else "")
        rows.append(("End to end: webhook → review on fake GitHub, %d-file PR (%.0f KB, %d added "
                     "lines), warm mirror, %s, %d runs" % (w["files"], w["bytes"] / 1024, w["added"],
                                                           label, len(t)),
                     "p50 %.1f ms, p99 %.1f ms (%d/%d reviews posted, %s comments each)%s"
                     % (p50, p99, w["posted"], len(t) + 1, "/".join(map(str, w["comments"])), before),
                     "", "", "p50 < 50 ms", yes(p50 < 50 and ok)))
        if not ph.get("fetch_us"):
            continue
        known = 0.0
        for name, k in E2E_PHASES:
            known += pct(ph[k], 50)
            rows.append(("End to end (%s), where the time goes: %s, p50" % (label.split(" (")[0], name),
                         "%.1f ms" % pct(ph[k], 50) + (" (%d of %d runs fetched)" % (ph["fetched"], len(ph[k]))
                                                      if k == "fetch_us" else ""),
                         "", "", "report", ""))
        rows.append(("End to end (%s), where the time goes: webhook, queue, claim, settle and the "
                     "bench's 1 ms polling (p50 total minus the phases)" % label.split(" (")[0],
                     "%.1f ms" % max(0.0, p50 - known), "", "", "report", ""))
    return rows


def wait_job(db, number, server, timeout=30.0):
    """Polls the queue (read-only) until the PR's job is settled; returns its state."""
    deadline = time.perf_counter() + timeout
    con = None
    try:
        while time.perf_counter() < deadline:
            if con is None and os.path.exists(db):
                con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
            if con is not None:
                row = con.execute("SELECT state FROM jobs WHERE number = ? ORDER BY id DESC LIMIT 1",
                                  (number,)).fetchone()
                if row and row[0] in ("done", "failed", "superseded"):
                    return row[0]
            if not server.alive():
                raise RuntimeError("rustreview serve died:\n" + server.output()[-3000:])
            time.sleep(0.001)
    finally:
        if con is not None:
            con.close()
    raise RuntimeError("e2e: job for PR %d did not finish in %.0f s" % (number, timeout))


def pct(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


# ---- 5. cost that follows the change ------------------------------------------

BIG_FN = """/// Reads the retry budget from the environment.
pub fn retry_budget(raw: &str, seen: &Vec<u32>) -> u32 {
    if seen.len() == 0 {
        return raw.trim().parse().unwrap();
    }
    seen.iter().copied().max().expect("seen is not empty")
}
"""


def big_file_repo():
    """A repository of one generated 800 KB Rust file whose head adds one
    function at a top-level item boundary in the middle."""
    repo = os.path.join(OUT, "bigfile-800k")
    if os.path.isfile(os.path.join(repo, ".done")):
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    run([sys.executable, os.path.join(HERE, "gencorpus.py"), repo, "--bytes", "800000",
         "--file-bytes", "800000", "--seed", "5"])
    h.git(repo, "init", "-q", "-b", "main")
    h.git(repo, "add", "-A")
    h.git(repo, "commit", "-q", "-m", "base")
    path = rust_files(repo)[0]
    with open(path) as f:
        lines = f.read().split("\n")
    at = next(i for i in range(len(lines) // 2, len(lines)) if lines[i].startswith("/// "))
    lines[at:at] = BIG_FN.split("\n")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    h.git(repo, "commit", "-q", "-am", "one function")
    open(os.path.join(repo, ".done"), "w").close()
    return repo


def build_floor():
    """The floor program (libgit2 init + open) and an empty C program."""
    floor, empty = os.path.join(OUT, "floor"), os.path.join(OUT, "empty")
    cc = os.environ.get("CC", "cc")
    libgit2 = run(["pkg-config", "--libs", "libgit2"]).stdout.split()
    run([cc, "-O2", "-std=c17", "-Wall", "-Wextra", "-Werror", "-o", floor,
         os.path.join(HERE, "floor.c"), *libgit2])
    src = os.path.join(OUT, "empty.c")
    with open(src, "w") as f:
        f.write("int main(void) { return 0; }\n")
    run([cc, "-O2", "-o", empty, src])
    return floor, empty


def corpora_dir():
    env = os.environ.get("RR_CORPORA")
    for d in ([env] if env else []) + [os.path.join(ROOT, "..", "shared", "corpora"),
                                       os.path.join(ROOT, "..", "..", "shared", "corpora")]:
        if d and os.path.isfile(os.path.join(d, "hyper.bundle")):
            return d
    return None


def replay_world(corpora, name):
    """The corpus cloned, its replay commits, and each commit's changed .rs
    post-images written out (for ast-grep): [(commit, dir or None)]."""
    base = os.path.join(OUT, "replay")
    repo = os.path.join(base, name)
    if not os.path.isfile(os.path.join(base, name + ".done")):
        shutil.rmtree(repo, ignore_errors=True)
        os.makedirs(base, exist_ok=True)
        run(["git", "clone", "-q", os.path.join(corpora, name + ".bundle"), repo])
        open(os.path.join(base, name + ".done"), "w").close()
    with open(os.path.join(corpora, name + "-replay.txt")) as f:
        commits = [c.strip() for c in f if c.strip()][:REPLAY_COMMITS]
    post = os.path.join(base, name + "-post")
    out = []
    for i, c in enumerate(commits):
        d = os.path.join(post, "%03d" % i)
        if not os.path.isdir(d):
            names = run(["git", "-C", repo, "diff-tree", "-r", "--no-commit-id", "--name-only",
                         "--no-renames", "--diff-filter=AM", c + "^", c, "--", "*.rs"]).stdout.split()
            os.makedirs(d)
            for n in names:
                blob = subprocess.run(["git", "-C", repo, "cat-file", "blob", "%s:%s" % (c, n)],
                                      stdout=subprocess.PIPE, check=True).stdout
                dest = os.path.join(d, n)
                os.makedirs(os.path.dirname(dest), exist_ok=True)
                with open(dest, "wb") as f:
                    f.write(blob)
        out.append((c, d if rust_files(d) else None))
    return repo, out


def timed_run(argv, ok=(0, 1), cwd=None):
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd)
    t = time.perf_counter() - t0
    if p.returncode not in ok:
        raise RuntimeError("%s exited %d: %s" % (argv[0], p.returncode, p.stderr[-2000:]))
    return t


def build_spawnloop():
    exe = os.path.join(OUT, "spawnloop")
    run([os.environ.get("CC", "cc"), "-O2", "-std=c17", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
         "-o", exe, os.path.join(HERE, "spawnloop.c")])
    return exe


def replay(corpora, name):
    """One check per commit (and the baseline's), ast-grep -j1 on each commit's
    changed files, started by spawnloop.c (posix_spawn, no Python fork per
    command) and interleaved per commit so load drift hits all alike."""
    repo, commits = replay_world(corpora, name)
    say("change: replay of %d %s commits, one check per commit vs ast-grep -j1" % (len(commits), name))
    loop = build_spawnloop()
    sg = os.path.abspath(AST_GREP)
    cmds = []
    for c, d in commits:
        cmds.append(["rr", BINARY, "check", "--repo", repo, "--format", "json", c + "^", c])
        if d:
            cmds.append(["sg", sg, "scan", "-j", "1", "-c", SG_CONFIG, "--json=stream", d])
        if BASELINE and os.environ.get("RR_BENCH_BASELINE_REPLAY", "1") != "0":
            cmds.append(["base", BASELINE, "check", "--repo", repo, "--format", "json", c + "^", c])
    path = os.path.join(OUT, "replay-%s.cmds" % name)
    for f, lines in ((path + ".warm", cmds[:6]), (path, cmds)):
        with open(f, "w") as out:
            out.write("".join("\t".join(c) + "\n" for c in lines))
    run([loop, path + ".warm"], cwd=HERE)           # the page cache, the first process starts
    res = json.loads(run([loop, path], cwd=HERE).stdout)
    tot = {k: res.get(k, {"seconds": 0.0})["seconds"] for k in ("rr", "sg", "base")}
    tot["commits"] = len(commits)
    tot["scanned"] = sum(1 for _, d in commits if d)
    return repo, tot


def throughput(repo, corpora, name):
    exe = build_bench_program("reviewbench")
    say("change: in-process review throughput on %s (warm repository, 1 thread)" % name)
    return json.loads(run([exe, repo, os.path.join(corpora, name + "-replay.txt"),
                           "1" if QUICK else "4", "1"]).stdout)


def change(tmp):
    res = {"baseline": bool(BASELINE)}
    big = big_file_repo()
    path = rust_files(big)[0]
    with open(path, "rb") as f:
        data = f.read()
    res["big_bytes"], res["big_lines"] = len(data), data.count(b"\n")
    say("change: one function added to an %d-byte file" % len(data))
    cmds = ["%s check --repo %s HEAD~1 HEAD" % (BINARY, big),
            "%s scan -j 1 -c %s --json=stream %s" % (AST_GREP, SG_CONFIG, path)]
    t = hyperfine(cmds, 5 if QUICK else 20)
    if BASELINE:                             # may be slow: a few runs
        t += hyperfine(["%s check --repo %s HEAD~1 HEAD" % (BASELINE, big)], 3)
    res["big"] = t
    floor, empty = build_floor()
    say("change: check on an empty range beside the floor")
    cmds = [empty, "%s %s" % (floor, big), "%s check --repo %s HEAD HEAD" % (BINARY, big)]
    if BASELINE:
        cmds.append("%s check --repo %s HEAD HEAD" % (BASELINE, big))
    res["startup"] = hyperfine(cmds, 20 if QUICK else 100)
    corpora = corpora_dir()
    res["replay"] = {}
    if not corpora:
        say("change: no ../shared/corpora: the replay and throughput rows are left out")
        return res
    for name in ("hyper", "ripgrep"):
        repo, tot = replay(corpora, name)
        res["replay"][name] = tot
        if name == "hyper":
            res["throughput"] = throughput(repo, corpora, name)
            res["throughput"]["corpus"] = name
    return res


# ---- the table ---------------------------------------------------------------

def yes(ok):
    return "yes" if ok else "**no**"


def ms(x):
    return "%.1f ms" % (x * 1000)


def change_rows(ch, e2):
    rows = []
    b = ch["big"]
    before = " (before: median %s)" % ms(b[2]["median"]) if ch["baseline"] else ""
    r = b[1]["median"] / b[0]["median"]
    rows.append(("Change: one function added to an %.0f KB, %d-line Rust file: `check` "
                 "wall, median of 20 (min)" % (ch["big_bytes"] / 1024, ch["big_lines"]),
                 "%s (%s)%s" % (ms(b[0]["median"]), ms(b[0]["min"]), before),
                 "ast-grep -j1 on that file, its 7 rules: %s (%s)" % (ms(b[1]["median"]), ms(b[1]["min"])),
                 "%.1f×" % r, "≤ 20 ms", yes(b[0]["median"] <= 0.020)))
    st = ch["startup"]
    ratio = st[2]["median"] / st[1]["median"]
    before = (" (before: %s, %.2f× the floor)" % (ms(st[3]["median"]), st[3]["median"] / st[1]["median"])
              if ch["baseline"] else "")
    rows.append(("Start-up: `check` on an empty range beside the floor (a C program that only "
                 "initialises libgit2 and opens the repository), median of 100",
                 "%s%s" % (ms(st[2]["median"]), before),
                 "floor %s; an empty C program %s" % (ms(st[1]["median"]), ms(st[0]["median"])),
                 "%.2f× the floor" % ratio, "≤ 1.3× the floor", yes(ratio <= 1.3)))
    for name, t in sorted(ch["replay"].items()):
        r = t["sg"] / t["rr"] if t["rr"] else float("inf")
        before = (" (before: %.2f s, %.1f ms each)" % (t["base"], 1000 * t["base"] / t["commits"])
                  if ch["baseline"] and t["base"] else "")
        rows.append(("Change: replay of the %d last commits of %s, one `check` process per commit "
                     "(all default rules)" % (t["commits"], name),
                     "%.2f s, %.1f ms per commit%s" % (t["rr"], 1000 * t["rr"] / t["commits"], before),
                     "ast-grep -j1, its 7 rules, on each commit's changed .rs files (%d commits "
                     "with any): %.2f s" % (t["scanned"], t["sg"]),
                     "%.2f×" % r, "≥ 3×", yes(r >= 3)))
    if "throughput" in ch:
        tp = ch["throughput"]
        rows.append(("Change: in-process reviews/s, the %d %s commits on a warm repository, one "
                     "thread, no process start" % (tp["reviews"], tp["corpus"]),
                     "%.0f reviews/s, %.0f files/s (ranged parsing)" % (tp["ranged_reviews_s"], tp["ranged_files_s"]),
                     "every file parsed whole: %.0f reviews/s, %.0f files/s" % (tp["whole_reviews_s"], tp["whole_files_s"]),
                     "%.2f×" % (tp["ranged_reviews_s"] / tp["whole_reviews_s"]),
                     "same findings", yes(tp["ranged_findings"] == tp["whole_findings"])))
    return rows


def change_table(m, v, e2, ch, seconds):
    """RR_BENCH_ONLY=change: the change rows and the end-to-end row alone."""
    rows = e2e_rows(e2) + change_rows(ch, e2)
    lines = ["## rustreview benchmarks: the change (RR_BENCH_ONLY=change)", "",
             "Machine: %d CPUs, %s, %.1f GiB RAM; %s. Run took %.0f s; load average %.2f at "
             "the start, %.2f at the end (the machine is shared)." % (
                 m["nproc"], m["cpu"], m["mem_gib"], time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 seconds, m["load_start"], os.getloadavg()[0]),
             "Versions: " + "; ".join("%s %s" % (k, x) for k, x in v.items()), "",
             "| benchmark | rustreview | alternative | ratio | goal | met |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def table(m, v, ing, q, ka, eng, e2, seconds, rep=None, ch=None):
    rows = []
    for conns in INGEST_CONNECTIONS:
        rr, nd = ing["rr"][conns], ing["node"][conns]
        ratio = rr["rps"] / nd["rps"] if nd["rps"] else float("inf")
        rows.append(("Ingest: deliveries/s (%d-byte signed `pull_request`, wrk -c%d, %d s)"
                     % (ing["body_bytes"], conns, INGEST_SECONDS),
                     "%.0f /s (%d × 202, durable; %d jobs in SQLite)" % (rr["rps"], rr["accepted"], rr["jobs"]),
                     "%.0f /s (%d × 200, in memory)" % (nd["rps"], nd["accepted"]),
                     "%.2f×" % ratio, "≥ %d×" % INGEST_GOAL, yes(ratio >= INGEST_GOAL)))
        rows.append(("Ingest: latency p50 / p99 at -c%d" % conns,
                     "%.2f / %.2f ms" % (rr["p50_us"] / 1000, rr["p99_us"] / 1000),
                     "%.2f / %.2f ms" % (nd["p50_us"] / 1000, nd["p99_us"] / 1000),
                     "p99 %.2f×" % (nd["p99_us"] / rr["p99_us"] if rr["p99_us"] else float("inf")),
                     "lower p99", yes(rr["p99_us"] < nd["p99_us"])))
    for conns in INGEST_CONNECTIONS:
        ev, nd = ing["event"][conns], ing["node"][conns]
        rows.append(("Ingest, event-driven (RUSTREVIEW_HTTP_THREADS=%d: epoll, suspended connections), "
                     "wrk -c%d: deliveries/s, p50 / p99" % (EVENT_THREADS, conns),
                     "%.0f /s (%d × 202, durable); %.2f / %.2f ms; %.2f server cores"
                     % (ev["rps"], ev["accepted"], ev["p50_us"] / 1000, ev["p99_us"] / 1000,
                        ev["cpu"]["server_cores"]),
                     "Node %.0f /s; thread per connection %.0f /s on %.2f cores"
                     % (nd["rps"], ing["rr"][conns]["rps"], ing["rr"][conns]["cpu"]["server_cores"]),
                     "%.2f×" % (ev["rps"] / nd["rps"] if nd["rps"] else float("inf")), "report", ""))
    ce, nd0 = ing["ceiling"], ing["node"][INGEST_CONNECTIONS[0]]
    rows.append(("Ingest ceiling: the same server answering 401 right after HMAC-verifying each body "
                 "(no parse, no queue), wrk -c%d: what 2 shared cores allow at all" % INGEST_CONNECTIONS[0],
                 "%.0f /s (%d × 401)" % (ce["rps"], ce["codes"].get("other", 0)),
                 "%d× Node would be %.0f /s" % (INGEST_GOAL, INGEST_GOAL * nd0["rps"]),
                 "%.2f× Node" % (ce["rps"] / nd0["rps"]), "report", ""))
    nu = ing["null"]
    rows.append(("Ingest hard ceiling: a null HTTP server in C (one epoll thread: reads each request, "
                 "answers 200 without looking), wrk -c%d: the most any server gets from this load "
                 "generator on these cores" % INGEST_CONNECTIONS[0],
                 "%.0f /s" % nu["rps"], "%d× Node would be %.0f /s" % (INGEST_GOAL, INGEST_GOAL * nd0["rps"]),
                 "%.2f× Node" % (nu["rps"] / nd0["rps"]), "report", ""))

    rows.append(("Fast path, queue alone: durable enqueues/s (no HTTP)",
                 "%.0f /s `queue_enqueue` x4 threads (group commit)" % q["real"],
                 "same SQL: %d /s at 1 per commit, %d /s at 16 per commit" % (q["txn1"], q["txn16"]),
                 "group commit %.1f×" % (q["txn16"] / q["txn1"]), "report", ""))
    rows.append(("Fast path, forge API calls over HTTPS (fake GitHub over TLS on loopback): "
                 "mean per call, %d sequential GETs" % ka["calls"],
                 "%.2f ms with connection reuse (%d new connections)" % (ka["reuse_ms"], ka["reuse_connections"]),
                 "%.2f ms with a new connection per call (%d)" % (ka["fresh_ms"], ka["fresh_connections"]),
                 "reuse %.1f×" % (ka["fresh_ms"] / ka["reuse_ms"]), "report", ""))
    for c in eng["corpora"]:
        lps = lambda s: c["lines"] / s  # noqa: E731
        label = "%s: %d files, %d lines, %.2f MB" % (c["name"], c["files"], c["lines"], c["bytes"] / 1e6)
        best_sg = min(c["sg_s"], c["sg1_s"])
        r = best_sg / c["rr_s"]
        rows.append(("Engine, %s: Rust lines/s (best of runs, wall), all %d default rules"
                     % (label, c["default_rules"]),
                     "%.0f k/s (`check`, %d threads, %.3f s)" % (lps(c["rr_s"]) / 1e3, os.cpu_count() or 1, c["rr_s"]),
                     "ast-grep %.0f k/s, its %d rules (-j2 %.3f s, -j1 %.3f s)" % (lps(best_sg) / 1e3, c["sg_rules"], c["sg_s"], c["sg1_s"]),
                     "%.2f×" % r, "≥ 2× ast-grep", yes(r >= 2)))
        r = best_sg / c["rr_eq_s"]
        rows.append(("Engine, %s: the same %d rules on both sides (the others off in `.rustreview.toml`)"
                     % (c["name"], c["sg_rules"]),
                     "%.0f k/s (%.3f s)" % (lps(c["rr_eq_s"]) / 1e3, c["rr_eq_s"]),
                     "ast-grep %.0f k/s" % (lps(best_sg) / 1e3),
                     "%.2f×" % r, "≥ 2× ast-grep", yes(r >= 2)))
        floor2 = c["parse_s"] / (os.cpu_count() or 1)
        rows.append(("Engine, %s: ceiling of any reviewer that parses every file with tree-sitter: "
                     "bare parse split perfectly over %d cores" % (c["name"], os.cpu_count() or 1),
                     "%.3f s" % floor2, "ast-grep %.3f s" % best_sg,
                     "%.2f× ast-grep" % (best_sg / floor2), "report", ""))
        rows.append(("Engine, %s: tree-sitter bare parse (floor)" % c["name"],
                     "%.0f k lines/s; review = %.2f× parse time" % (lps(c["parse_s"]) / 1e3, c["rr_s"] / c["parse_s"]),
                     "token scan %.0f k lines/s" % (lps(c["scan_s"]) / 1e3), "", "report", ""))
        if "clippy_s" in c:
            cl = c["clippy_lines"]
            r2 = c["clippy_s"] / c["rr_sample_s"]
            rows.append(("Engine: %d single files (%d lines) vs clippy-driver" % (CLIPPY_FILES, cl),
                         "%.0f k lines/s (%.3f s)" % (cl / c["rr_sample_s"] / 1e3, c["rr_sample_s"]),
                         "clippy-driver %.1f k lines/s (%.2f s, one crate per file)" % (cl / c["clippy_s"] / 1e3, c["clippy_s"]),
                         "%.0f×" % r2, "report", ""))
            cmp = c["compare"]
            unexplained = sum(len(x["unexplained"]) + x["ours_only"] for x in cmp.values())
            per_rule, skipped = [], []
            for rule, x in sorted(cmp.items()):
                per_rule.append("%s %d/%d" % (rule, x["ours"], x["sg"]))
                for why, n in sorted(x["skips"].items()):
                    skipped.append("%d %s" % (n, why))
                if x["unexplained"] or x["ours_only"]:
                    skipped.append("%s: %d ast-grep only unexplained (%s), %d ours only"
                                   % (rule, len(x["unexplained"]),
                                      ", ".join(x["unexplained"][:3]), x["ours_only"]))
            rows.append(("Engine: findings on the generated corpus on the %d rules both have, "
                         "ours/ast-grep per rule, matched by file, line and rule" % len(cmp),
                         " ".join(per_rule),
                         "ast-grep's findings we leave alone on purpose: %s" % (
                             "; ".join(skipped) if skipped else "none"),
                         "%d same place, %d idiom skips" % (
                             sum(x["both"] for x in cmp.values()),
                             sum(sum(x["skips"].values()) for x in cmp.values())),
                         "every difference an idiom skip", yes(unexplained == 0)))
            rows.append(("Memory: peak RSS, `check` on the generated corpus",
                         "%.1f MB" % (c["rr_rss_kb"] / 1024), "ast-grep %.1f MB" % (c["sg_rss_kb"] / 1024),
                         "%.2f×" % (c["sg_rss_kb"] / c["rr_rss_kb"]), "report", ""))
    rr_rss = max(ing["rr"][c]["rss_kb"] for c in INGEST_CONNECTIONS)
    nd_rss = max(ing["node"][c]["rss_kb"] for c in INGEST_CONNECTIONS)
    rows.append(("Memory: peak RSS of the server under the ingest load (up to -c%d: a thread per connection)"
                 % max(INGEST_CONNECTIONS),
                 "%.1f MB" % (rr_rss / 1024), "Node %.1f MB" % (nd_rss / 1024),
                 "%.1f×" % (nd_rss / rr_rss), "report", ""))
    w = e2["world"]
    rows += e2e_rows(e2)
    rows.append(("Memory: peak RSS of the server after the end-to-end runs",
                 "%.1f MB" % (w["rss_kb"] / 1024), "", "", "report", ""))
    if ch:
        rows += change_rows(ch, e2)

    lines = ["## rustreview benchmarks%s" % (" (QUICK smoke run)" if QUICK else ""), "",
             "Machine: %d CPUs, %s, %.1f GiB RAM; %s. Run took %.0f s; load average %.2f at "
             "the start, %.2f at the end (the machine is shared)." % (
                 m["nproc"], m["cpu"], m["mem_gib"], time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), seconds,
                 m["load_start"], os.getloadavg()[0]),
             "Versions: " + "; ".join("%s %s" % (k, x) for k, x in v.items()), "",
             "| benchmark | rustreview | alternative | ratio | goal | met |",
             "| --- | --- | --- | --- | --- | --- |"]
    rows += replica_rows(rep or {})
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


# ---- ingest alone (RR_BENCH_ONLY=ingest) ------------------------------------------

def ingest_extra():
    """RR_BENCH_INGEST_EXTRA="label=path[,label=path...]": other `rustreview`
    builds (a "before", another design) measured in the same run, round by
    round beside this one and Node."""
    out = []
    for item in filter(None, os.environ.get("RR_BENCH_INGEST_EXTRA", "").split(",")):
        label, _, path = item.partition("=")
        if not path or not os.access(path, os.X_OK):
            raise SystemExit("RR_BENCH_INGEST_EXTRA: %r is not label=executable" % item)
        out.append((label, os.path.abspath(path)))
    return out


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def load_note(r):
    c = r["cpu"]
    return "%.1f→%.1f; %.2f / %.2f / %.2f" % (r["load"] + (c["server_cores"], c["wrk_cores"],
                                                          c["others_cores"]))


def ingest_only(tmp, t0):
    """RR_BENCH_ONLY=ingest: the ingest rows alone. RR_BENCH_ROUNDS=N (default
    1) measures every server N times, interleaved (this build, each
    RR_BENCH_INGEST_EXTRA build, Node; then again), so a shared machine's
    load falls on all of them alike; the table gives each run and the median,
    with the 1-minute load average when each wrk started and ended."""
    rounds = max(1, int(os.environ.get("RR_BENCH_ROUNDS", "1")))
    m, before = machine(), os.getloadavg()
    hole = BlackHole()
    servers = [("rustreview (a thread per connection)", lambda t: start_rustreview(t, hole.port)),
               ("rustreview, RUSTREVIEW_HTTP_THREADS=%d (epoll, suspended connections)" % EVENT_THREADS,
                lambda t: start_rustreview(t, hole.port,
                                           extra_env={"RUSTREVIEW_HTTP_THREADS": str(EVENT_THREADS)}))]
    for label, path in ingest_extra():
        servers.append((label, lambda t, p=path: start_rustreview(t, hole.port, binary=p)))
    servers.append(("Node @octokit/webhooks", start_node))
    runs = {label: [] for label, _ in servers}
    try:
        bodies = os.path.join(tmp, "deliveries")
        size = ingest_bodies(hole.port, bodies)
        for i in range(rounds):
            for label, start in servers:
                say("ingest round %d/%d: %s" % (i + 1, rounds, label))
                runs[label].append(ingest_one(start, tmp, bodies))
        say("ingest: verification-only ceiling (every signature wrong)")
        ceil = ingest_one(lambda t: start_rustreview(t, hole.port, secret="not-" + SECRET), tmp,
                          bodies, conns=INGEST_CONNECTIONS[:1])[INGEST_CONNECTIONS[0]]
        say("ingest: null server ceiling (reads each request, answers 200)")
        null = ingest_one(start_nullserver, tmp, bodies, conns=INGEST_CONNECTIONS[:1])[INGEST_CONNECTIONS[0]]
    finally:
        hole.close()
    after = os.getloadavg()
    node = runs["Node @octokit/webhooks"]
    node_rps = {c: median([r[c]["rps"] for r in node]) for c in INGEST_CONNECTIONS}
    rows = []
    for label, _ in servers:
        for c in INGEST_CONNECTIONS:
            rs = [r[c] for r in runs[label]]
            mid = sorted(rs, key=lambda r: r["rps"])[len(rs) // 2]
            rps = median([r["rps"] for r in rs])
            code = "200" if label.startswith("Node") else "202"   # Node answers 200
            answered = "%d × %s" % (mid["codes"].get(code, 0), code)
            other = mid["codes"].get("other", 0) + mid["errors"]
            rows.append((label, "-c%d" % c,
                         "**%.0f**" % rps + (" (%s)" % ", ".join("%.0f" % r["rps"] for r in rs)
                                             if len(rs) > 1 else ""),
                         "%.2f / %.2f" % (mid["p50_us"] / 1000, mid["p99_us"] / 1000),
                         "%.2f×" % (rps / node_rps[c]),
                         "%s%s%s" % (answered, ", %d other/errors" % other if other else "",
                                     "" if all(r["alive"] for r in rs) else ", DIED"),
                         " ".join(load_note(r) for r in rs)))
    for label, r in (("ceiling: this server, every signature wrong (401 after HMAC)", ceil),
                     ("ceiling: null C server (epoll, answers 200 unread)", null)):
        c = INGEST_CONNECTIONS[0]
        rows.append((label, "-c%d" % c, "%.0f" % r["rps"],
                     "%.2f / %.2f" % (r["p50_us"] / 1000, r["p99_us"] / 1000),
                     "%.2f×" % (r["rps"] / node_rps[c]), "", load_note(r)))
    lines = ["## rustreview benchmarks: ingest (RR_BENCH_ONLY=ingest)", "",
             "Machine: %d CPUs, %s, %.1f GiB RAM; %s. Run took %.0f s. Load average (1, 5, 15 min) "
             "%.2f %.2f %.2f before, %.2f %.2f %.2f after. %d-byte signed `pull_request`, "
             "wrk %d s per run, %d round%s. Goal: ≥ %d× Node with every 202 durable." % (
                 m["nproc"], m["cpu"], m["mem_gib"], time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 time.time() - t0, *before, *after, size, INGEST_SECONDS, rounds,
                 "" if rounds == 1 else "s", INGEST_GOAL), "",
             "| server | wrk | deliveries/s (median%s) | p50 / p99 ms | × Node | answers | "
             "load 1-min start→end; cores used by the server / wrk / everything else |"
             % ("; each round" if rounds > 1 else ""),
             "| --- | --- | --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    md = "\n".join(lines) + "\n"
    with open(os.path.join(OUT, "results-ingest.md"), "w") as f:
        f.write(md)
    with open(os.path.join(OUT, "results-ingest.json"), "w") as f:
        json.dump({"machine": m, "load_before": before, "load_after": after, "runs": runs,
                   "ceiling": ceil, "null": null}, f, indent=1)
    sys.stdout.write(md)


# ---- durable ingest by queue backend and replicas ------------------------------

REPLICA_CONNS = 16


def replicas(tmp):
    """Durable deliveries/s and p50/p99 with SQLite and PostgreSQL, one and two
    replicas (wrk -c16 spread over them: every 202 is a committed job). The
    PostgreSQL server is Debian's, started here (tests/e2e/pgserver.py)."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
    import pgserver
    import threading
    hole = BlackHole()
    out = {}
    root = os.path.join(tmp, "replicas")
    os.makedirs(root)
    os.chmod(tmp, 0o755)
    pg = pgserver.PgServer(os.path.join(root, "pg")).start()
    try:
        bodies = os.path.join(root, "deliveries")
        ingest_bodies(hole.port, bodies)
        for name, url_db, n in (("SQLite, 1 replica", None, 1),
                                ("PostgreSQL, 1 replica", pg.url, 1),
                                ("PostgreSQL, 2 replicas", pg.url, 2)):
            say("replicas: %s" % name)
            procs, urls = [], []
            for i in range(n):
                port = h.free_port()
                env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                       "RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port,
                       "RUSTREVIEW_DATA_DIR": os.path.join(root, "%s-%d" % (name[:2], i)),
                       "RUSTREVIEW_WORKERS": "1", "RUSTREVIEW_LOG_LEVEL": "error",
                       "RUSTREVIEW_GITHUB_WEBHOOK_SECRET": SECRET,
                       "RUSTREVIEW_GITHUB_TOKEN": "bench-not-a-real-token",
                       "RUSTREVIEW_GITHUB_API_URL": "http://127.0.0.1:%d" % hole.port,
                       "RUSTREVIEW_GITHUB_GIT_URL": "http://127.0.0.1:%d" % hole.port,
                       "RUSTREVIEW_REPLICA_ID": "bench-%d" % i}
                if url_db:
                    env["RUSTREVIEW_DATABASE_URL"] = url_db
                procs.append(h.Proc("replica-%d" % i, [BINARY, "serve"], root, env=env))
                urls.append("http://127.0.0.1:%d" % port)
            try:
                for u in urls:
                    h.wait_http_ok(u + "/healthz")
                    wrk(u, bodies, 1, 4, prefix="warm-%s-" % u[-5:])
                res = [None] * n

                def one(i):
                    res[i] = wrk(urls[i], bodies, INGEST_SECONDS, REPLICA_CONNS // n,
                                 prefix="r%d-%d-" % (i, n))
                th = [threading.Thread(target=one, args=(i,)) for i in range(n)]
                for t in th:
                    t.start()
                for t in th:
                    t.join()
                out[name] = {"rps": sum(r["codes"]["202"] for r in res) / INGEST_SECONDS,
                             "accepted": sum(r["codes"]["202"] for r in res),
                             "other": sum(r["codes"]["other"] + r["codes"]["200"] for r in res),
                             "p50_us": max(r["p50_us"] for r in res),
                             "p99_us": max(r["p99_us"] for r in res)}
            finally:
                for p in procs:
                    p.close()
    finally:
        pg.cleanup()
        hole.close()
    return out


def replica_rows(rep):
    rows = []
    for name, r in rep.items():
        rows.append(("Durable ingest, %s: deliveries/s, p50 / p99 (wrk -c%d in all, %d s)"
                     % (name, REPLICA_CONNS, INGEST_SECONDS),
                     "%.0f /s (%d × 202, %d other); %.2f / %.2f ms"
                     % (r["rps"], r["accepted"], r["other"], r["p50_us"] / 1000, r["p99_us"] / 1000),
                     "", "", "report", ""))
    return rows


def replicas_only(tmp, t0):
    """RR_BENCH_ONLY=replicas: the durable-ingest rows by queue backend and
    replicas alone (a shared machine need not run the whole bench for them),
    with the machine's load average before and after."""
    m, before = machine(), os.getloadavg()
    rep = replicas(tmp)
    after = os.getloadavg()
    lines = ["## rustreview benchmarks: durable ingest by queue backend (RR_BENCH_ONLY=replicas)", "",
             "Machine: %d CPUs, %s, %.1f GiB RAM; %s. Run took %.0f s. Load average (1, 5, 15 min) "
             "%.2f %.2f %.2f before, %.2f %.2f %.2f after." % (
                 m["nproc"], m["cpu"], m["mem_gib"], time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                 time.time() - t0, *before, *after), "",
             "| benchmark | rustreview | alternative | ratio | goal | met |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += ["| " + " | ".join(r) + " |" for r in replica_rows(rep)]
    md = "\n".join(lines) + "\n"
    with open(os.path.join(OUT, "results-replicas.md"), "w") as f:
        f.write(md)
    sys.stdout.write(md)


def main():
    t0 = time.time()
    os.makedirs(OUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="rr-bench-")
    try:
        if ONLY == "replicas":
            return replicas_only(tmp, t0)
        if ONLY == "ingest":
            return ingest_only(tmp, t0)
        m, v = machine(), versions()
        if ONLY == "change":
            e2 = e2e(tmp)
            ch = change(tmp)
            md = change_table(m, v, e2, ch, time.time() - t0)
            with open(os.path.join(OUT, "results-change.md"), "w") as f:
                f.write(md)
            sys.stdout.write(md)
            return
        ing = ingest(tmp)
        q = queue_ceiling(tmp)
        ka = keepalive(tmp)
        eng = engine(tmp)
        e2 = e2e(tmp)
        rep = replicas(tmp)
        ch = change(tmp)
        md = table(m, v, ing, q, ka, eng, e2, time.time() - t0, rep, ch)
        with open(os.path.join(OUT, "results.md"), "w") as f:
            f.write(md)
        with open(os.path.join(OUT, "results.json"), "w") as f:
            json.dump({"machine": m, "versions": v, "ingest": ing, "queue": q, "api": ka, "engine": eng,
                       "e2e": e2, "change": ch}, f, indent=1)
        sys.stdout.write(md)
    finally:
        if os.environ.get("RR_KEEP_TMP"):
            say("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
