#!/usr/bin/env python3
"""Check the reader's --json lines against reader_truth's ground truth.

    reader_compare.py TRUTH_FILE READER_JSON_FILE LABEL

Each truth line is one call the program made; the reader's line for the
same thread, in the same order, must agree on every field the truth has.
Every reader line must also be valid JSON with Tracee's event fields.
Prints TAP and exits 1 on any difference.
"""
import json
import sys

TRACEE_FIELDS = ("timestamp", "processorId", "processId", "threadId", "userId",
                 "processName", "cgroupId", "eventName", "syscall",
                 "returnValue", "argsNum", "args", "contextFlags", "sendmmsg")


def compare(t, r):
    d = []

    def eq(what, want, got):
        if want != got:
            d.append(f"{what}: want {want!r} got {got!r}")

    for key in ("processId", "threadId", "processName", "returnValue"):
        eq(key, t[key], r.get(key))
    eq("contextFlags.isCompat", t["isCompat"], r["contextFlags"]["isCompat"])
    eq("args", t["args"], [a["value"] for a in r["args"]])
    eq("argsNum", 4, r["argsNum"])
    eq("eventName", "sendmmsg", r["eventName"])
    ext = r["sendmmsg"]
    eq("sendmmsg.error", t["error"], ext["error"])
    sock = ext["socket"]
    if t["socket"] is None:
        eq("socket.family", None, sock and sock.get("family"))
    else:
        fam, typ, proto = t["socket"]["names"].split("/")
        eq("socket.family", fam, sock["family"])
        eq("socket.type", typ, sock["type"])
        if proto != "*":
            eq("socket.protocol", proto, sock["protocol"])
        if fam != "AF_UNIX":
            eq("socket.local", t["socket"]["local"], sock["local"])
            eq("socket.peer", t["socket"]["peer"], sock["peer"])
    msgs = ext["messages"]
    eq("messagesCaptured", len(t["messages"]), ext["messagesCaptured"])
    sent = [m for m in t["messages"] if m["result"] is not None]
    eq("messagesSent", len(sent), ext["messagesSent"])
    eq("messagesAttempted", sum(m["attempted"] for m in t["messages"]),
       ext["messagesAttempted"])
    eq("bytesSent", sum(m["result"] for m in sent), ext["bytesSent"])
    for tm, rm in zip(t["messages"], msgs):
        i = tm["index"]
        for key in ("index", "namelen", "iovlen", "bytes", "attempted",
                    "result", "error"):
            eq(f"messages[{i}].{key}", tm[key], rm.get(key))
        if tm["name"] is not None or tm["namelen"] == 0:
            eq(f"messages[{i}].name", tm["name"], rm.get("name"))
    return d


def main():
    truth_file, reader_file, label = sys.argv[1:4]
    truth = [json.loads(l) for l in open(truth_file) if l.startswith("{")]
    lines = [l for l in open(reader_file, encoding="utf-8") if l.strip()]
    n = failed = 0

    def tap(ok, desc, diags=()):
        nonlocal n, failed
        n += 1
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {n} - {label}: {desc}")
        for x in diags:
            print(f"#   {x}")

    events, bad = [], []
    for l in lines:
        try:
            events.append(json.loads(l))
        except ValueError as e:
            bad.append(f"{e}: {l[:120]}")
    tap(not bad, f"all {len(lines)} reader lines are valid JSON", bad)
    shape = [e for e in events if e.get("eventName") == "sendmmsg"
             and not all(k in e for k in TRACEE_FIELDS)]
    tap(not shape, "every event has Tracee's fields", [str(e)[:200] for e in shape])
    tids = {t["threadId"] for t in truth}
    mine = [e for e in events if e.get("eventName") == "sendmmsg"
            and e.get("threadId") in tids]
    tap(len(mine) == len(truth) and len(truth) >= 7,
        f"one event per call ({len(mine)} events, {len(truth)} calls)")
    for i, (t, r) in enumerate(zip(truth, mine)):
        d = compare(t, r)
        tap(not d, f"call {i} (fd={t['args'][0]} ret={t['returnValue']}) matches the truth", d)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
