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
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/debian-source.sh
. "$HERE/lib/debian-source.sh"

CRIU_VERSION=4.1.1
CRIU_TARBALL=criu_${CRIU_VERSION}.orig.tar.xz
CRIU_PATH=pool/main/c/criu/$CRIU_TARBALL
CRIU_SHA256=f80a66cb3726bb2116266d4759ce3bcbfab7abdb6b6d430bf20dd41911717afe
CRIU_SIZE=1021136

DEST=${CPTBENCH_CRIU_SRC:-$CPTBENCH_CACHE_DIR/criu-$CRIU_VERSION}

if [ "${1:-}" = "--path" ]; then echo "$DEST"; exit 0; fi
if [ -f "$DEST/.complete" ]; then echo "$DEST"; exit 0; fi

debian_need fetch-criu curl sha256sum tar xz stat

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cptbench-criu.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

debian_fetch fetch-criu "$CRIU_PATH" "$WORK/$CRIU_TARBALL" "$CRIU_SHA256" "$CRIU_SIZE"

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
