# chart.gp: the benchmark chart, one panel per scenario, from the chart-*.dat files run-bench writes
# SPDX-License-Identifier: GPL-3.0-or-later
#
# gnuplot -e 'outfile="chart.png"; datadir="results"; files="a.dat b.dat"; titles="A|B"' chart.gp
# Each .dat line: "label" median min max colour; bars are medians, whiskers min–max.

set terminal pngcairo size 1400,900 font "Sans,11"
set output outfile

n = words(files)
set multiplot layout 2, (n + 1) / 2 title "Vignette benchmarks (median, whiskers min–max)" font "Sans,14"

set style fill solid 0.85 border -1
set boxwidth 0.6
set grid ytics lc rgb "#dddddd"
set key off
set yrange [0:*]
set xtics nomirror scale 0
set ytics nomirror
set border 3

# Colours by role: ours, our variants, Python, the sequential baseline, vips, the limit
set linetype 1 lc rgb "#3584e4"
set linetype 2 lc rgb "#99c1f1"
set linetype 3 lc rgb "#f6d32d"
set linetype 4 lc rgb "#c64600"
set linetype 6 lc rgb "#2ec27e"
set linetype 7 lc rgb "#9a9996"

do for [i = 1:n] {
  file = datadir . "/" . word(files, i)
  # split titles on "|"
  rest = titles
  do for [j = 1:i - 1] { rest = rest[strstrt(rest, "|") + 1:] }
  title_i = strstrt(rest, "|") > 0 ? rest[1:strstrt(rest, "|") - 1] : rest
  set title title_i
  set autoscale y
  stats file using 4 nooutput
  set yrange [0:STATS_max * 1.18]
  plot file using 0:2:5:xtic(1) with boxes lc variable, \
       '' using 0:2:3:4 with yerrorbars lc rgb "#241f31" pt 0 lw 1.5, \
       '' using 0:4:(sprintf("%.2f", $2)) with labels offset 0, 0.8
}

unset multiplot
