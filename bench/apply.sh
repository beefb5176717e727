#!/usr/bin/env bash
# Apply speed in time-lapse (simulator and engine on a clock 25-200x the wall clock, about 8 s of
# wall time a row): for uniform provisioning delays D of 60 s, 5, 10 and 25 minutes and three
# uneven, field-like rows (cluster 25 min with access 2, connection 5, domains 1, changefeed 1; a
# 60-minute cluster; a connection longer than the cluster), the apply of the example (the link
# and a changefeed) against the step graph's critical path
# max(cluster + key, access + connection + domains) + changefeed, requests, Kafka-cluster polls
# and the requests of a no-change plan. Fails (exit 1) above 1.05x, above 14 no-change requests
# (one per resource observed), above 60 cluster polls per 25 minutes waited, or on any 429.
#
#   bash bench/apply.sh
#   TIMELINE=1 bash bench/apply.sh    # also every start, poll and finish, in simulated seconds
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p linkplan-engine --bench apply
