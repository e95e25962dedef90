#!/usr/bin/env python3
"""check_json.py FILE... - every line must be one valid JSON object, the
file valid UTF-8, and each event must have the documented shape."""
import json
import sys

CALL_KEYS = {
    "timestamp": int, "processorId": int, "processId": int, "threadId": int,
    "userId": int, "processName": str, "cgroupId": int, "eventName": str,
    "syscall": str, "returnValue": int, "argsNum": int, "args": list,
    "contextFlags": dict, "sendmmsg": dict,
}
EXT_KEYS = {
    "latencyNs": int, "error": (str, type(None)), "flagNames": list,
    "socket": dict, "messagesCaptured": int, "messagesAttempted": int,
    "messagesSent": int, "bytesSent": int, "truncated": bool, "lost": int,
    "status": list, "messages": list,
}
MSG_KEYS = {
    "index": int, "name": (str, type(None)), "namelen": int, "iovlen": int,
    "bytes": int, "controllen": int, "cmsgs": list, "flags": int,
    "result": (int, type(None)), "error": (str, type(None)),
    "attempted": bool, "status": list,
}
ARGS = [("sockfd", "int"), ("msgvec", "struct mmsghdr*"),
        ("vlen", "unsigned int"), ("flags", "int")]


def need(obj, keys, where):
    for k, t in keys.items():
        if k not in obj:
            raise ValueError("%s: missing %s" % (where, k))
        if not isinstance(obj[k], t) or (t is int and isinstance(obj[k], bool)):
            raise ValueError("%s: %s has type %s" % (where, k, type(obj[k]).__name__))


def check_call(ev):
    need(ev, CALL_KEYS, "event")
    if ev["syscall"] != "sendmmsg" or ev["argsNum"] != 4:
        raise ValueError("syscall/argsNum")
    if [(a["name"], a["type"]) for a in ev["args"]] != ARGS:
        raise ValueError("args")
    if not isinstance(ev["contextFlags"].get("isCompat"), bool):
        raise ValueError("contextFlags.isCompat")
    ext = ev["sendmmsg"]
    need(ext, EXT_KEYS, "sendmmsg")
    for k in ("family", "type", "protocol", "local", "peer"):
        if not isinstance(ext["socket"].get(k, 0), (str, type(None))):
            raise ValueError("socket." + k)
    if len(ext["messages"]) != ext["messagesCaptured"]:
        raise ValueError("messagesCaptured")
    for i, m in enumerate(ext["messages"]):
        need(m, MSG_KEYS, "message %d" % i)
        if m["index"] != i:
            raise ValueError("message index")
        for c in m["cmsgs"]:
            if not isinstance(c.get("level"), str) or not isinstance(c.get("type"), str):
                raise ValueError("cmsg")
        if "payload" in m and not isinstance(m["payload"], str):
            raise ValueError("payload")


def check_line(line):
    ev = json.loads(line)
    if not isinstance(ev, dict):
        raise ValueError("not an object")
    name = ev.get("eventName")
    if name == "sendmmsg":
        check_call(ev)
    elif name == "sendmmsg_lost":
        need(ev, {"timestamp": int, "lost": int}, "lost")
    elif name == "sendmmsg_rate_alert":
        need(ev, {"timestamp": int, "processId": int, "processName": str,
                  "bytesPerSec": int, "threshold": int}, "alert")
    else:
        raise ValueError("unknown eventName %r" % name)


def main():
    bad = 0
    for path in sys.argv[1:]:
        data = open(path, "rb").read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            print("%s: not UTF-8: %s" % (path, e))
            bad += 1
            continue
        for n, line in enumerate(text.splitlines(), 1):
            try:
                check_line(line)
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                print("%s:%d: %s" % (path, n, e))
                bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
