#!/usr/bin/env bash
# The official Databricks SDK for Python (../shared/oracles/databricks-sdk-py, test/conformance/)
# runs on Debian's python3 with three Debian packages. Idempotent: does nothing when they import.
# Without ../shared, it tries `pip install databricks-sdk==0.133.0`; if neither works the suite
# says in one line why it did not run (outside CI).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PYTHON=/usr/bin/python3
[[ -x "$PYTHON" ]] || PYTHON=python3

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  SUDO=(sudo --preserve-env=DEBIAN_FRONTEND)
fi

if ! "$PYTHON" -c 'import requests, google.auth, google.protobuf' >/dev/null 2>&1; then
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq python3-requests python3-google-auth python3-protobuf >/dev/null
fi
oracle="$(dirname "$0")/../../shared/oracles/databricks-sdk-py"
if [[ ! -f "$oracle/prelude.py" ]] && ! "$PYTHON" -c 'import databricks.sdk' >/dev/null 2>&1; then
  "$PYTHON" -m pip install --quiet 'databricks-sdk==0.133.0' ||
    echo 'databricks-sdk==0.133.0 could not be installed: the SDK conformance suite will not run' >&2
fi
"$PYTHON" -c 'import requests, google.auth, google.protobuf; print("python SDK dependencies: ok")'
