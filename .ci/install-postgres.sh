#!/usr/bin/env bash
# Installs what test/postgres/server.ts needs to start a throw-away PostgreSQL server:
# Debian's `postgresql` package (server binaries under /usr/lib/postgresql/<major>/bin, the
# `postgres` OS user, the psql client) and the openssl CLI (self-signed TLS certificate).
# Idempotent: does nothing when both are present. Meant to run as root on Debian/Ubuntu CI.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  SUDO=(sudo --preserve-env=DEBIAN_FRONTEND)
fi

have_initdb() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

packages=()
if ! have_initdb || ! id postgres >/dev/null 2>&1; then
  packages+=(postgresql)
fi
if ! command -v openssl >/dev/null 2>&1; then
  packages+=(openssl)
fi

if ((${#packages[@]} > 0)); then
  echo "install-postgres: installing ${packages[*]}"
  "${SUDO[@]}" apt-get update -qq
  # policy-rc.d-free installs may auto-create/start the default cluster on 5432; the harness
  # neither needs nor minds it (it listens on another loopback address and its own socket dir).
  "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if ! have_initdb; then
  echo 'install-postgres: initdb still missing after install' >&2
  exit 1
fi

initdb_path="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)"
echo "install-postgres: $("$initdb_path" --version), $(openssl version)"
