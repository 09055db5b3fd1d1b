#!/bin/sh
# Entrypoint of postgres:dev (docker/build-images.sh). The image has no coreutils: only
# this shell (dash) and PostgreSQL's own binaries, so everything here is a dash builtin
# or one of those.
#
# First start (no $PGDATA/PG_VERSION in the volume): initdb with the superuser
# $POSTGRES_USER / $POSTGRES_PASSWORD (default $PGUSER, which the image sets to connect,
# / connect), password (scram-sha-256) authentication over TCP from anywhere, trust over
# the local socket (docker exec), then the database $POSTGRES_DB (default $PGDATABASE,
# connect) in single-user mode. PGUSER and PGDATABASE are also what psql and pg_isready
# (the image's HEALTHCHECK) connect as: set them rather than POSTGRES_USER/_DB.
# Every start: exec postgres listening on all interfaces; the arguments (compose's
# `command`) are added to its command line, e.g. -c wal_level=logical.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=${PGUSER:-connect}}"
: "${POSTGRES_PASSWORD:=connect}"
: "${POSTGRES_DB:=${PGDATABASE:-connect}}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "postgres-entrypoint: initdb $PGDATA (superuser $POSTGRES_USER, database $POSTGRES_DB)" >&2
  printf '%s\n' "$POSTGRES_PASSWORD" | initdb -D "$PGDATA" -U "$POSTGRES_USER" \
    --pwfile=/dev/stdin -E UTF8 --locale=C \
    --auth-local=trust --auth-host=scram-sha-256 --no-instructions
  {
    echo "# postgres-entrypoint: password authentication from any address"
    echo "host all all all scram-sha-256"
    echo "host replication all all scram-sha-256"
  } >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    printf 'CREATE DATABASE "%s"\n' "$POSTGRES_DB" |
      postgres --single -D "$PGDATA" -c jit=off postgres >/dev/null
  fi
  echo "postgres-entrypoint: initialised" >&2
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
