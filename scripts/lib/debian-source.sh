# Shared by the scripts that build from Debian's source packages (build-sysroot.sh, fetch-criu.sh,
# build-realprogs.sh): where downloads and builds are cached, and how a file is fetched from
# Debian's archive and checked. Sourced, not run; defines variables and functions only.
#
# Nothing downloaded is ever kept in the repository: each script pins the pool path and SHA-256
# (and, where it knows it, the size) of what it needs and refuses anything else.

# The cache every script builds into, outside the repository.
CPTBENCH_CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/cptbench
# Debian mirror, overridable with DEBIAN_MIRROR.
DEBIAN_MIRROR_URL=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# debian_need WHO TOOL...: fail with WHO's name if a tool is missing.
debian_need() {
  local who=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || { echo "$who: $tool not found" >&2; return 1; }
  done
}

# debian_fetch WHO POOL_PATH OUT SHA256 [SIZE]: download POOL_PATH from the mirror into OUT and
# refuse (return 1, OUT removed) anything but the expected bytes. With SIZE, a mirror answering
# with something much larger is cut off early and any other size is refused before the checksum.
debian_fetch() {
  local who=$1 url=$DEBIAN_MIRROR_URL/$2 out=$3 sha=$4 size=${5:-} name got
  local limit=()
  name=$(basename "$out")
  if [ -n "$size" ]; then limit=(--max-filesize $((size * 2))); fi
  echo "$who: fetching $url" >&2
  if ! curl -fsSL --retry 3 "${limit[@]}" -o "$out" "$url"; then
    rm -f "$out"
    echo "$who: cannot download $url (set DEBIAN_MIRROR to another Debian mirror)" >&2
    return 1
  fi
  if [ -n "$size" ]; then
    got=$(stat -c %s "$out")
    if [ "$got" != "$size" ]; then
      rm -f "$out"
      echo "$who: $name: $got bytes, expected $size: refusing it" >&2
      return 1
    fi
  fi
  if ! echo "$sha  $out" | sha256sum -c --status; then
    rm -f "$out"
    echo "$who: $name: SHA-256 mismatch (expected $sha): refusing it" >&2
    return 1
  fi
}
