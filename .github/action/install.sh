#!/usr/bin/env bash
# The action's installer: finds the release archive for this runner and puts the binary in the
# runner's tool cache, checked against the archive's published sha256. Nothing is compiled.
#
#   install.sh resolve   version, target and folder, as step outputs (for the cache key)
#   install.sh install   download, verify and unpack into that folder
#
# The version defaults to the one in the action's own Cargo.toml (the release the action is
# pinned to); the download comes from the repository Cargo.toml names, or from
# MFA_CONTRACT_RELEASES_URL (a mirror holding v<version>/<archive>).
set -euo pipefail

action_root="$(cd "$(dirname "$0")/../.." && pwd)"
fail() {
  echo "::error title=mfa-contract action::$*"
  exit 2
}

# A string field of Cargo.toml's [package] table.
package_field() {
  sed -n '/^\[package\]/,/^\[/p' "$action_root/Cargo.toml" |
    sed -n "s/^$1 *= *\"\\([^\"]*\\)\".*/\\1/p" | head -n1
}

target_triple() {
  case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
    macOS/X64) echo x86_64-apple-darwin ;;
    macOS/ARM64) echo aarch64-apple-darwin ;;
    Windows/X64) echo x86_64-pc-windows-msvc ;;
    *) return 1 ;;
  esac
}

version="${MFA_CONTRACT_VERSION:-}"
version="${version#v}"
[ -n "$version" ] || version="$(package_field version)"
[ -n "$version" ] || fail "no version given and none in $action_root/Cargo.toml"
target="$(target_triple)" ||
  fail "no released binary for runner ${RUNNER_OS:-?}/${RUNNER_ARCH:-?} (Linux, macOS: X64, ARM64; Windows: X64); install it with cargo install mfa-contract"
dir="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/mfa-contract/$version/$target"

resolve() {
  {
    echo "version=$version"
    echo "target=$target"
    echo "dir=$dir"
  } >>"${GITHUB_OUTPUT:-/dev/stdout}"
}

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1
}

install() {
  local base archive work expected actual binary
  base="${MFA_CONTRACT_RELEASES_URL:-$(package_field repository)/releases/download}"
  case "$target" in
    *windows*) archive="mfa-contract-$target.zip" ;;
    *) archive="mfa-contract-$target.tar.xz" ;;
  esac
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' RETURN
  for file in "$archive" "$archive.sha256"; do
    curl --fail --silent --show-error --location --retry 3 --output "$work/$file" "$base/v$version/$file" ||
      fail "cannot download $base/v$version/$file: is v$version released? Pin the action to a release tag, or set version"
  done
  expected="$(cut -d' ' -f1 <"$work/$archive.sha256")"
  actual="$(sha256 "$work/$archive")"
  [ "$expected" = "$actual" ] || fail "$archive: sha256 $actual, but the release says $expected"
  mkdir -p "$work/unpacked" "$dir"
  case "$archive" in
    *.zip) pwsh -NoProfile -Command "Expand-Archive -Path '$work/$archive' -DestinationPath '$work/unpacked'" ;;
    *) tar -xJf "$work/$archive" -C "$work/unpacked" ;;
  esac
  binary="$(find "$work/unpacked" -type f \( -name mfa-contract -o -name mfa-contract.exe \) | head -n1)"
  [ -n "$binary" ] || fail "$archive holds no mfa-contract binary"
  cp "$binary" "$dir/"
  chmod +x "$dir/$(basename "$binary")"
  echo "mfa-contract $version ($target) installed in $dir"
}

case "${1:-}" in
  resolve) resolve ;;
  install) install ;;
  *) fail "usage: install.sh resolve|install" ;;
esac
