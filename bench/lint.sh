#!/usr/bin/env bash
# Lint speed: `linkplan lint` on 10,000 plans (all rules) against schema-only validators run on
# the same files with the same schema, and against two floors: the YAML parser's event stream
# alone (strictest) and a bare parse of each file into a YAML tree (saphyr's loader).
# Also the single-file lint a pre-commit hook runs, process start included.
#
#   bash bench/lint.sh            # N=10000 by default; N=1000 bash bench/lint.sh for a quick run
#
# Installs (once, under bench/out/): hyperfine (apt), @sourcemeta/jsonschema, ajv-cli +
# ajv-formats (npm), check-jsonschema (PyPI). Results: bench/out/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-10000}"
OUT=bench/out
DATA="$OUT/plans-$N"
PEERS="$OUT/peers"
mkdir -p "$OUT"

command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
[ -x "$PEERS/node_modules/.bin/jsonschema" ] ||
  npm install --silent --prefix "$PEERS" --no-audit --no-fund @sourcemeta/jsonschema ajv-cli@5 ajv-formats@3
[ -x "$PEERS/venv/bin/check-jsonschema" ] ||
  { python3 -m venv "$PEERS/venv" && "$PEERS/venv/bin/pip" install -q check-jsonschema; }

[ -d "$DATA" ] || python3 bench/gen_plans.py "$DATA" "$N"
cargo build --release --quiet --bin linkplan
cargo build --release --quiet -p linkplan-lint --example parse_floor
LINKPLAN=target/release/linkplan
FLOOR=target/release/examples/parse_floor
SCHEMA=schemas/plan.schema.json

echo "files: $(ls "$DATA" | wc -l); failing per linkplan: $($LINKPLAN lint --format json "$DATA" | python3 -c 'import json,sys; print(sum(1 for f in json.load(sys.stdin)["files"] if any(x["severity"]=="error" for x in f["findings"])))')"

hyperfine -N -i --warmup 2 --runs 10 --export-markdown "$OUT/results-many.md" \
  -n "linkplan lint (all rules)" "$LINKPLAN lint --format json $DATA" \
  -n "floor: YAML events only" "$FLOOR $DATA" \
  -n "floor: bare parse to a YAML tree" "$FLOOR --tree $DATA" \
  -n "@sourcemeta/jsonschema" "$PEERS/node_modules/.bin/jsonschema validate -c -f $SCHEMA $DATA"
hyperfine -i --warmup 1 --runs 3 --export-markdown "$OUT/results-slow.md" \
  -n "ajv-cli" "$PEERS/node_modules/.bin/ajv validate --spec=draft2020 --all-errors --strict=false -s $SCHEMA -d '$DATA/*.yaml'" \
  -n "check-jsonschema" "$PEERS/venv/bin/check-jsonschema --schemafile $SCHEMA $DATA/*.yaml"
hyperfine -N --warmup 20 --runs 200 --export-markdown "$OUT/results-single.md" \
  -n "linkplan lint, one file" "$LINKPLAN lint examples/orders-cdc.yaml"
cat "$OUT"/results-many.md "$OUT"/results-slow.md "$OUT"/results-single.md > "$OUT/results.md"
cat "$OUT/results.md"
