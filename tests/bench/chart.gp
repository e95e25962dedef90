# tests/bench/chart.gp - the benchmark's bar chart (gnuplot 5).
# gnuplot -e "datdir='DIR'; cols='2 3 ...'; out='FILE.png'; title='...'" chart.gp
# cols: the columns of the .dat files to draw (those with numbers).
# Top: slowdown against no tracing; bottom: overhead relative to ftrace
# kprobe events on the same hooks, with the issue's goal line at 0.5.

set terminal pngcairo size 1200,900 font ",10" noenhanced
set output out
set multiplot layout 2,1 title title
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key outside right top vertical
set grid ytics
set xtics nomirror

set title "ns per call / ns per call without tracing (median over rounds)"
set ylabel "slowdown (none = 1)"
set yrange [0:*]
plot for [c in cols] datdir."/slowdown.dat" using (column(int(c))):xtic(1) title columnheader(int(c))

set title "overhead / overhead of ftrace kprobe events on the same hooks (R); goal: smt <= 0.5"
set ylabel "overhead ratio (ftrace = 1)"
set yrange [0:*]
plot for [c in cols] datdir."/ratio.dat" using (column(int(c))):xtic(1) title columnheader(int(c)), \
     0.5 with lines dashtype 2 linewidth 2 linecolor rgb "red" title "goal 0.5"

unset multiplot
