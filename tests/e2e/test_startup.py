"""What `rustreview check` loads and reads at start, and that the service's
commands still run as before (README, Performance: start-up).

`rustreview` runs the local commands itself and links no library of the
service (libcurl, libmicrohttpd, the database clients); serve, jobs and
healthcheck run in rustreview-service, which the process becomes (same pid).
libgit2 must not parse the system CA bundle in `check`; the service still does.
"""
import os
import re
import shutil
import subprocess
import unittest

import harness as h

SERVICE = os.path.join(h.ROOT, h.BUILD, "rustreview-service")
SERVICE_LIBS = re.compile(r"lib(curl|microhttpd|sqlite3|pq|gnutls|nghttp2)\.so")
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def run(argv, env=None, **kw):
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=e, **kw)


def loaded_libraries(argv):
    """The shared objects the dynamic loader opened for argv (LD_DEBUG=files)."""
    p = run(argv, env={"LD_DEBUG": "files"})
    return set(re.findall(r"file=(\S+)\s+\[\d+\];\s+needed by", p.stderr)), p


def opened_files(argv):
    """Every path argv (and its threads) opened, by strace."""
    d = h.TempDir("strace")
    try:
        out = os.path.join(d.path, "trace")
        run(["strace", "-f", "-qq", "-e", "trace=open,openat", "-o", out] + argv)
        with open(out) as f:
            return re.findall(r'open(?:at)?\((?:[^,]*, )?"([^"]+)"', f.read())
    finally:
        d.cleanup()


class Repo:
    """A repository whose head adds one Rust file with a finding."""

    def __init__(self):
        self.tmp = h.TempDir("startup")
        self.path = self.tmp.path
        h.git(self.path, "init", "-q", "-b", "main")
        h.git(self.path, "commit", "-q", "--allow-empty", "-m", "base")
        h.write(os.path.join(self.path, "src", "lib.rs"),
                "pub fn parse(s: &str) -> u32 {\n    s.parse().unwrap()\n}\n")
        h.git(self.path, "add", "-A")
        h.git(self.path, "commit", "-q", "-m", "head")


class CheckStartup(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.repo = Repo()

    @classmethod
    def tearDownClass(cls):
        cls.repo.tmp.cleanup()

    def check(self, binary=h.BINARY, *extra):
        return [binary, "check", "--repo", self.repo.path, "--format", "short", *extra,
                "HEAD~1", "HEAD"]

    def test_check_reviews_and_loads_no_library_of_the_service(self):
        libs, p = loaded_libraries(self.check())
        self.assertEqual(p.returncode, 1, p.stderr[-2000:])
        self.assertIn("src/lib.rs:2:", p.stdout)
        self.assertIn("unwrap_used", p.stdout)
        self.assertTrue(any("libgit2" in lib for lib in libs), libs)
        self.assertEqual(sorted(lib for lib in libs if SERVICE_LIBS.search(lib)), [])
        # the control: the service binary does load them
        libs, p = loaded_libraries(self.check(SERVICE))
        self.assertEqual(p.returncode, 1, p.stderr[-2000:])
        self.assertTrue(any("libcurl" in lib for lib in libs), libs)

    @unittest.skipUnless(shutil.which("strace"), "strace not installed (scripts/deps.sh)")
    def test_check_does_not_read_the_system_ca_bundle(self):
        if not os.path.exists(CA_BUNDLE):
            self.skipTest("no %s here" % CA_BUNDLE)
        opened = opened_files(self.check())
        self.assertTrue(any(f.endswith("/src") or "objects" in f for f in opened), opened[:40])
        self.assertNotIn(CA_BUNDLE, opened)
        # the control: libgit2 in the service binary reads it at initialisation
        self.assertIn(CA_BUNDLE, opened_files(self.check(SERVICE)))

    def test_local_commands_run_in_the_lean_binary(self):
        for argv in (["rules"], ["explain", "unwrap_used"], ["help", "serve"], ["--version"]):
            p = run([h.BINARY] + argv)
            self.assertEqual(p.returncode, 0, (argv, p.stderr))
        p = run([h.BINARY, "rules"])
        self.assertEqual(p.stdout, run([SERVICE, "rules"]).stdout)


class ServiceCommands(unittest.TestCase):
    def test_serve_becomes_the_service_binary_with_the_same_pid(self):
        d = h.TempDir("startup-serve")
        try:
            port = h.free_port()
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                   "RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port,
                   "RUSTREVIEW_DATA_DIR": os.path.join(d.path, "data"),
                   "RUSTREVIEW_LOG_LEVEL": "error"}
            proc = h.Proc("serve", [h.BINARY, "serve"], d.path, env=env)
            try:
                h.wait_http_ok("http://127.0.0.1:%d/healthz" % port)
                self.assertEqual(os.path.realpath("/proc/%d/exe" % proc.p.pid),
                                 os.path.realpath(SERVICE))
                with open("/proc/%d/maps" % proc.p.pid) as f:
                    maps = f.read()
                self.assertIn("libmicrohttpd", maps)
                hc = run([h.BINARY, "healthcheck"], env=env)
                self.assertEqual(hc.returncode, 0, hc.stderr)
                jobs = run([h.BINARY, "jobs"], env=env)
                self.assertEqual(jobs.returncode, 0, jobs.stderr)
                self.assertTrue(jobs.stdout.startswith("ID "), jobs.stdout)
            finally:
                proc.close()
        finally:
            d.cleanup()

    def test_without_the_service_binary_serve_says_what_is_missing(self):
        d = h.TempDir("startup-alone")
        try:
            alone = os.path.join(d.path, "rustreview")
            shutil.copy(h.BINARY, alone)
            p = run([alone, "serve"], env={"RUSTREVIEW_DATA_DIR": os.path.join(d.path, "data")})
            self.assertEqual(p.returncode, 2)
            self.assertIn("serve runs in rustreview-service, which could not be started: %s: "
                          % os.path.join(d.path, "rustreview-service"), p.stderr)
            self.assertFalse(os.path.exists(os.path.join(d.path, "data")))
        finally:
            d.cleanup()


if __name__ == "__main__":
    unittest.main()
