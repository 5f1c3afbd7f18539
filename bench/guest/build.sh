#!/usr/bin/env bash
# The benchmark guest programs: see scripts/build-guest.sh.
exec bash "$(dirname "$0")/../../scripts/build-guest.sh" "$(dirname "$0")"
