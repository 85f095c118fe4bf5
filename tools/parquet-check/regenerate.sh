#!/usr/bin/env bash
# Regenerates the Parquet expectations of the CLI tests (tests/Gym.Cli.Tests/Data/parquet): gym
# exports the fixture rollouts in both row layouts, and hyparquet reads each file back to JSON.
# Run it after a deliberate schema or Parquet.Net change, then review the diff.
# GYM overrides the gym command (default: the built CLI, dotnet src/Gym.Cli/bin/Debug/net10.0/gym.dll).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/tests/Gym.Cli.Tests/Data/parquet
gym=${GYM:-"dotnet $root/src/Gym.Cli/bin/Debug/net10.0/gym.dll"}
if [ ! -d "$root/tools/parquet-check/node_modules/hyparquet" ]; then
  (cd "$root/tools/parquet-check" && npm ci --no-audit --no-fund)
fi
for rows in turn episode; do
  $gym export "$data/rollouts.jsonl" --to parquet --rows "$rows" --out "$data/rollouts.$rows.parquet"
  node "$root/tools/parquet-check/read.mjs" "$data/rollouts.$rows.parquet" "$data/rollouts.$rows.json"
done
