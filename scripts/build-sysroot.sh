#!/usr/bin/env bash
# Builds a static riscv32 (rv32imafdc, ilp32d) musl sysroot for guest programs written against a
# real libc, with the installed riscv64-unknown-elf-gcc, into a cache directory outside the
# repository. Nothing of musl or Linux is kept in the repository: the sources are downloaded from
# Debian's archive and checked against the SHA-256 sums below.
#
#   npm run build:sysroot            build once (minutes), then print the sysroot's path
#   npm run build:sysroot -- --path  print where the sysroot is (or would be) and exit
#
# Where it goes: $CPTBENCH_SYSROOT if set, else ${XDG_CACHE_HOME:-~/.cache}/cptbench/<key>, the key
# naming every version that changes the result (musl, the UAPI headers, gcc, -march/-mabi). A
# sysroot is used only once its `.complete` stamp exists: an interrupted build is started again,
# never half used.
#
# Sources (Debian mirror overridable with DEBIAN_MIRROR):
#   musl 1.2.5 (the first release with a riscv32 port): trixie's source package's upstream tarball.
#   Linux 6.1 UAPI headers (linux/*.h, asm/*.h): linux-libc-dev-riscv64-cross from bookworm.
#   They are asm-generic headers for riscv64; rv32 needs nothing else from them because
#   asm/bitsperlong.h derives __BITS_PER_LONG from __riscv_xlen.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/debian-source.sh
. "$HERE/lib/debian-source.sh"

MUSL_VERSION=1.2.5
MUSL_TARBALL=musl_${MUSL_VERSION}.orig.tar.gz
MUSL_PATH=pool/main/m/musl/$MUSL_TARBALL
MUSL_SHA256=a9a118bbe84d8764da0ea0d28b3ab3fae8477fc7e4085d90102b8596fc7c75e4
UAPI_VERSION=6.1.4-1cross1
UAPI_DEB=linux-libc-dev-riscv64-cross_${UAPI_VERSION}_all.deb
UAPI_PATH=pool/main/c/cross-toolchain-base-ports/$UAPI_DEB
UAPI_SHA256=51c8f1429724107fc9d34d584bdf3fed64e42cc302f65a4a0cf48cc9f0ece0af

CC=${RISCV_CC:-riscv64-unknown-elf-gcc}
MARCH=rv32imafdc
MABI=ilp32d

die() { echo "build-sysroot: $*" >&2; exit 1; }
command -v "$CC" >/dev/null 2>&1 || die "$CC not found (Debian: apt-get install gcc-riscv64-unknown-elf)"
GCC_VERSION=$("$CC" -dumpversion)
KEY=musl-${MUSL_VERSION}_uapi-${UAPI_VERSION}_gcc-${GCC_VERSION}_${MARCH}-${MABI}
SYSROOT=${CPTBENCH_SYSROOT:-$CPTBENCH_CACHE_DIR/$KEY}

if [ "${1:-}" = "--path" ]; then echo "$SYSROOT"; exit 0; fi
if [ -f "$SYSROOT/.complete" ]; then echo "$SYSROOT"; exit 0; fi

debian_need build-sysroot curl sha256sum tar make dpkg-deb

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cptbench-sysroot.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

debian_fetch build-sysroot "$MUSL_PATH" "$WORK/$MUSL_TARBALL" "$MUSL_SHA256"
debian_fetch build-sysroot "$UAPI_PATH" "$WORK/$UAPI_DEB" "$UAPI_SHA256"

STAGE=$SYSROOT.partial
rm -rf "$STAGE"
mkdir -p "$STAGE"

tar -xzf "$WORK/$MUSL_TARBALL" -C "$WORK"
(
  cd "$WORK/musl-$MUSL_VERSION"
  # -ffile-prefix-map keeps the build directory out of libc.a, so two machines get the same bytes.
  CFLAGS="-O2 -ffile-prefix-map=$WORK=." ./configure --target=riscv32 --prefix=/ --disable-shared \
    CC="$CC -march=$MARCH -mabi=$MABI" CROSS_COMPILE=riscv64-unknown-elf- >"$WORK/configure.log" 2>&1 \
    || { tail -20 "$WORK/configure.log" >&2; die "musl configure failed"; }
  make -j"$(nproc)" >"$WORK/make.log" 2>&1 || { tail -30 "$WORK/make.log" >&2; die "musl build failed"; }
  make install DESTDIR="$STAGE" >>"$WORK/make.log" 2>&1 || die "musl install failed"
)

dpkg-deb -x "$WORK/$UAPI_DEB" "$WORK/uapi"
UAPI_INC=$WORK/uapi/usr/riscv64-linux-gnu/include
[ -d "$UAPI_INC/linux" ] || die "$UAPI_DEB has no usr/riscv64-linux-gnu/include/linux"
cp -r "$UAPI_INC/linux" "$UAPI_INC/asm" "$UAPI_INC/asm-generic" "$STAGE/include/"
for d in mtd rdma scsi sound video xen misc drm; do
  [ -d "$UAPI_INC/$d" ] && cp -r "$UAPI_INC/$d" "$STAGE/include/"
done

cat >"$STAGE/VERSIONS" <<EOF
musl $MUSL_VERSION sha256 $MUSL_SHA256
linux-libc-dev-riscv64-cross $UAPI_VERSION sha256 $UAPI_SHA256
$CC $GCC_VERSION -march=$MARCH -mabi=$MABI
EOF
touch "$STAGE/.complete"
rm -rf "$SYSROOT"
mv "$STAGE" "$SYSROOT"
echo "$SYSROOT"
