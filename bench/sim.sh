#!/usr/bin/env bash
# Simulator speed: in-process start time (World::example + Sim::start) and throughput under
# concurrent load — a mix of Confluent Basic-auth reads and TiDB Cloud Digest reads (one Digest
# nonce per client, reused with a counting nc) — with latency percentiles. Fails (exit 1) on any
# error or below MIN_RPS requests/s.
#
#   bash bench/sim.sh                 # 64 clients for 10 s, in-process server
#   BINARY=1 bash bench/sim.sh        # also against the release `linkplan sim` binary
#   C=256 DURATION=30 bash bench/sim.sh
set -euo pipefail
cd "$(dirname "$0")/.."
C="${C:-64}"
DURATION="${DURATION:-10}"
MIN_RPS="${MIN_RPS:-2000}"

cargo run --release -p linkplan-sim --example load -- --concurrency "$C" --seconds "$DURATION" --min-rps "$MIN_RPS"

if [ "${BINARY:-0}" = 1 ]; then
  cargo build --release --bin linkplan
  env_file="$(mktemp)"
  # The example world without rate-limit enforcement: this measures the simulator, not the
  # vendors' limits (100 TiDB requests a minute would answer nearly everything with 429).
  world_file="$(mktemp --suffix=.yaml)"
  { cat fixtures/sim/worlds/example.yaml; printf '\nrate_limits: { enforce: false }\n'; } > "$world_file"
  ./target/release/linkplan sim --world "$world_file" > "$env_file" &
  pid=$!
  trap 'kill "$pid" 2>/dev/null || true; rm -f "$env_file" "$world_file"' EXIT
  for _ in $(seq 50); do [ "$(wc -l < "$env_file")" -ge 6 ] && break; sleep 0.1; done
  # shellcheck disable=SC1090
  . "$env_file"
  cargo run --release -p linkplan-sim --example load -- --url "$LINKPLAN_CONFLUENT_URL" \
    --concurrency "$C" --seconds "$DURATION" --min-rps "$MIN_RPS"
fi
