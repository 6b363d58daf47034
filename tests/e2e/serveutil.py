"""serveutil.py — how the test servers (githttp.py, fakegithub.py) run: they
write their port atomically where the test waits for it, serve until SIGTERM or
SIGINT, and close. Standard library only."""

import os
import signal
import threading


def write_port(path, port):
    """Writes port to path atomically: readers never see a half-written file."""
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def serve(server, port_file, on_listening=None):
    """Publishes server's port in port_file and serves until a signal stops it."""
    def stop(signum, frame):
        # shutdown() blocks until serve_forever returns, so call it from another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    write_port(port_file, server.server_address[1])
    if on_listening:
        on_listening()
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0
