"""Fault injection for fakegithub.py and fakegitlab.py: opt-in (`--faults
SPEC`), so the fakes' default behaviour, and every golden file, stay as they are.

SPEC is JSON:
  {"rate": 0.3,                  # share of API calls (not /_fake/ ones) that fail
   "seed": 7,
   "kinds": ["502", "reset", "stall", "429", "403"],
   "stall_s": 10,                # "stall": the answer comes this late (then normally)
   "retry_after": 2,             # seconds announced by 429 and the secondary-limit 403
   "lost_answer": {"method": "POST", "path_suffix": "/reviews", "times": 1}}
                                 # the request is carried out (the review IS stored),
                                 # then the connection is closed without an answer

Kinds, as GitHub shows them:
  502    a 502 Bad Gateway (the request is not carried out)
  reset  the connection is closed at once, nothing answered (nor carried out)
  stall  nothing for stall_s seconds, then the normal answer
  429    429 with Retry-After
  403    GitHub's secondary rate limit: 403, Retry-After, "You have exceeded a
         secondary rate limit"

GET /_fake/faults -> {"injected": {kind: n}, "calls": n, "early_retries": n,
                      "lost_answers": n, "log": [...]}
where early_retries counts requests that came back to the same method and
path before the Retry-After the fake had announced there, and log has every
API call in arrival order: {"t0": arrival, "t1": answer sent (or connection
closed), "method", "path", "token": a digest of its credentials (never the
token), "kind": the fault injected or null, "status": the answer's status (0:
none), "retry_after": the wait announced (rate limits only)}.
"""
import hashlib
import json
import random
import socket
import struct
import threading
import time
import urllib.parse


class FaultState:
    def __init__(self, spec):
        self.rate = float(spec.get("rate", 0.0))
        self.rng = random.Random(spec.get("seed", 1))
        self.kinds = list(spec.get("kinds", ["502", "reset", "stall", "429", "403"]))
        self.stall_s = float(spec.get("stall_s", 10))
        self.retry_after = int(spec.get("retry_after", 2))
        self.lost = dict(spec.get("lost_answer") or {})
        self.lock = threading.Lock()
        self.injected = {k: 0 for k in self.kinds}
        self.calls = 0
        self.early = 0
        self.early_calls = []
        self.lost_answers = 0
        self.not_before = {}
        self.log = []

    def arrive(self, method, path):
        """Counts the call and whether it came before an announced wait."""
        with self.lock:
            self.calls += 1
            nb = self.not_before.get((method, path))
            if nb is not None and time.time() < nb:
                self.early += 1
                self.early_calls.append({"method": method, "path": path,
                                         "early_s": round(nb - time.time(), 3)})

    def lose_answer(self, method, path):
        with self.lock:
            if (self.lost.get("times", 0) > 0 and method == self.lost.get("method")
                    and path.endswith(self.lost.get("path_suffix", "\0"))):
                self.lost["times"] -= 1
                self.lost_answers += 1
                return True
        return False

    def pick(self):
        with self.lock:
            if self.rng.random() >= self.rate:
                return None
            kind = self.rng.choice(self.kinds)
            self.injected[kind] += 1
            return kind

    def announce_wait(self, method, path):
        with self.lock:
            # From the moment the answer goes out: the bot cannot know sooner.
            self.not_before[(method, path)] = time.time() + self.retry_after

    def record(self, entry):
        with self.lock:
            self.log.append(entry)

    def report(self):
        with self.lock:
            return {"injected": dict(self.injected), "calls": self.calls,
                    "early_retries": self.early, "early_calls": list(self.early_calls),
                    "lost_answers": self.lost_answers, "log": [dict(e) for e in self.log]}


def token_digest(handler):
    """Which credentials a call carried, as a short digest (GitHub's and
    Gitea's Authorization, GitLab's PRIVATE-TOKEN)."""
    cred = handler.headers.get("Authorization") or handler.headers.get("PRIVATE-TOKEN") or ""
    return hashlib.sha256(cred.encode()).hexdigest()[:12] if cred else None


def _discard_body(handler):
    n = int(handler.headers.get("Content-Length") or 0)
    if n:
        handler.rfile.read(n)


def _reset(handler):
    """Closes with a RST, the way a dropped connection looks to the client."""
    handler.close_connection = True
    try:
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                      struct.pack("ii", 1, 0))
    except OSError:
        pass


def install(handler_cls, spec_text):
    state = FaultState(json.loads(spec_text))
    dispatch = handler_cls.dispatch
    send_json = handler_cls.send_json

    def faulty_send_json(self, status, body, headers=None):
        if getattr(self, "_fault_drop_answer", False):
            self._fault_drop_answer = False
            self._fault_status = 0
            _reset(self)
            return
        self._fault_status = status
        send_json(self, status, body, headers)

    def faulty_dispatch(self, method):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_fake/faults":
            _discard_body(self)
            return send_json(self, 200, state.report())
        if path.startswith("/_fake/"):
            return dispatch(self, method)
        entry = {"t0": time.time(), "method": method, "path": path,
                 "token": token_digest(self), "kind": None, "status": 0}
        self._fault_status = 0
        try:
            answer(self, method, path, entry)
        finally:
            entry["t1"] = time.time()
            entry["status"] = self._fault_status
            state.record(entry)

    def answer(self, method, path, entry):
        state.arrive(method, path)
        if state.lose_answer(method, path):
            entry["kind"] = "lost_answer"
            self._fault_drop_answer = True
            return dispatch(self, method)
        kind = entry["kind"] = state.pick()
        if kind is None:
            return dispatch(self, method)
        if kind == "stall":
            time.sleep(state.stall_s)
            return dispatch(self, method)
        _discard_body(self)
        if kind == "reset":
            return _reset(self)
        if kind == "502":
            return faulty_send_json(self, 502, {"message": "Server Error"})
        state.announce_wait(method, path)
        entry["retry_after"] = state.retry_after
        wait = {"Retry-After": str(state.retry_after)}
        if kind == "429":
            return faulty_send_json(self, 429, {"message": "Too Many Requests"}, wait)
        return faulty_send_json(self, 403, {
            "message": "You have exceeded a secondary rate limit. Please wait a few minutes "
                       "before you try again.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
            wait)

    handler_cls.dispatch = faulty_dispatch
    handler_cls.send_json = faulty_send_json
    return state
