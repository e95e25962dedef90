# tests/bench/analyze.awk - the benchmark's tables, from the guest's lines
# (gawk; see tests/bench/suite-bench.sh for the line formats).
#
#   gawk -v datdir=DIR -f analyze.awk tap.log
# prints the tables of the results file on stdout and writes, for the chart,
# DIR/slowdown.dat (median / median of none) and DIR/ratio.dat
# ((median - none) / (ftrace - none)), one row per workload, and
# DIR/columns (the data columns that hold numbers).

BEGIN {
	ncfg = split("none smt smt_poll smt_text smt_nores smt_floor ftrace tp bpftrace smt_base", CFG)
	nwl = split("fail udp1 udp16 udp64 mt16", WL)
}

$1 == "BENCH" { n = ++cnt[$4, $3]; val[$4, $3, n] = $5 + 0; rnd[$4, $3, $2] = $5 + 0; rounds[$2] = 1 }
$1 == "RATE" { rate_line[++nrate] = $0 }
# UNLOADED round cfg calls delivered lost missed (suite-bench.sh: report_unload)
# LOSS round cfg workload seen lost missed (that workload's, from smt_drain)
$1 == "LOSS" { lw[$3] = 1; lseen[$4, $3] += $5; llost[$4, $3] += $6; lmissed[$4, $3] += $7 }
$1 == "UNLOADED" { ul[$3] = 1; ucalls[$3] += $4; udeliv[$3] += $5; ulost[$3] += $6; umissed[$3] += $7 }
$1 == "CONFIG" { sub(/^CONFIG /, ""); config = $0 }
/^not ok/ { problems[++nprob] = $0 }

# median, min and max of the values of workload w under configuration c
function stats(w, c,    i, n, v) {
	n = cnt[w, c]
	if (!n) { MED = MIN = MAX = ""; return 0 }
	for (i = 1; i <= n; i++) v[i] = val[w, c, i]
	asort(v)
	MIN = v[1]; MAX = v[n]
	MED = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	return n
}

# R from the medians is hurt by drift of the host between rounds; these two
# are less so: the median over rounds of each round's own ratio (the three
# configurations measured minutes apart at most), and the ratio of the
# minimums (noise under emulation only ever adds time).
function paired(w, c, ref,    r, n, v, a, b, x) {
	n = 0
	for (r in rounds) {
		if (!((w, c, r) in rnd && (w, ref, r) in rnd && (w, "none", r) in rnd)) continue
		x = rnd[w, "none", r]; a = rnd[w, c, r] - x; b = rnd[w, ref, r] - x
		if (b > 0) v[++n] = a / b
	}
	if (!n) return "-"
	asort(v)
	return sprintf("%.2f", (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2)
}
function minratio(w, c, ref,    a, b) {
	if (!stats(w, c)) return "-"; a = MIN
	if (!stats(w, ref)) return "-"; b = MIN
	if (!stats(w, "none")) return "-"
	return ratio(a, b, MIN)
}

# the median of workload w under configuration c, or "" when not measured
function get(w, c) { return ((w, c) in med) ? med[w, c] : "" }

function us(ns) { return ns == "" ? "-" : sprintf("%.1f", ns / 1000) }

# (a - base) / (b - base), or "-" when undefined
function ratio(a, b, base) {
	if (a == "" || b == "" || base == "" || b - base <= 0) return "-"
	return sprintf("%.2f", (a - base) / (b - base))
}

function table_ns(    i, j, w, c, line) {
	print "ns per call, in microseconds: median [min-max] over the rounds"
	line = sprintf("%-6s", "")
	for (j = 1; j <= ncfg; j++) line = line sprintf(" %20s", CFG[j])
	print line
	for (i = 1; i <= nwl; i++) {
		w = WL[i]
		line = sprintf("%-6s", w)
		for (j = 1; j <= ncfg; j++) {
			c = CFG[j]
			if (stats(w, c)) {
				med[w, c] = MED
				line = line sprintf(" %20s", us(MED) " [" us(MIN) "-" us(MAX) "]")
			} else {
				line = line sprintf(" %20s", "-")
			}
		}
		print line
	}
	print ""
}

function table_overhead(    i, j, w, c, line) {
	print "overhead over none, microseconds per call (median - median of none)"
	line = sprintf("%-6s", "")
	for (j = 2; j <= ncfg; j++) line = line sprintf(" %10s", CFG[j])
	print line
	for (i = 1; i <= nwl; i++) {
		w = WL[i]
		line = sprintf("%-6s", w)
		for (j = 2; j <= ncfg; j++) {
			c = CFG[j]
			if ((w, c) in med && (w, "none") in med)
				line = line sprintf(" %10.1f", (med[w, c] - med[w, "none"]) / 1000)
			else
				line = line sprintf(" %10s", "-")
		}
		print line
	}
	print ""
}

function table_ratios(    i, w, b, f, R, Rb, line, goal) {
	print "ratios of overheads (medians; ftrace = kprobe_events on the same three hooks)"
	print "  R       = (smt - none) / (ftrace - none)"
	print "  R_bpf   = (smt - none) / (bpftrace - none)"
	print "  R_floor = (smt_floor - none) / (ftrace - none)"
	print "  R_poll, R_text, R_nores: R with a reader that never sleeps in read() (no"
	print "            wake-ups), with the text reader (cat), with per_msg_results=0"
	print "  R_tp    = (tp - none) / (ftrace - none), for scale"
	print "  R_pair  = median over rounds of each round's (smt - none) / (ftrace - none)"
	print "  R_min   = R from the minimums over rounds"
	printf "%-6s %7s %7s %7s %7s %7s %7s %7s %7s %7s  %s\n", "", "R", "R_bpf", "R_floor", "R_poll", "R_text", "R_nores", "R_tp", "R_pair", "R_min", "goal R<=0.5 and R_bpf<=0.5"
	for (i = 1; i <= nwl; i++) {
		w = WL[i]
		b = get(w, "none"); f = get(w, "ftrace")
		R = ratio(get(w, "smt"), f, b)
		Rb = ratio(get(w, "smt"), get(w, "bpftrace"), b)
		goal = (R == "-" || Rb == "-") ? "n/a" : (R + 0 <= 0.5 && Rb + 0 <= 0.5) ? "met" : "not met"
		printf "%-6s %7s %7s %7s %7s %7s %7s %7s %7s %7s  %s\n", w, R, Rb,
		       ratio(get(w, "smt_floor"), f, b), ratio(get(w, "smt_poll"), f, b),
		       ratio(get(w, "smt_text"), f, b),
		       ratio(get(w, "smt_nores"), f, b), ratio(get(w, "tp"), f, b),
		       paired(w, "smt", "ftrace"), minratio(w, "smt", "ftrace"), goal
	}
	print ""
}

# With BENCH_BASE: the module of that revision (smt_base) against this one
# (smt), measured in the same rounds.
function table_base(    i, w, b, f, n) {
	n = 0
	for (i = 1; i <= nwl; i++) if (get(WL[i], "smt_base") != "") n++
	if (!n) return
	print "before/after: smt_base = the module of BENCH_BASE, smt = this one"
	print "  overheads over none in microseconds (medians), R of each, and"
	print "  after/before = median over rounds of (smt - none) / (smt_base - none)"
	printf "%-6s %10s %10s %8s %8s %13s\n", "", "smt_base", "smt", "R_base", "R", "after/before"
	for (i = 1; i <= nwl; i++) {
		w = WL[i]
		b = get(w, "none"); f = get(w, "ftrace")
		if (get(w, "smt_base") == "" || b == "") continue
		printf "%-6s %10.1f %10.1f %8s %8s %13s\n", w,
		       (get(w, "smt_base") - b) / 1000, (get(w, "smt") - b) / 1000,
		       ratio(get(w, "smt_base"), f, b), ratio(get(w, "smt"), f, b),
		       paired(w, "smt", "smt_base")
	}
	print ""
}

# What each sendmmsg_trace configuration traced and failed to deliver, over
# all its rounds: its times are only comparable when nothing was lost.
function table_loss(    j, c) {
	print "records per sendmmsg_trace configuration, all rounds and workloads"
	print "  (the module's unload line; a lost record is one never written,"
	print "  so a configuration that loses records pays less per call)"
	printf "  %-12s %12s %12s %10s %8s\n", "", "calls", "delivered", "lost", "missed"
	for (j = 1; j <= ncfg; j++) {
		c = CFG[j]
		if (!(c in ul)) continue
		printf "  %-12s %12d %12d %10d %8d\n", c, ucalls[c], udeliv[c], ulost[c], umissed[c]
	}
	print ""
	table_loss_by_workload()
}

# The same per workload, for the configurations read by smt_drain.
function table_loss_by_workload(    i, j, w, c, line) {
	line = ""
	for (j = 1; j <= ncfg; j++) if (CFG[j] in lw) line = line sprintf(" %22s", CFG[j])
	if (line == "") return
	print "records lost (+ probe hits missed) / calls traced, per workload, all rounds"
	print "             " line
	for (i = 1; i <= nwl; i++) {
		w = WL[i]
		line = ""
		for (j = 1; j <= ncfg; j++) {
			c = CFG[j]
			if (!(c in lw)) continue
			line = line sprintf(" %22s", ((w, c) in lseen) ? \
				sprintf("%d+%d/%d", llost[w, c], lmissed[w, c], lseen[w, c]) : "-")
		}
		printf "  %-10s %s\n", w, line
	}
	print ""
}

function zero_loss(    i, f, best, lost, flat, fail, label) {
	print "zero-loss rate: paced UDP vlen 1 calls, 1 s per step, then the fail path"
	print "  flat out (the fastest one thread calls) for 5 s; smt_drain reading"
	printf "  %-10s %12s %10s %8s %8s\n", "target/s", "achieved/s", "records", "lost", "missed"
	best = 0
	for (i = 1; i <= nrate; i++) {
		split(rate_line[i], f, /[ =]+/)
		# RATE target achieved calls bytes B delivered D lost L missed M seen S
		lost = f[10] + f[12]
		label = f[2] == "fail" ? "fail path" : f[2] == 0 ? "flat out" : f[2]
		printf "  %-10s %12s %10s %8s %8s\n", label, f[3], f[8], f[10], f[12]
		if (!lost && f[3] + 0 > best) best = f[3] + 0
		if (f[2] == "fail")
			fail = f[3] " calls/s, " (lost ? lost " lost/missed" : "no loss")
		else if (f[2] == 0)
			flat = f[3] " calls/s, " (lost ? lost " lost/missed" : "no loss")
	}
	printf "highest rate with zero loss: %s calls/s", best ? best : "none"
	if (flat != "") printf " (UDP flat out: %s)", flat
	if (fail != "") printf "\nfastest single-thread rate (fail path flat out): %s", fail
	print "\n"
}

function chart_data(    i, j, w, c, s, r, m, b, f, q) {
	s = datdir "/slowdown.dat"; r = datdir "/ratio.dat"
	printf "workload" > s; printf "workload" > r
	for (j = 2; j <= ncfg; j++) { printf " %s", CFG[j] > s; printf " %s", CFG[j] > r }
	print "" > s; print "" > r
	for (i = 1; i <= nwl; i++) {
		w = WL[i]
		b = ((w, "none") in med) ? med[w, "none"] : ""
		f = ((w, "ftrace") in med) ? med[w, "ftrace"] : ""
		printf "%s", w > s; printf "%s", w > r
		for (j = 2; j <= ncfg; j++) {
			c = CFG[j]
			m = ((w, c) in med) ? med[w, c] : ""
			q = (m != "" && b > 0) ? sprintf("%.3f", m / b) : "NaN"
			printf " %s", q > s
			q = ratio(m, f, b)
			printf " %s", (q == "-" ? "NaN" : q) > r
		}
		print "" > s; print "" > r
	}
	close(s); close(r)
	# gnuplot refuses a histogram column without a single number
	q = ""
	for (j = 2; j <= ncfg; j++)
		for (i = 1; i <= nwl; i++)
			if ((WL[i], CFG[j]) in med) { q = q " " j; break }
	print substr(q, 2) > (datdir "/columns")
	close(datdir "/columns")
}

END {
	table_ns()
	table_overhead()
	table_ratios()
	table_base()
	table_loss()
	zero_loss()
	if (config != "") {
		split(config, f, /[ =]+/)
		printf "module memory (SMT_IOC_GET_CONFIG): %d bytes = %.1f KiB (%s)\n\n", f[2], f[2] / 1024, config
	}
	for (i = 1; i <= nprob; i++) print "problem: " problems[i]
	if (datdir != "") chart_data()
}
