#!/bin/sh
# The demo's guest script (tests/demo.sh): load, trace a small realistic
# workload with the reader and with cat, unload.  Plain output, no TAP.

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
klog() { dmesg | grep 'sendmmsg_trace:' | sed 's/^\[[^]]*\] //' | grep -v taint; }

say "insmod sendmmsg_trace.ko"
dmesg -c >/dev/null
insmod /lib/sendmmsg_trace.ko || exit 1
klog

say "sendmmsg-trace &      # the reader, strace-like lines"
sendmmsg-trace --color=always --duration 5 --stats >/tmp/reader.out 2>&1 &
reader=$!
sleep 1
say "udp_batch -n 3 -v 4 -f 2     # 3 batches of 4 UDP messages to 127.0.0.1, then a vector whose 3rd message fails"
udp_batch -n 3 -v 4 -f 2
wait $reader
cat /tmp/reader.out

say "sendmmsg-trace --json --count 1 --errors    # one call as JSON (NDJSON: one line)"
sendmmsg-trace --json --count 1 --errors >/tmp/json.out 2>&1 &
reader=$!
sleep 1
udp_batch -n 1 -v 4 -f 2 >/dev/null
wait $reader
cat /tmp/json.out

say "cat /dev/sendmmsg_trace    # the module's own text lines (cut at 300 columns)"
timeout 3 cat /dev/sendmmsg_trace >/tmp/cat.out &
sleep 0.5
udp_batch -n 1 -v 4 -c >/dev/null
udp_batch -n 0 -v 4 -f 2 >/dev/null
wait
cut -c1-300 /tmp/cat.out

say "rmmod sendmmsg_trace"
dmesg -c >/dev/null
rmmod sendmmsg_trace
klog
