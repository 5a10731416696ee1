#!/usr/bin/env bash
# What the official Databricks SDK for Python (../shared/oracles/databricks-sdk-py, the oracle the
# metadata-service e2e runs as a later step) needs from Debian: requests, google-auth, protobuf.
# Idempotent: does nothing when python3 already imports them. Meant to run as root on Debian CI.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
if /usr/bin/python3 -c 'import requests, google.auth, google.protobuf' 2>/dev/null; then
  exit 0
fi
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  SUDO=(sudo --preserve-env=DEBIAN_FRONTEND)
fi
echo 'install-python-sdk: installing python3-requests python3-google-auth python3-protobuf'
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends python3-requests python3-google-auth python3-protobuf >/dev/null
