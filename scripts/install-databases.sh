#!/usr/bin/env bash
# Installs PostgreSQL and MariaDB server binaries from Debian's packages for the JDBC
# connector's integration tests. Idempotent: installs only what is missing. Tests start
# private server instances themselves (testkit::database), so nothing is left running:
# the packages' own services are stopped and their autostart is disabled here (there is
# no systemd on our machines, so "service" scripts may have started them).
set -euo pipefail

have_postgres() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
have_mariadb() { command -v mariadb-install-db >/dev/null 2>&1 && { command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; }; }

need=()
have_postgres || need+=(postgresql)
have_mariadb || need+=(mariadb-server)
if [ "${#need[@]}" -eq 0 ]; then
  echo "databases already installed (PostgreSQL and MariaDB)"
  exit 0
fi

echo "installing database packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
# Keep package scripts from starting services: tests start their own private instances.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"

# In case a package started a server anyway, stop it (only the packaged default ones).
if command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r ver name _port status _rest; do
    if [ "$status" = online ]; then pg_ctlcluster "$ver" "$name" stop || true; fi
  done
fi
if [ -f /run/mysqld/mysqld.pid ]; then
  kill "$(cat /run/mysqld/mysqld.pid)" 2>/dev/null || true
fi
have_postgres && have_mariadb && echo "databases installed"
