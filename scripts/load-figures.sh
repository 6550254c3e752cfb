#!/usr/bin/env bash
# The figures of docs/performance.md ("Load through real processes"): three
# stacks of scripts/load.sh one after the other, each with redis-benchmark
# XADD of its own Redis first: one Noctuary on one redis-server, three
# Noctuary processes on one redis-server, one Noctuary on a three-master
# Redis Cluster. About 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
LOAD_BIN=$(mktemp -d); export LOAD_BIN
trap 'rm -rf "$LOAD_BIN"' EXIT
go build -o "$LOAD_BIN/noctuary" ./cmd/noctuary
go build -o "$LOAD_BIN/noctuary-load" ./cmd/noctuary-load
S=$(printf 'load-%02d,' $(seq 0 19)); S=${S%,}
ev() { echo "-events $1 -duration 5s -services $S"; }
batch() { echo "-batches $1 -batch-size 500 -duration 5s -services $S"; }
# ≈ 300 events in checkout's window (it and its dependency), then the incidents.
triage="-batches 1 -batch-size 300 -duration 1s -services checkout,postgres-main; -incidents 50 -duration 10s; -incidents 200 -duration 5s"
echo "######## 1 replica, redis-server"
LOAD_RUNS="$(ev 500); $(ev 1000); $(ev 2000); $(ev 4000); $(batch 60); $(batch 200); $triage" bash scripts/load.sh
echo; echo "######## 3 replicas, redis-server"
REPLICAS=3 LOAD_RUNS="$(ev 1000); $(ev 2000); $(ev 4000); $(batch 200); $triage" bash scripts/load.sh
echo; echo "######## 1 replica, Redis Cluster of three masters"
REDIS_MODE=cluster LOAD_RUNS="$(ev 1000); $(ev 2000); $(batch 60); $(batch 200); $triage" bash scripts/load.sh
