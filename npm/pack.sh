#!/usr/bin/env bash
# Packs the npm packages: the launcher `mfa-contract` and one `@mfa-contract/<os>-<cpu>` package
# per binary, as .tgz files ready for `npm install` or `npm publish`.
#
#   npm/pack.sh BINARY OUTDIR             this machine's platform, from a built binary
#   npm/pack.sh --archives DIR OUTDIR     every release target, from cargo-dist's archives in DIR
#                                         (mfa-contract-<target>.tar.xz or .zip, checked against
#                                         their .sha256 files)
#
# Prints the path of each .tgz written. Needs node and npm; tar (and unzip for Windows archives).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
usage() {
  echo "usage: npm/pack.sh BINARY OUTDIR | npm/pack.sh --archives DIR OUTDIR" >&2
  exit 2
}
fail() {
  echo "npm/pack.sh: $*" >&2
  exit 2
}
command -v node >/dev/null || fail "node is not on PATH"
command -v npm >/dev/null || fail "npm is not on PATH"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pairs=()

if [ "${1:-}" = "--archives" ]; then
  [ $# -eq 3 ] || usage
  archives="$2"
  out="$3"
  [ -d "$archives" ] || fail "$archives: not a folder"
  for archive in "$archives"/mfa-contract-*.tar.xz "$archives"/mfa-contract-*.zip; do
    [ -e "$archive" ] || continue
    name="$(basename "$archive")"
    target="${name#mfa-contract-}"
    target="${target%.tar.xz}"
    target="${target%.zip}"
    if [ -e "$archive.sha256" ]; then
      expected="$(cut -d' ' -f1 <"$archive.sha256")"
      actual="$(sha256sum "$archive" | cut -d' ' -f1)"
      [ "$expected" = "$actual" ] || fail "$name: sha256 $actual, but $name.sha256 says $expected"
    fi
    mkdir -p "$work/$target"
    case "$archive" in
      *.zip) unzip -q "$archive" -d "$work/$target" ;;
      *) tar -xJf "$archive" -C "$work/$target" ;;
    esac
    binary="$(find "$work/$target" -type f \( -name mfa-contract -o -name mfa-contract.exe \) | head -n1)"
    [ -n "$binary" ] || fail "$name: no mfa-contract binary inside"
    pairs+=("$target=$binary")
  done
  [ ${#pairs[@]} -gt 0 ] || fail "$archives: no mfa-contract-<target>.tar.xz or .zip"
else
  [ $# -eq 2 ] || usage
  [ -f "$1" ] || fail "$1: no such binary"
  [ -x "$1" ] || fail "$1: not executable"
  pairs=("host=$1")
  out="$2"
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
node "$here/stage.mjs" "$work/packages" "${pairs[@]}" >/dev/null
# The launcher last: publishing in this order never leaves it pointing at a missing package.
for package in "$work/packages/platforms"/*/ "$work/packages/launcher/"; do
  file="$(cd "$package" && npm pack --silent --pack-destination "$out")"
  echo "$out/$file"
done
