#!/usr/bin/env python3
"""Compare strace's decoding of sendmmsg calls with sendmmsg_trace records.

    strace_diff.py STRACE_OUTPUT RECORDS_FILE LABEL

STRACE_OUTPUT comes from `strace -f -qq -v -s 64 -e trace=sendmmsg -o FILE`
(lines start with the thread id); RECORDS_FILE holds the device's binary
records (smt_dump).  For every call strace saw, the record of the same
thread, in the same order, must agree on the fd, the vector pointer being
NULL, vlen, flags, the return value, and for each message strace printed:
the address (family, address, port or path), msg_namelen, the sum of the
iovec lengths and, for the messages strace shows as sent, msg_len.  Prints
TAP lines (numbering its own tests) and exits 1 on any difference.
"""
import errno
import re
import struct
import sys

HDR = struct.Struct("<IHHQQ")
CALL = struct.Struct("<QQQQQqiIIIIIIIIIIIHHI16s")
MSG = struct.Struct("<QQQQQQqIIIHH32sII128s")
REC_CALL = 1

MSG_FLAGS = {
    "MSG_OOB": 0x1, "MSG_PEEK": 0x2, "MSG_DONTROUTE": 0x4, "MSG_CTRUNC": 0x8,
    "MSG_PROBE": 0x10, "MSG_TRUNC": 0x20, "MSG_DONTWAIT": 0x40,
    "MSG_EOR": 0x80, "MSG_WAITALL": 0x100, "MSG_FIN": 0x200,
    "MSG_SYN": 0x400, "MSG_CONFIRM": 0x800, "MSG_RST": 0x1000,
    "MSG_ERRQUEUE": 0x2000, "MSG_NOSIGNAL": 0x4000, "MSG_MORE": 0x8000,
    "MSG_WAITFORONE": 0x10000, "MSG_BATCH": 0x40000,
    "MSG_ZEROCOPY": 0x4000000, "MSG_FASTOPEN": 0x20000000,
    "MSG_CMSG_CLOEXEC": 0x40000000, "MSG_CMSG_COMPAT": 0x80000000,
}


def read_records(path):
    """Call records as dicts, in stream order."""
    data = open(path, "rb").read()
    off, out = 0, []
    while off + HDR.size <= len(data):
        size, rtype, _abi, _ts, _lost = HDR.unpack_from(data, off)
        if size < HDR.size or off + size > len(data):
            raise SystemExit(f"corrupt record at offset {off}")
        if rtype == REC_CALL:
            out.append(parse_call(data[off:off + size]))
        off += size
    return out


def parse_call(rec):
    f = CALL.unpack_from(rec, HDR.size)
    call = dict(msgvec=f[3], ret=f[5], fd=f[6], vlen=f[7], flags=f[8],
                status=f[9], tid=f[12], sent=f[16], nr=f[17],
                call_size=f[18], msg_size=f[19], msgs=[])
    for i in range(call["nr"]):
        m = MSG.unpack_from(rec, call["call_size"] + i * call["msg_size"])
        call["msgs"].append(dict(bytes=m[5], result=m[6], namelen=m[7],
                                 status=m[9], name=m[15][:m[10]]))
    return call


def decode_name(raw):
    """(family, address text, port) from raw sockaddr bytes."""
    if len(raw) < 2:
        return None
    fam = struct.unpack_from("<H", raw)[0]
    if fam == 2 and len(raw) >= 8:
        port = struct.unpack_from(">H", raw, 2)[0]
        return ("AF_INET", ".".join(str(b) for b in raw[4:8]), port)
    if fam == 10 and len(raw) >= 24:
        import ipaddress
        port = struct.unpack_from(">H", raw, 2)[0]
        return ("AF_INET6", str(ipaddress.IPv6Address(raw[8:24])), port)
    if fam == 1:
        path = raw[2:].split(b"\0")[0].decode("latin-1")
        return ("AF_UNIX", path, None)
    return (fam, None, None)


def strace_name(entry):
    m = re.search(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)', entry)
    if m:
        return ("AF_INET", m.group(2), int(m.group(1)))
    m = re.search(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"', entry)
    if m:
        return ("AF_INET6", m.group(2), int(m.group(1)))
    m = re.search(r'sa_family=AF_UNIX, sun_path="((?:[^"\\]|\\.)*)"', entry)
    if m:  # strace escapes bytes in C style (\212, \x8a, \")
        path = m.group(1).encode("latin-1").decode("unicode_escape")
        return ("AF_UNIX", path, None)
    return None


def parse_strace(path):
    """Calls as dicts: tid, fd, null vector, vlen, flags, ret, messages."""
    calls = []
    pat = re.compile(r"^(\d+) +sendmmsg\((-?\d+), (.*), (\d+), ([^,()]+)\) += (-?\d+)(?: (E[A-Z0-9]+))?")
    for line in open(path, encoding="latin-1"):
        m = pat.match(line)
        if not m:
            continue
        flags = 0
        for name in m.group(5).split("|"):
            flags |= int(name, 0) if name[0].isdigit() else MSG_FLAGS[name]
        ret = int(m.group(6))
        if ret == -1:
            ret = -getattr(errno, m.group(7))
        msgs = []
        for entry in m.group(3).split("{msg_hdr=")[1:]:
            msgs.append(dict(
                namelen=int(re.search(r"msg_namelen=(\d+)", entry).group(1)),
                bytes=sum(int(x) for x in re.findall(r"iov_len=(\d+)", entry)),
                msg_len=(int(re.search(r"msg_len=(\d+)", entry).group(1))
                         if "msg_len=" in entry else None),
                name=strace_name(entry),
                family=(re.search(r"sa_family=(\w+)", entry) or [None, None])[1]))
        calls.append(dict(tid=int(m.group(1)), fd=int(m.group(2)),
                          null=m.group(3) == "NULL", vlen=int(m.group(4)),
                          flags=flags, ret=ret, msgs=msgs))
    return calls


def compare(s, r):
    """Differences between a strace call and its record, as strings."""
    diffs = []
    for key in ("fd", "vlen", "flags", "ret"):
        if s[key] != r[key]:
            diffs.append(f"{key}: strace {s[key]} record {r[key]}")
    if s["null"] != (r["msgvec"] == 0):
        diffs.append(f"vector NULL: strace {s['null']} record {r['msgvec']:#x}")
    shown = min(len(s["msgs"]), r["nr"])
    for i in range(shown):
        sm, rm = s["msgs"][i], r["msgs"][i]
        if sm["namelen"] != rm["namelen"]:
            diffs.append(f"msg {i} namelen: strace {sm['namelen']} record {rm['namelen']}")
        if sm["bytes"] != rm["bytes"]:
            diffs.append(f"msg {i} bytes: strace {sm['bytes']} record {rm['bytes']}")
        if sm["msg_len"] is not None and (not rm["status"] & 1 or sm["msg_len"] != rm["result"]):
            diffs.append(f"msg {i} sent: strace msg_len={sm['msg_len']} record result {rm['result']}")
        if sm["name"] is not None and sm["name"] != decode_name(rm["name"]):
            diffs.append(f"msg {i} name: strace {sm['name']} record {decode_name(rm['name'])}")
    sent = sum(1 for sm in s["msgs"] if sm["msg_len"] is not None)
    if s["msgs"] and sent != r["sent"]:
        diffs.append(f"messages sent: strace {sent} record {r['sent']}")
    return diffs


def main():
    strace_file, records_file, label = sys.argv[1:4]
    calls = parse_strace(strace_file)
    tids = {c["tid"] for c in calls}
    records = [r for r in read_records(records_file) if r["tid"] in tids]
    n = failed = 0

    def tap(ok, desc, diags=()):
        nonlocal n, failed
        n += 1
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {n} - {label}: {desc}")
        for d in diags:
            print(f"#   {d}")

    tap(len(calls) >= 10, f"strace decoded {len(calls)} sendmmsg calls")
    tap(len(records) == len(calls),
        f"one record per strace call ({len(records)} records, {len(calls)} calls)")
    for i, (s, r) in enumerate(zip(calls, records)):
        diffs = compare(s, r)
        tap(not diffs, f"call {i} (fd={s['fd']} vlen={s['vlen']} ret={s['ret']}) agrees", diffs)
    print(f"1..{n}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
