#!/usr/bin/env bash
# Apply speed in time-lapse (simulator and engine on a clock 200x the wall clock): for
# provisioning delays D of 60 s, 5, 10 and 25 minutes, the apply time against the runbook's
# critical path (3·D), requests, Kafka-cluster polls and the requests of a no-change plan.
# Fails (exit 1) above 1.15x, above 8 no-change requests, or above 60 polls for a 25-minute wait.
#
#   bash bench/apply.sh
#   TIMELINE=1 bash bench/apply.sh    # also every start, poll and finish, in simulated seconds
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p linkplan-engine --bench apply
