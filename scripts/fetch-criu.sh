#!/usr/bin/env bash
# Downloads CRIU's source (Debian's upstream tarball of criu 4.1.1) and unpacks its ZDTM test suite
# (test/zdtm) into a cache directory outside the repository. Nothing of CRIU is kept in the
# repository: the tarball is fetched and checked against the size and SHA-256 below, anything else
# is refused.
#
#   bash scripts/fetch-criu.sh          fetch and unpack once, then print the directory holding zdtm/
#   bash scripts/fetch-criu.sh --path   print where it is (or would be) and exit
#
# Where it goes: $CPTBENCH_CRIU_SRC if set, else ${XDG_CACHE_HOME:-~/.cache}/cptbench/criu-<version>
# (the same cache as scripts/build-sysroot.sh). The directory is used only once its `.complete`
# stamp exists: an interrupted fetch is started again, never half used.
set -euo pipefail

CRIU_VERSION=4.1.1
CRIU_TARBALL=criu_${CRIU_VERSION}.orig.tar.xz
CRIU_PATH=pool/main/c/criu/$CRIU_TARBALL
CRIU_SHA256=f80a66cb3726bb2116266d4759ce3bcbfab7abdb6b6d430bf20dd41911717afe
CRIU_SIZE=1021136
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

DEST=${CPTBENCH_CRIU_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/cptbench/criu-$CRIU_VERSION}
die() { echo "fetch-criu: $*" >&2; exit 1; }

if [ "${1:-}" = "--path" ]; then echo "$DEST"; exit 0; fi
if [ -f "$DEST/.complete" ]; then echo "$DEST"; exit 0; fi

for tool in curl sha256sum tar xz stat; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cptbench-criu.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

url=$MIRROR/$CRIU_PATH
echo "fetch-criu: fetching $url" >&2
# --max-filesize: a mirror answering with something else entirely is cut off early.
curl -fsSL --retry 3 --max-filesize $((CRIU_SIZE * 2)) -o "$WORK/$CRIU_TARBALL" "$url" \
  || die "cannot download $url (set DEBIAN_MIRROR to another Debian mirror)"
size=$(stat -c %s "$WORK/$CRIU_TARBALL")
[ "$size" = "$CRIU_SIZE" ] || die "$CRIU_TARBALL: $size bytes, expected $CRIU_SIZE: refusing it"
echo "$CRIU_SHA256  $WORK/$CRIU_TARBALL" | sha256sum -c --status \
  || die "$CRIU_TARBALL: SHA-256 mismatch (expected $CRIU_SHA256): refusing it"

STAGE=$DEST.partial
rm -rf "$STAGE"
mkdir -p "$STAGE"
# Only the test suite: the rest of CRIU (its C/R tool) is not what cptbench runs.
tar -xJf "$WORK/$CRIU_TARBALL" -C "$WORK" "criu-$CRIU_VERSION/test/zdtm"
mv "$WORK/criu-$CRIU_VERSION/test/zdtm" "$STAGE/zdtm"
cat >"$STAGE/VERSIONS" <<EOF
criu $CRIU_VERSION $CRIU_TARBALL sha256 $CRIU_SHA256 size $CRIU_SIZE
EOF
touch "$STAGE/.complete"
rm -rf "$DEST"
mv "$STAGE" "$DEST"
echo "$DEST"
