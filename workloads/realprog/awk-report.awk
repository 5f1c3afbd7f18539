# awk-report: the workload The One True Awk runs (embedded; see embed.c), in an empty directory.
# BEGIN writes its own input: sales.txt (comma-separated, from a fixed LCG) and notes.txt
# (semicolon-separated), then appends both to ARGV with an FS= assignment between them, so the
# main loop reads real files; END prints a report. Exercises fields and NF/$0 rebuilding, FS/OFS,
# associative and multi-dimensional arrays, user functions with recursion, regular expressions
# (match, sub, gsub, split, dynamic regexps, intervals), printf, getline from files, close, and
# output to files and /dev/stderr. Deterministic: no srand() without a seed, no time, no commands.

# The ZX81's generator: small numbers, so % stays exact in awk's doubles (and cheap).
function lcg() { seed = (seed * 75 + 74) % 65537; return seed }
function pick(n) { return lcg() % n }

# Quicksort of keys[lo..hi] by value in vals[] (descending), ties by key (ascending).
function before(a, b) { return vals[a] > vals[b] || (vals[a] == vals[b] && a < b) }
function qsort(keys, lo, hi,    i, last, t) {
  if (lo >= hi) return
  t = keys[lo]; keys[lo] = keys[int((lo + hi) / 2)]; keys[int((lo + hi) / 2)] = t
  last = lo
  for (i = lo + 1; i <= hi; i++)
    if (before(keys[i], keys[lo])) { last++; t = keys[last]; keys[last] = keys[i]; keys[i] = t }
  t = keys[lo]; keys[lo] = keys[last]; keys[last] = t
  qsort(keys, lo, last - 1)
  qsort(keys, last + 1, hi)
}
# Fills keys[1..n] with arr's indices sorted by value; returns n.
function sortby(arr, keys,    k, n) {
  n = 0
  for (k in vals) delete vals[k]
  for (k in arr) { keys[++n] = k; vals[k] = arr[k] }
  qsort(keys, 1, n)
  return n
}
function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) }
function repeat(s, n,    r) { r = ""; while (n-- > 0) r = r s; return r }
function bar(v, scale) { return repeat("#", int(v / scale + 0.5)) }

BEGIN {
  seed = 2026
  split("north south east west central", regions, " ")
  split("widget gadget sprocket gizmo doohickey thingamajig", items, " ")
  split("alice bob carol dave erin frank grace heidi", reps, " ")
  print "region,rep,item,qty,price,date" > "sales.txt"
  for (i = 1; i <= 120; i++) {
    printf "%s,%s,%s,%d,%d.%02d,2026-%02d-%02d\n", regions[pick(5) + 1], reps[pick(8) + 1],
      items[pick(6) + 1], pick(20) + 1, pick(90) + 5, pick(100), pick(12) + 1, pick(28) + 1 > "sales.txt"
  }
  # A few malformed lines the main loop must reject.
  print "north,alice,widget,many,1.00,2026-01-01" > "sales.txt"
  print "bogus line without commas" > "sales.txt"
  print "east,bob,gizmo,3,4.50,2026-13-40" > "sales.txt"
  print (close("sales.txt") == 0 ? "sales.txt written" : "close failed")

  print "# notes: key;value;comment" > "notes.txt"
  print "discount;north;0.10" > "notes.txt"
  print "discount;west;0.05" > "notes.txt"
  print "target;total;75000" > "notes.txt"
  print "motto;all;Sell   more,  talk   less" > "notes.txt"
  close("notes.txt")

  # getline from a file: count its lines and the longest one.
  while ((getline line < "sales.txt") > 0) { nlines++; if (length(line) > longest) longest = length(line) }
  close("sales.txt")
  printf "sales.txt: %d lines, longest %d bytes\n", nlines, longest
  print ((getline line < "missing.txt") < 0) ? "missing.txt: getline -1" : "missing.txt: read?"

  FS = ","
  ARGV[ARGC++] = "sales.txt"
  ARGV[ARGC++] = "FS=;"
  ARGV[ARGC++] = "notes.txt"
}

FILENAME == "sales.txt" && FNR == 1 { header = $0; ncols = NF; next }

FILENAME == "sales.txt" {
  if (NF != ncols) { bad[FNR] = "fields=" NF; next }
  if ($4 !~ /^[0-9]+$/) { bad[FNR] = "qty=" $4; next }
  if (!match($6, /^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/)) { bad[FNR] = "date=" $6; next }
  amount = $4 * $5
  total += amount
  byregion[$1] += amount
  byrep[$2] += amount
  byitem[$3] += $4
  month = substr($6, 6, 2) + 0
  bymonth[month] += amount
  cell[$1, $3] += $4
  if (!($2 in first)) first[$2] = FNR
  if (amount > best) { best = amount; bestline = $0; bestnr = NR }
  count++
  next
}

FILENAME == "notes.txt" && /^#/ { next }
FILENAME == "notes.txt" { note[$1, $2] = $3; notes++ }

END {
  printf "read %d records (NR %d), %d good, %d rejected\n", NR, NR, count, length(bad)
  for (i = 1; i <= nlines; i++) if (i in bad) printf "  rejected line %d: %s\n", i, bad[i]
  printf "header had %d columns: %s\n", ncols, header
  printf "total %.2f, mean %.4f per record, best %.2f at NR %d\n", total, total / count, best, bestnr
  print "  best record: " bestline

  print "-- by region (with notes.txt discounts) --"
  n = sortby(byregion, keys)
  for (i = 1; i <= n; i++) {
    r = keys[i]; d = ((("discount", r) in note) ? note["discount", r] : 0)
    printf "%-8s %10.2f %9.2f %5.1f%% %s\n", r, byregion[r], byregion[r] * (1 - d), 100 * byregion[r] / total, bar(byregion[r], 1000)
  }
  print "-- top reps --"
  n = sortby(byrep, keys)
  for (i = 1; i <= 3; i++) printf "%d. %-6s %10.2f (first seen on line %d)\n", i, keys[i], byrep[keys[i]], first[keys[i]]
  print "-- units by item --"
  n = sortby(byitem, keys)
  for (i = 1; i <= n; i++) printf "%-12s|%5d|%-5x|%o\n", keys[i], byitem[keys[i]], byitem[keys[i]], byitem[keys[i]]
  print "-- months --"
  for (m = 1; m <= 12; m++) printf "%02d %9.2f%s", m, bymonth[m], (m % 4 == 0) ? "\n" : "  "
  print "-- region x item (units) --"
  printf "%-8s", ""
  for (j = 1; j <= 6; j++) printf " %5.5s", items[j]
  print ""
  for (i = 1; i <= 5; i++) {
    printf "%-8s", regions[i]
    for (j = 1; j <= 6; j++) printf " %5d", cell[regions[i], items[j]]
    print ""
  }
  ncell = 0
  for (k in cell) { split(k, parts, SUBSEP); if (parts[2] == "widget") ncell++ }
  print "cells with widgets:", ncell, "target met:", (total >= note["target", "total"]) ? "yes" : "no"

  FS = " "
  print "-- strings and regular expressions --"
  motto = note["motto", "all"]
  print "motto:", motto, "length", length(motto)
  gsub(/ +/, " ", motto); print "squeezed:", motto
  s = motto; print "sub:", sub(/[Ss]ell/, "[&]", s), s, "\\&:", (t = motto) && sub(/more/, "\\&", t) ? t : "-"
  print "gsub count:", gsub(/[aeiou]/, "<&>", s), s
  print "toupper/tolower:", toupper(substr(motto, 1, 4)), tolower("MiXeD")
  print "index:", index(motto, "talk"), index(motto, "zzz"), "substr:", substr("hello", 0, 3), substr("hello", 4), substr("hello", -1, 3) "|"
  if (match("order #12345 shipped", /#[0-9]+/)) print "match:", RSTART, RLENGTH, substr("order #12345 shipped", RSTART + 1, RLENGTH - 1)
  print "no match:", match("abc", /z/), RSTART, RLENGTH
  n = split("a:b::c:", f, ":"); printf "split: %d [%s][%s][%s][%s][%s]\n", n, f[1], f[2], f[3], f[4], f[5]
  n = split("  lead and  trail  ", f); print "default split:", n, f[1], f[n]
  n = split("x1y22z333", f, /[0-9]+/); print "regex split:", n, f[1], f[2], f[3], f[4] "|"
  re = "^[a-c]+[0-9]{2,3}$"
  printf "dynamic regex %s:", re
  n = split("abc12 ab1234 cab999 d12 bb00 c7", f)
  for (i = 1; i <= n; i++) printf " %s=%d", f[i], (f[i] ~ re)
  print ""
  print "classes:", ("Tab\there" ~ /[[:space:]]/), ("x9" ~ /^[[:alpha:]][[:digit:]]$/), ("A-Z" ~ /^[A-Z]-[[:upper:]]$/), ("a.c" ~ /a\.c/), ("abc" ~ /a\.c/)

  print "-- fields --"
  $0 = "one two three four"
  print NF, $2, $NF
  $6 = "six"; print NF, $0 "|"
  OFS = "-"; $1 = $1; print $0
  NF = 3; print NF, $0
  $0 = "  re   split  "; print NF, "[" $1 "]"
  OFS = " "

  print "-- numbers --"
  printf "%d %i %5.2f %-6.1e| %g %g %c%c %5s|%-5s| %%\n", 42.9, -7.2, 3.14159, 12345.678, 1e-5, 100000000, 65, "hello", "ab", "cd"
  printf "%*d|%-*d|%.*f\n", 6, 42, 4, 7, 3, 2.71828
  print 1 / 3, 2 ^ 10, 2 ** 0.5, 17 % 5, -17 % 5, int(-3.7), int("42abc"), "3" + "4", ("10" < "9"), (10 < 9)
  print exp(1), log(10), sqrt(2), sin(0), cos(0), atan2(1, 1) * 4, fact(12), fact(20)
  CONVFMT = "%.2f"; x = 3.14159; y = x ""; print "CONVFMT:", y, 17 ""; CONVFMT = "%.6g"
  OFMT = "%.3f"; print "OFMT:", 2.718281828, 5; OFMT = "%.6g"
  srand(7); r1 = rand(); srand(7); r2 = rand(); print "srand repeatable:", (r1 == r2), (r1 >= 0 && r1 < 1), srand(9)
  print "uninitialized:", length(nothing), nothing + 0, (nothing == 0), (nothing == "")
  delete note; print "after delete:", length(note)

  n = writereport()
  print "report.txt lines written and read back:", n
  print "done with", NR, "records" > "/dev/stderr"
  exit (count == 120) ? 0 : 1
}

# Writes a summary file and reads it back through getline into $0 (updating NF).
function writereport(    i, n, lines) {
  for (i = 1; i <= 5; i++) printf "%s %.2f\n", regions[i], byregion[regions[i]] > "report.txt"
  close("report.txt")
  n = 0
  while ((getline < "report.txt") > 0) { n++; if (NF != 2) return -1; lines = lines $1 "/" }
  close("report.txt")
  print "  " lines
  return n
}
