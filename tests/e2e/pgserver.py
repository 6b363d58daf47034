"""A real PostgreSQL server for tests, from Debian's package (postgresql-15).

A temporary cluster in its own directory (which, as root, nobody must be able
to reach: mkdtemp's 0700 parents need chmod 0755), listening on 127.0.0.1 at a free
port, trust authentication for the role `rustreview`. PostgreSQL refuses to
run as root, so as root the server runs as `nobody` (setpriv), which owns the
directory. Standard library only.

    python3 tests/e2e/pgserver.py start DIR   # prints the URL, returns once it accepts
    python3 tests/e2e/pgserver.py stop DIR    # fast shutdown
    python3 tests/e2e/pgserver.py restart DIR # stop then start on the same port

From Python: `PgServer(dir).start()` / `.stop()` / `.url`.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time


def pg_bin(name):
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    found = shutil.which(name)
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return found


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PgServer:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.data = os.path.join(self.root, "data")
        self.log = os.path.join(self.root, "server.log")
        self.port_file = os.path.join(self.root, "port")

    @property
    def port(self):
        with open(self.port_file) as f:
            return int(f.read().strip())

    @property
    def url(self):
        return "postgresql://rustreview@127.0.0.1:%d/postgres" % self.port

    def _as_owner(self, argv):
        """Runs argv as the cluster's owner: nobody when we are root."""
        kw = {"cwd": self.root, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT,
              "text": True}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            argv = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
                    "--clear-groups", "--"] + argv
            kw["env"] = dict(os.environ, HOME=self.root)
        r = subprocess.run(argv, **kw)
        if r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (argv[-1] if argv else "?", r.returncode,
                                                       r.stdout[-2000:]))
        return r.stdout

    def _own(self):
        if os.geteuid() == 0:
            pw = pwd.getpwnam("nobody")
            for dirpath, dirnames, filenames in os.walk(self.root):
                os.chown(dirpath, pw.pw_uid, pw.pw_gid)
                for n in filenames:
                    os.chown(os.path.join(dirpath, n), pw.pw_uid, pw.pw_gid)

    def start(self):
        os.makedirs(self.root, exist_ok=True)
        os.chmod(self.root, 0o755)
        if not os.path.exists(self.port_file):
            with open(self.port_file, "w") as f:
                f.write(str(free_port()))
        self._own()
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            self._as_owner([pg_bin("initdb"), "-D", self.data, "-U", "rustreview",
                            "--auth=trust", "-E", "UTF8", "--no-instructions"])
        opts = ("-c listen_addresses=127.0.0.1 -p %d -k %s -c max_connections=60"
                " -c shared_buffers=32MB" % (self.port, self.root))
        self._as_owner([pg_bin("pg_ctl"), "-D", self.data, "-l", self.log, "-o", opts,
                        "-w", "-t", "60", "start"])
        self._wait_ready()
        return self

    def _wait_ready(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start: see " + self.log)

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            self._as_owner([pg_bin("pg_ctl"), "-D", self.data, "-m", mode, "-w", "stop"])

    def restart(self):
        self.stop()
        self.start()

    def cleanup(self):
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop", "restart", "cleanup"):
        sys.stderr.write(__doc__)
        return 2
    s = PgServer(sys.argv[2])
    if sys.argv[1] == "start":
        s.start()
        print(s.url)
    elif sys.argv[1] == "stop":
        s.stop()
    elif sys.argv[1] == "restart":
        s.restart()
    else:
        s.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
