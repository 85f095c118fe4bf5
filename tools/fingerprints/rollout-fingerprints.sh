#!/usr/bin/env bash
# Prints one line per scenario in scenarios/ (and per built-in environment id): the SHA-256 of the
# rollout file `gym run` writes for it with a fixed seed, episode count and the scripted expert, the
# line count, the target, and (after "without-data") the SHA-256 of the same file with every tool
# call's structured "data" removed (strip-tool-data.py): that one compares with files written before
# tool results carried data.
# A refactoring that must not change behaviour keeps every line identical:
#   tools/fingerprints/rollout-fingerprints.sh > before.txt; …change…; … > after.txt; diff before.txt after.txt
# Usage: rollout-fingerprints.sh [path of a built gym.dll] (default: a Release build of src/Gym.Cli).
set -euo pipefail
cd "$(dirname "$0")/../.."
gym=${1:-}
if [ -z "$gym" ]; then
  dotnet build src/Gym.Cli -c Release -v q -nologo >/dev/null
  gym=src/Gym.Cli/bin/Release/net10.0/gym.dll
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
targets=(tool-use/arithmetic-v0 tool-use/arithmetic-easy-v0 tool-use/arithmetic-hard-v0 search-qa/synthetic-v0)
while IFS= read -r file; do targets+=("$file"); done < <(find scenarios -name '*.yaml' -not -path '*/data/*' | sort)
for target in "${targets[@]}"; do
  out="$work/out.jsonl"
  rm -f "$out"
  if dotnet "$gym" run "$target" --episodes 24 --seed 11 --concurrency 8 --policy expert:0.2 --no-progress --out "$out" >"$work/log" 2>&1; then
    echo "$(sha256sum "$out" | cut -c1-16) $(wc -l <"$out" | tr -d ' ') $target without-data $(python3 tools/fingerprints/strip-tool-data.py <"$out" | sha256sum | cut -c1-16)"
  else
    echo "failed($?) $target: $(tail -1 "$work/log")"
  fi
done
