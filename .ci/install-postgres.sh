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

# An existing server first: PG_BINDIR (what test/postgres/server.ts reads), then initdb on PATH
# (Homebrew, Nix, a distribution's own layout), then Debian's layout.
initdb_path() {
  if [[ -n "${PG_BINDIR:-}" && -x "$PG_BINDIR/initdb" ]]; then
    echo "$PG_BINDIR/initdb"
  elif command -v initdb >/dev/null 2>&1; then
    command -v initdb
  else
    compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1
  fi
}

have_initdb() {
  [[ -n "$(initdb_path)" ]]
}

packages=()
# As root the harness runs the server as the `postgres` user, which Debian's package creates.
if ! have_initdb || { [[ "$(id -u)" -eq 0 ]] && ! id postgres >/dev/null 2>&1; }; then
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

found="$(initdb_path)"
echo "install-postgres: $("$found" --version) ($found), $(openssl version)"
