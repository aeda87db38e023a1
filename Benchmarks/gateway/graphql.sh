#!/usr/bin/env bash
# The CPU time the gateway's `graphql:` policy adds per request (issue #14: at most 20 µs at p50 for a typical query):
# GraphQLGuard.check on the POST body, timed per call with the thread's CPU clock, release build.
#   bash Benchmarks/gateway/graphql.sh [CALLS]
# "warm" documents are the same text with new variables (what apps send; the measured shape is cached), "cold" ones are
# new each time (GraphQLSwift parses them). Side by side with graphql-cop and the scanner: Benchmarks/scan/graphql.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product rampart-graphql-bench >/dev/null
"$(swift build -c release --show-bin-path)/rampart-graphql-bench" "${1:-20000}"
