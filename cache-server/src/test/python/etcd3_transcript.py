"""Drives python-etcd3 0.12 (Debian's python3-etcd3) against one etcd endpoint and prints a
deterministic transcript, one line per observation.

Run by dev.etcdcache.server.clients.PythonEtcd3Test with Debian's /usr/bin/python3 against a fresh
reference etcd and against cache-server (in front of its own fresh etcd); the two transcripts must
be equal. Usage: etcd3_transcript.py HOST PORT

Normalised here, because they differ between two clusters by construction: lease IDs (printed as
<lease-N> in order of first appearance), lock owner UUIDs (<uuid>), the remaining TTL of a lease
(printed as whether it is within its granted TTL), and the member's client URL (printed as
<endpoint> when it is the endpoint this run dials).
"""

import queue
import sys
import threading
import time

import etcd3
import etcd3.events
import etcd3.exceptions

HOST, PORT = sys.argv[1], int(sys.argv[2])
TIMEOUT = 15  # seconds; a hang guard, not a speed claim
_leases = {}


def out(*parts):
    print(" ".join(str(p) for p in parts), flush=True)


def lease_name(lease_id):
    if lease_id == 0:
        return "0"
    return _leases.setdefault(lease_id, "<lease-%d>" % (len(_leases) + 1))


def b(value):
    return value.decode() if isinstance(value, bytes) else value


def meta(m):
    return "key=%s create=%d mod=%d version=%d lease=%s" % (
        b(m.key), m.create_revision, m.mod_revision, m.version, lease_name(m.lease_id))


def kv(value, m):
    if m is None:
        return "value=%s (no key)" % value
    return "value=%s %s" % (b(value), meta(m))


def kv_pb(k):
    return "key=%s value=%s create=%d mod=%d version=%d lease=%s" % (
        b(k.key), b(k.value), k.create_revision, k.mod_revision, k.version, lease_name(k.lease))


def event(e):
    kind = "PUT" if isinstance(e, etcd3.events.PutEvent) else "DELETE"
    prev = e._event.prev_kv
    text = "%s key=%s value=%s mod=%d version=%d" % (kind, b(e.key), b(e.value), e.mod_revision, e.version)
    if prev.key:
        text += " prev=(%s)" % kv_pb(prev)
    return text


def error(e):
    if isinstance(e, etcd3.exceptions.RevisionCompactedError):
        return "RevisionCompactedError compacted_revision=%d" % e.compacted_revision
    code = getattr(e, "code", None)
    details = getattr(e, "details", None)
    if callable(code) and callable(details):
        return "%s %s %s" % (type(e).__name__, code(), details())
    return "%s %s" % (type(e).__name__, e)


class Collector:
    """A watch callback that queues responses and errors, to read with a timeout."""

    def __init__(self):
        self.items = queue.Queue()

    def __call__(self, response_or_error):
        self.items.put(response_or_error)

    def take_events(self, n):
        """Lines for the next n events (errors are lines too), or a TIMEOUT line."""
        lines = []
        events = 0
        deadline = time.time() + TIMEOUT
        while events < n:
            try:
                item = self.items.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                lines.append("TIMEOUT waiting for %d more events" % (n - events))
                break
            if isinstance(item, Exception):
                lines.append("error " + error(item))
                break
            lines.append("response revision=%d" % item.header.revision)
            for e in item.events:
                lines.append("  " + event(e))
                events += 1
        return lines

    def take_nothing(self, seconds):
        """Lines for anything that arrives within seconds (expected: none)."""
        lines = []
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                item = self.items.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            lines.append("unexpected " + (error(item) if isinstance(item, Exception)
                                          else "events %s" % [event(e) for e in item.events]))
        return lines


def section(name):
    out("==", name)


def kv_steps(c):
    section("kv")
    for key, value in [("kv/a", "1"), ("kv/b", "22"), ("kv/c", "0"), ("kv/d", "4444"), ("kv0", "outside")]:
        r = c.put(key, value)
        out("put", key, value, "revision=%d" % r.header.revision)
    r = c.put("kv/b", "3", prev_kv=True)
    out("put kv/b 3 prev_kv ->", kv_pb(r.prev_kv), "revision=%d" % r.header.revision)
    out("get kv/a ->", kv(*c.get("kv/a")))
    out("get kv/missing ->", kv(*c.get("kv/missing")))
    out("get_prefix kv/ ->")
    for value, m in c.get_prefix("kv/"):
        out("  ", kv(value, m))
    # python-etcd3 0.12 drops limit, revision, count_only and the min/max filters on the floor
    # (_build_get_range_request never sets them), so only what it sends is exercised.
    out("get_prefix kv/ sort mod descend ->")
    for value, m in c.get_prefix("kv/", sort_order="descend", sort_target="mod"):
        out("  ", kv(value, m))
    out("get_prefix kv/ sort value ascend keys_only ->")
    for value, m in c.get_prefix("kv/", sort_order="ascend", sort_target="value", keys_only=True):
        out("  ", kv(value, m))
    out("get_range kv/b kv/d ->")
    for value, m in c.get_range("kv/b", "kv/d"):
        out("  ", kv(value, m))
    out("get_prefix kv/ sort version descend ->")
    for value, m in c.get_prefix("kv/", sort_order="descend", sort_target="version"):
        out("  ", kv(value, m))
    out("get_prefix kv/ sort create ascend ->")
    for value, m in c.get_prefix("kv/", sort_order="ascend", sort_target="create"):
        out("  ", kv(value, m))
    r = c.get_prefix_response("kv/")
    out("get_prefix_response kv/ -> count=%d more=%s kvs=%d revision=%d"
        % (r.count, r.more, len(r.kvs), r.header.revision))
    r = c.get_prefix_response("kv/", serializable=True)
    out("get_prefix_response kv/ serializable -> count=%d revision=%d" % (r.count, r.header.revision))
    out("get_all ->")
    for value, m in c.get_all():
        out("  ", kv(value, m))
    out("put_if_not_exists kv/a ->", c.put_if_not_exists("kv/a", "x"))
    out("put_if_not_exists kv/new ->", c.put_if_not_exists("kv/new", "x"))
    out("replace kv/new x->y ->", c.replace("kv/new", "x", "y"))
    out("replace kv/new x->z ->", c.replace("kv/new", "x", "z"))
    r = c.delete("kv/a", prev_kv=True, return_response=True)
    out("delete kv/a -> deleted=%d revision=%d prev=%s" % (r.deleted, r.header.revision, [kv_pb(p) for p in r.prev_kvs]))
    out("delete kv/missing ->", c.delete("kv/missing"))
    r = c.delete_prefix("kv/")
    out("delete_prefix kv/ -> deleted=%d revision=%d" % (r.deleted, r.header.revision))


def txn_steps(c):
    section("txn")
    c.put("txn/a", "1")
    for attempt in range(2):
        ok, responses = c.transaction(
            compare=[c.transactions.value("txn/a") == "1", c.transactions.version("txn/b") == 0],
            success=[c.transactions.put("txn/b", "from txn"), c.transactions.get("txn/a")],
            failure=[c.transactions.get("txn/b"), c.transactions.delete("txn/a")])
        out("txn attempt", attempt, "succeeded=%s" % ok)
        for r in responses:
            if isinstance(r, list):
                out("  range", [kv(v, m) for v, m in r])
            else:
                kind = r.WhichOneof("response")
                inner = getattr(r, kind)
                out("  ", kind, "deleted=%d" % inner.deleted if kind == "response_delete_range" else "")
    ok, _ = c.transaction(compare=[c.transactions.mod("txn/b") > 0, c.transactions.create("txn/b") < 1000],
                          success=[c.transactions.delete("txn/b")], failure=[])
    out("txn mod/create compare succeeded=%s" % ok)
    out("get_prefix txn/ ->", [kv(v, m) for v, m in c.get_prefix("txn/")])


def watch_steps(c):
    section("watch")
    start = c.put("w/a", "1").header.revision
    c.put("w/b", "2")
    c.put("w/a", "3")
    c.delete("w/b")
    c.put("w0", "outside")

    history = Collector()
    wid = c.add_watch_prefix_callback("w/", history, start_revision=start, prev_kv=True)
    for line in history.take_events(4):
        out("history", line)
    c.cancel_watch(wid)

    live = Collector()
    key_only = Collector()
    live_id = c.add_watch_prefix_callback("w/", live, prev_kv=True)
    key_id = c.add_watch_callback("w/a", key_only)
    time.sleep(1.5)  # let the watches be created before the writes they must see live; not an assertion
    c.put("w/a", "4")
    c.put("w/c", "5")
    c.transaction(compare=[], success=[c.transactions.delete("w/a"), c.transactions.put("w/d", "6")], failure=[])
    for line in live.take_events(4):
        out("live", line)
    for line in key_only.take_events(2):
        out("key", line)

    c.cancel_watch(live_id)
    c.put("w/c", "after cancel")
    for line in live.take_nothing(1.5):
        out("after cancel", line)
    for line in key_only.take_events(0) + key_only.take_nothing(0.1):
        out("key after cancel of the other", line)
    c.cancel_watch(key_id)

    result = {}

    def writer():
        time.sleep(1.0)
        c.put("w/once", "x")

    t = threading.Thread(target=writer)
    t.start()
    try:
        e = c.watch_once("w/once", timeout=TIMEOUT)
        out("watch_once ->", event(e))
    except Exception as e:  # noqa: BLE001
        out("watch_once ->", error(e))
    t.join()

    events, cancel = c.watch_prefix("w/", start_revision=start)
    seen = []
    for e in events:
        seen.append(event(e))
        if len(seen) == 3:
            cancel()
            break
    out("watch_prefix iterator, cancelled after 3 ->", seen)
    del result


def lease_steps(c):
    section("lease")
    lease = c.lease(100)
    out("lease granted", lease_name(lease.id), "ttl=%d" % lease.granted_ttl)
    c.put("lease/k", "v", lease=lease)
    out("get lease/k ->", kv(*c.get("lease/k")))
    refreshed = lease.refresh()
    out("refresh ->", [("%s ttl=%d" % (lease_name(r.ID), r.TTL)) for r in refreshed])
    out("granted_ttl=%d remaining within granted=%s keys=%s" % (
        lease.granted_ttl, 0 < lease.remaining_ttl <= lease.granted_ttl, [b(k) for k in lease.keys]))
    lease.revoke()
    out("revoked; get lease/k ->", kv(*c.get("lease/k")))
    info = c.get_lease_info(lease.id)
    out("lease info after revoke -> ttl=%d" % info.TTL)


def lock_steps(c):
    section("lock")
    first = c.lock("py-lock", ttl=10)
    out("first acquire ->", first.acquire(timeout=TIMEOUT), "is_acquired=%s" % first.is_acquired())
    value, m = c.get("/locks/py-lock")
    out("lock key ->", "present" if value else "absent", "version=%d" % (m.version if m else 0))
    # A second Lock.acquire() while the lock is held would retry through tenacity, whose wait
    # callback python-etcd3 0.12 declares with tenacity 4's signature: with Debian's tenacity 8 it
    # raises TypeError on any client. So contention is observed with the lock's own transaction.
    held, _ = c.transaction(compare=[c.transactions.create("/locks/py-lock") == 0],
                            success=[c.transactions.put("/locks/py-lock", "intruder")], failure=[])
    out("create-if-absent while held ->", held)
    second = c.lock("py-lock", ttl=10)
    out("first release ->", first.release())
    out("second acquire after release ->", second.acquire(timeout=TIMEOUT))
    out("second release ->", second.release())
    with c.lock("py-lock-ctx", ttl=10) as held:
        out("context lock is_acquired=%s" % held.is_acquired())
    out("after context, key ->", c.get("/locks/py-lock-ctx")[0])


def compaction_steps(c):
    section("compaction")
    first = c.put("cmp/a", "1").header.revision
    c.put("cmp/a", "2")
    third = c.put("cmp/a", "3").header.revision
    c.compact(third, physical=True)
    out("compacted at third")
    # (python-etcd3 0.12 cannot read at a revision; the watch is what sees the compaction.)
    compacted = Collector()
    wid = c.add_watch_callback("cmp/a", compacted, start_revision=first)
    for line in compacted.take_events(1):
        out("watch from first ->", line)
    try:
        c.cancel_watch(wid)
    except Exception as e:  # noqa: BLE001
        out("cancel compacted watch ->", error(e))


def cluster_steps(c):
    section("cluster")
    status = c.status()
    out("status version=%s" % status.version)
    members = list(c.members)
    urls = sorted(u for m in members for u in m.client_urls)
    endpoint = "http://%s:%d" % (HOST, PORT)
    out("members=%d client_urls=%s" % (len(members), [("<endpoint>" if u == endpoint else u) for u in urls]))


def main():
    c = etcd3.client(HOST, PORT, timeout=TIMEOUT)
    try:
        for steps in (kv_steps, txn_steps, watch_steps, lease_steps, lock_steps, compaction_steps, cluster_steps):
            try:
                steps(c)
            except Exception as e:  # noqa: BLE001 - report and go on: later sections stay comparable
                out("FAILED", steps.__name__, error(e))
    finally:
        c.close()


if __name__ == "__main__":
    main()
