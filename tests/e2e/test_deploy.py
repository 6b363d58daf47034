"""The deployment files checked as far as this machine can (no Docker engine, no
systemd as PID 1, no cluster):

  Dockerfile   every Debian package name exists in bookworm (apt-cache); the
               runtime packages provide every library the binary links
               (readelf -d, dpkg -S); .dockerignore keeps build/, var/, .git out;
               HEALTHCHECK runs `rustreview healthcheck`; VOLUME; a non-root USER
  systemd      `make install` into a prefix; `systemd-analyze verify` of the
               installed unit; `systemd-analyze security --offline=yes` rates it
               OK or better; systemd-sysusers creates the user from the installed
               sysusers.d file
  Kubernetes   the manifests parse as YAML (Debian's python3-yaml) and carry the
  and compose  fields that make them safe: security context, probes on /readyz
               and /healthz, a grace period above the shutdown grace, scrape
               annotations, every Secret key they read defined in the template
  settings     every RUSTREVIEW_ name in a deployment file is documented in README
               (test_settings ties README to the settings the program knows)
"""
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ROOT = h.ROOT
DEPLOY = os.path.join(ROOT, "deploy")
# Debian's python3 has python3-yaml (scripts/deps.sh); another python3 first on
# PATH may not.
DEBIAN_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
# Libraries a sanitized build links on top of the real ones (never shipped).
SANITIZER_LIBS = re.compile(r"^lib(asan|ubsan|lsan|tsan)\.so")
# In every Debian image (glibc is a dependency of the Essential packages).
BASE_IMAGE_PACKAGES = {"libc6"}
# Runtime packages that provide no linked library, and why.
EXTRA_RUNTIME_PACKAGES = {
    "ca-certificates": "trust store for TLS to the forges",
    "libpq5": "the PostgreSQL queue backend being added (linked once it lands)",
}


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=kw.pop("timeout", 120), **kw)


def load_yaml(path):
    """All documents of a YAML file, parsed by Debian's python3-yaml."""
    p = run([DEBIAN_PYTHON, "-c",
             "import json, sys, yaml\n"
             "print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))", path])
    if p.returncode != 0:
        raise AssertionError("%s does not parse as YAML:\n%s" % (path, p.stderr))
    return json.loads(p.stdout)


def read(path):
    with open(path) as f:
        return f.read()


def dockerfile_stages(text):
    """[(FROM image, [instruction lines joined across backslashes])]."""
    stages, lines, cur = [], [], ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#") and not cur:
            continue
        cur += raw.rstrip("\\").rstrip() + " " if raw.endswith("\\") else raw
        if not raw.endswith("\\"):
            if cur.strip():
                lines.append(cur.strip())
            cur = ""
    for line in lines:
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            stages.append((rest.split()[0], []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def apt_installed_packages(instructions):
    pkgs = []
    for line in instructions:
        for m in re.finditer(r"apt-get install ([^&;]*)", line):
            pkgs += [w for w in m.group(1).split() if not w.startswith("-")]
    return pkgs


def ensure_apt_lists():
    if run(["apt-cache", "show", "--no-all-versions", "libc6"]).returncode == 0:
        return
    if os.geteuid() != 0:
        raise AssertionError("apt has no package lists and this is not root: run apt-get update")
    subprocess.run(["apt-get", "update", "-qq"], check=True, timeout=300)


class Dockerfile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = read(os.path.join(ROOT, "Dockerfile"))
        cls.stages = dockerfile_stages(cls.text)

    def test_images_are_debian_12_like_this_machine(self):
        self.assertEqual([s[0] for s in self.stages], ["debian:12", "debian:12-slim"])
        self.assertIn("VERSION_CODENAME=bookworm", read("/etc/os-release"),
                      "the package checks below read this machine's apt index: it must be bookworm")

    def test_every_package_name_exists_in_bookworm(self):
        ensure_apt_lists()
        names = apt_installed_packages(self.stages[0][1]) + apt_installed_packages(self.stages[1][1])
        self.assertIn("libmicrohttpd12", names)
        for name in names:
            p = run(["apt-cache", "show", "--no-all-versions", name])
            self.assertEqual(p.returncode, 0, "%s: %s" % (name, p.stderr.strip()))
            self.assertIn("Package: %s\n" % name, p.stdout, name)
            policy = run(["apt-cache", "policy", name]).stdout
            self.assertNotIn("Candidate: (none)", policy, name)

    def test_runtime_packages_provide_every_linked_library(self):
        # Both binaries: rustreview (local commands) and rustreview-service (serve).
        needed, paths = [], {}
        for name in ("rustreview", "rustreview-service"):
            binary = os.path.join(ROOT, h.BUILD, name)
            needed += [lib for lib in re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                                                 run(["readelf", "-d", binary]).stdout)
                       if not SANITIZER_LIBS.match(lib) and lib not in needed]
            paths.update(re.findall(r"^\s*(\S+) => (\S+)", run(["ldd", binary]).stdout, re.M))
        self.assertIn("libgit2.so.1.5", needed)
        runtime = set(apt_installed_packages(self.stages[1][1]))
        providers = set()
        for lib in needed:
            path = os.path.realpath(paths[lib]) if lib in paths else None
            self.assertIsNotNone(path, "ldd does not resolve %s" % lib)
            owners = None
            for candidate in (paths[lib], path, "/usr" + paths[lib], paths[lib].replace("/usr", "", 1)):
                p = run(["dpkg", "-S", candidate])
                if p.returncode == 0:
                    owners = [o.split(":")[0] for o in p.stdout.split(": ")[0].split(", ")]
                    break
            self.assertIsNotNone(owners, "no Debian package owns %s" % paths[lib])
            pkg = owners[0]
            providers.add(pkg)
            self.assertTrue(pkg in runtime or pkg in BASE_IMAGE_PACKAGES,
                            "%s (package %s) is linked but not installed in the runtime image"
                            % (lib, pkg))
        extra = runtime - providers
        self.assertEqual(sorted(extra - set(EXTRA_RUNTIME_PACKAGES)), [],
                         "runtime packages that provide no linked library")
        for pkg in extra:
            self.assertIn(pkg, self.text)   # and the Dockerfile says why, in a comment
        self.assertRegex(self.text, r"#.*libpq5.*PostgreSQL")

    def test_healthcheck_volume_user_and_signals(self):
        runtime = " \n".join(self.stages[1][1])
        self.assertRegex(runtime, r'HEALTHCHECK .*CMD \["/usr/local/bin/rustreview", "healthcheck"\]')
        self.assertRegex(runtime, r'VOLUME \["/data"\]')
        self.assertIn("RUSTREVIEW_DATA_DIR=/data", runtime)
        user = re.findall(r"^USER (\S+)", runtime, re.M)
        self.assertEqual(len(user), 1)
        self.assertNotIn(user[0].split(":")[0], ("0", "root"))
        self.assertRegex(user[0], r"^\d+:\d+$", "numeric, for runAsNonRoot")
        self.assertIn("COPY --from=build /src/build/rustreview /usr/local/bin/rustreview", runtime)
        self.assertIn("COPY --from=build /src/build/rustreview-service /usr/local/bin/rustreview-service",
                      runtime)
        self.assertNotIn("curl", apt_installed_packages(self.stages[1][1]))

    def test_dockerignore_keeps_host_builds_data_and_git_out(self):
        entries = [l.strip() for l in read(os.path.join(ROOT, ".dockerignore")).splitlines()
                   if l.strip() and not l.startswith("#")]
        for want in (".git", "build/", "build-*/", "var/"):
            self.assertIn(want, entries)
        # and the build stage copies the sources only after its dependencies
        build = self.stages[0][1]
        self.assertLess(build.index("COPY scripts/deps.sh scripts/deps.sh"), build.index("COPY . ."))
        self.assertIn("RUN sh scripts/deps.sh build", build)


class Systemd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir("install")
        cls.prefix = os.path.join(cls.tmp.path, "prefix")
        # -o: install what is built; never rebuild from inside the test
        p = run(["make", "-s", "-C", ROOT, "-o", "%s/rustreview" % h.BUILD, "-o", "%s/rustreview-service" % h.BUILD, "BUILD=" + h.BUILD,
                 "PREFIX=" + cls.prefix, "install"])
        if p.returncode != 0:
            raise AssertionError("make install failed:\n" + p.stdout + p.stderr)
        cls.unit = os.path.join(cls.prefix, "lib/systemd/system/rustreview.service")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_install_layout(self):
        want = {"bin/rustreview": 0o755, "bin/rustreview-service": 0o755, "lib/systemd/system/rustreview.service": 0o644,
                "lib/sysusers.d/rustreview.conf": 0o644,
                "share/doc/rustreview/README.md": 0o644,
                "share/doc/rustreview/env.example": 0o644}
        for rel, mode in want.items():
            st = os.stat(os.path.join(self.prefix, rel))
            self.assertEqual(st.st_mode & 0o777, mode, rel)
        unit = read(self.unit)
        self.assertIn("ExecStart=%s/bin/rustreview serve\n" % self.prefix, unit)
        self.assertNotIn("/usr/local/", unit)
        p = run([os.path.join(self.prefix, "bin/rustreview"), "--version"])
        self.assertEqual(p.returncode, 0)
        self.assertTrue(p.stdout.startswith("rustreview "))

    def test_destdir_stages_without_touching_the_prefix(self):
        dest = os.path.join(self.tmp.path, "dest")
        p = run(["make", "-s", "-C", ROOT, "-o", "%s/rustreview" % h.BUILD, "-o", "%s/rustreview-service" % h.BUILD, "BUILD=" + h.BUILD,
                 "PREFIX=/usr", "DESTDIR=" + dest, "install"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.exists(os.path.join(dest, "usr/bin/rustreview")))
        self.assertIn("ExecStart=/usr/bin/rustreview serve\n",
                      read(os.path.join(dest, "usr/lib/systemd/system/rustreview.service")))
        self.assertTrue(os.path.exists(os.path.join(dest, "usr/lib/sysusers.d/rustreview.conf")))

    def test_systemd_analyze_verify(self):
        p = run(["systemd-analyze", "verify", self.unit])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stderr.strip(), "")

    def test_security_exposure_is_ok_or_better(self):
        p = run(["systemd-analyze", "security", "--offline=yes", self.unit])
        m = re.search(r"Overall exposure level for rustreview.service: (\d+\.\d+) (\w+)", p.stdout)
        self.assertIsNotNone(m, p.stdout[-500:] + p.stderr)
        h.log("e2e: systemd-analyze security --offline=yes: %s %s" % (m.group(1), m.group(2)))
        self.assertIn(m.group(2), ("OK", "SAFE", "PERFECT"))
        self.assertLessEqual(float(m.group(1)), 2.0)
        for setting in ("CapabilityBoundingSet=", "SystemCallFilter=@system-service", "UMask=0077",
                        "RestrictNamespaces=yes", "MemoryDenyWriteExecute=yes",
                        "ProtectSystem=strict", "StateDirectory=rustreview", "PrivateTmp=yes",
                        "NoNewPrivileges=yes"):
            self.assertRegex(read(self.unit), r"(?m)^%s\s*$" % re.escape(setting))

    def test_sysusers_creates_the_service_user(self):
        root = os.path.join(self.tmp.path, "sysroot")
        os.makedirs(os.path.join(root, "etc"))
        p = run(["systemd-sysusers", "--root=" + root,
                 os.path.join(self.prefix, "lib/sysusers.d/rustreview.conf")])
        self.assertEqual(p.returncode, 0, p.stderr)
        passwd = [l.split(":") for l in read(os.path.join(root, "etc/passwd")).splitlines()]
        user = [u for u in passwd if u[0] == "rustreview"]
        self.assertEqual(len(user), 1)
        self.assertEqual(user[0][5:], ["/var/lib/rustreview", "/usr/sbin/nologin"])
        self.assertLess(int(user[0][2]), 1000)      # a system user
        self.assertIn("rustreview:", read(os.path.join(root, "etc/group")))


class Manifests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.k8s = load_yaml(os.path.join(DEPLOY, "kubernetes/rustreview.yaml"))
        cls.secret = load_yaml(os.path.join(DEPLOY, "kubernetes/secret.example.yaml"))[0]
        cls.compose = load_yaml(os.path.join(DEPLOY, "compose.yaml"))[0]
        cls.kinds = {d["kind"]: d for d in cls.k8s}

    def test_every_document_names_its_kind(self):
        self.assertEqual(sorted(self.kinds), ["Deployment", "PersistentVolumeClaim", "Service"])
        for d in self.k8s + [self.secret]:
            self.assertIn("apiVersion", d)
            self.assertTrue(d["metadata"]["name"])

    def test_deployment_security_context(self):
        spec = self.kinds["Deployment"]["spec"]["template"]["spec"]
        pod = spec["securityContext"]
        self.assertIs(pod["runAsNonRoot"], True)
        self.assertGreater(pod["runAsUser"], 0)
        self.assertEqual(pod["seccompProfile"], {"type": "RuntimeDefault"})
        self.assertIs(spec["automountServiceAccountToken"], False)
        (c,) = spec["containers"]
        sc = c["securityContext"]
        self.assertIs(sc["readOnlyRootFilesystem"], True)
        self.assertIs(sc["allowPrivilegeEscalation"], False)
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        self.assertNotIn("add", sc["capabilities"])
        # a read-only root: the data dir and /tmp are volumes
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        self.assertIn("/data", mounts)
        self.assertIn("/tmp", mounts)
        volumes = {v["name"] for v in spec["volumes"]}
        self.assertTrue(set(mounts.values()) <= volumes)
        env = {e["name"]: e.get("value") for e in c["env"]}
        self.assertEqual(env["RUSTREVIEW_DATA_DIR"], "/data")

    def test_probes_grace_and_scrape(self):
        tmpl = self.kinds["Deployment"]["spec"]["template"]
        spec = tmpl["spec"]
        (c,) = spec["containers"]
        ports = {p["name"]: p["containerPort"] for p in c["ports"]}
        self.assertEqual(c["readinessProbe"]["httpGet"]["path"], "/readyz")
        self.assertEqual(c["livenessProbe"]["httpGet"]["path"], "/healthz")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            self.assertIn(c[probe]["httpGet"]["port"], ports)
        env = {e["name"]: e.get("value") for e in c["env"]}
        grace = int(env.get("RUSTREVIEW_SHUTDOWN_GRACE") or 25)
        self.assertGreater(spec["terminationGracePeriodSeconds"], grace)
        ann = tmpl["metadata"]["annotations"]
        self.assertEqual(ann["prometheus.io/scrape"], "true")
        self.assertEqual(int(ann["prometheus.io/port"]), ports["http"])
        self.assertEqual(ann["prometheus.io/path"], "/metrics")
        self.assertEqual(self.kinds["Deployment"]["spec"]["selector"]["matchLabels"].items()
                         - tmpl["metadata"]["labels"].items(), set())
        svc = self.kinds["Service"]["spec"]
        self.assertEqual(svc["selector"], self.kinds["Deployment"]["spec"]["selector"]["matchLabels"])
        self.assertIn(svc["ports"][0]["targetPort"], ports)
        # the listen address is the container port, on every interface of the pod
        self.assertEqual(env["RUSTREVIEW_LISTEN"], "0.0.0.0:%d" % ports["http"])

    def test_every_secret_key_read_is_in_the_template(self):
        spec = self.kinds["Deployment"]["spec"]["template"]["spec"]
        (c,) = spec["containers"]
        self.assertEqual(self.secret["kind"], "Secret")
        keys = set(self.secret["stringData"])
        refs = [e["valueFrom"]["secretKeyRef"] for e in c["env"] if "valueFrom" in e]
        for v in spec["volumes"]:
            if "secret" in v:
                refs += [{"name": v["secret"]["secretName"], "key": i["key"]}
                         for i in v["secret"]["items"]]
        self.assertTrue(refs)
        for ref in refs:
            self.assertEqual(ref["name"], self.secret["metadata"]["name"])
            self.assertIn(ref["key"], keys)

    def test_compose_service(self):
        svc = self.compose["services"]["rustreview"]
        self.assertEqual(svc["build"]["context"], "..")
        self.assertIs(svc["read_only"], True)
        self.assertEqual(svc["cap_drop"], ["ALL"])
        self.assertIn("no-new-privileges:true", svc["security_opt"])
        self.assertEqual(svc["environment"]["RUSTREVIEW_DATA_DIR"], "/data")
        self.assertTrue(any(v.endswith(":/data") for v in svc["volumes"]))
        for s in svc["secrets"]:
            self.assertIn(s, self.compose["secrets"])
        self.assertGreater(int(svc["stop_grace_period"].rstrip("s")), 25)

    def test_every_setting_named_in_deploy_files_is_documented(self):
        readme = read(os.path.join(ROOT, "README.md"))
        files = ["Dockerfile", "deploy/compose.yaml", "deploy/kubernetes/rustreview.yaml",
                 "deploy/systemd/rustreview.service", "deploy/systemd/env.example"]
        seen = set()
        for f in files:
            seen |= set(re.findall(r"RUSTREVIEW_[A-Z0-9_]+", read(os.path.join(ROOT, f))))
        self.assertIn("RUSTREVIEW_GITHUB_WEBHOOK_SECRET_FILE", seen)
        for name in sorted(seen):
            self.assertTrue(re.search(r"%s(?![A-Z0-9_])" % name, readme),
                            "README does not document " + name)


class Version(unittest.TestCase):
    """The commit a build names comes from git, from a `git archive` tarball
    without .git (export-subst fills .commit), or from RR_COMMIT (docker build)."""

    def setUp(self):
        self.tmp = h.TempDir("version")

    def tearDown(self):
        self.tmp.cleanup()

    def test_from_a_git_archive_tarball_without_git(self):
        head = run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"])
        if head.returncode != 0:
            self.skipTest("not a git checkout: %s" % head.stderr.strip())
        tree = os.path.join(self.tmp.path, "src")
        os.makedirs(tree)
        archive = subprocess.Popen(["git", "-C", ROOT, "archive", "--format=tar", "HEAD"],
                                   stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", tree], stdin=archive.stdout, check=True, timeout=120)
        self.assertEqual(archive.wait(timeout=120), 0)
        archive.stdout.close()
        self.assertFalse(os.path.exists(os.path.join(tree, ".git")))
        self.assertRegex(read(os.path.join(tree, ".commit")), r"^[0-9a-f]{40}\n$")
        p = run(["sh", os.path.join(tree, "scripts/version.sh"), "commit"], cwd=tree)
        self.assertEqual(p.stdout, head.stdout)
        p = run(["make", "-s", "-C", tree, "version"])
        self.assertRegex(p.stdout, r"^rustreview \S+ %s\n$" % head.stdout.strip())
        p = run(["sh", os.path.join(tree, "scripts/version.sh"), "commit"],
                env=dict(os.environ, RR_COMMIT='0123abc"; rm -rf /'))
        self.assertEqual(p.stdout, "0123abcrm-rf\n")     # only [0-9A-Za-z._-] reach the C file
        os.remove(os.path.join(tree, ".commit"))
        self.assertEqual(run(["sh", os.path.join(tree, "scripts/version.sh"), "commit"]).stdout,
                         "unknown\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
