#!/usr/bin/env bash
# Measures what a first restore of the solution costs on a fresh machine: restores a copy of the
# tracked tree (so this checkout's obj/ folders are not touched) into an empty package folder with
# an empty HOME, then prints the folder's size, the download (sum of the .nupkg files NuGet keeps),
# the XML documentation share and the 20 largest packages. Sizes are MiB, as `du -sm` counts.
# Needs the package source to be reachable. docs/benchmarks.md, "First restore", has the figures.
# Usage: tools/restore-size/measure.sh [--skip-xmldoc]   (--skip-xmldoc: NUGET_XMLDOC_MODE=skip)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
xmldoc=none
case "${1:-}" in
  "") ;;
  --skip-xmldoc) xmldoc=skip ;;
  *) echo "usage: $0 [--skip-xmldoc]" >&2; exit 2 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/repo" "$work/home"
(cd "$root" && git ls-files -co --exclude-standard -z | tar -cf - --null -T -) | tar -xf - -C "$work/repo"

# No trailing slash on NUGET_PACKAGES, as a user would set it.
if ! (cd "$work/repo" && env HOME="$work/home" NUGET_PACKAGES="$work/packages" NUGET_XMLDOC_MODE="$xmldoc" \
      DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet restore Gym.sln >"$work/restore.log" 2>&1); then
  cat "$work/restore.log" >&2
  echo "restore failed (output above)" >&2
  exit 1
fi

mib() { awk '{s+=$1} END {printf "%.0f", s/1048576}'; }
packages="$work/packages"
echo "on disk:     $(du -sm "$packages" | cut -f1) MiB (NUGET_XMLDOC_MODE=$xmldoc)"
echo "downloaded:  $(find "$packages" -name '*.nupkg' -printf '%s\n' | mib) MiB (sum of .nupkg)"
echo "xml docs:    $(find "$packages" -name '*.xml' -printf '%s\n' | mib) MiB"
echo "packages:    $(find "$packages" -mindepth 1 -maxdepth 1 -type d | wc -l) ids, $(find "$packages" -mindepth 2 -maxdepth 2 -type d | wc -l) id-version folders"
echo "largest (MiB):"
(cd "$packages" && du -sm -- */* | sort -n | tail -20)
