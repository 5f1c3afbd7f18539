#!/usr/bin/env bash
# Builds a hand-oracle workload natively (host gcc + glibc, tools/host/os.h standing in for the
# runtime) and runs it N times (default 20), printing how many distinct outputs it gave and the
# first one. Run as root (namespaces, uids). Compare with expected/<name>.stdout:
#   bash workloads/tools/host-run.sh pidns | diff - workloads/expected/pidns.stdout
# (The first line on stderr reports the count; stdout is the output itself.)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
name=${1:?usage: host-run.sh NAME [RUNS]}
runs=${2:-20}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cptbench-host.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The runtime's <stdio.h>/<stdlib.h>/<string.h> come from glibc through tools/host/os.h.
sed '/^#include <std\(io\|lib\)\.h>$/d; /^#include <string\.h>$/d' "$HERE/src/$name.c" >"$tmp/$name.c"
gcc -O1 -w -I"$HERE/tools/host" -include "$HERE/tools/host/os.h" -o "$tmp/$name" "$tmp/$name.c"
for i in $(seq 1 "$runs"); do
  rc=0
  "$tmp/$name" >"$tmp/out.$i" 2>"$tmp/err.$i" || rc=$?
  echo "$rc" >>"$tmp/out.$i"
done
distinct=$(for i in $(seq 1 "$runs"); do md5sum <"$tmp/out.$i"; done | sort -u | wc -l)
echo "$name: $runs runs, $distinct distinct output(s) (the last line printed is the exit status)" >&2
cat "$tmp/out.1"
