#!/bin/sh
# Entrypoint of mariadb:dev (docker/build-images.sh). The image has no coreutils: only
# this shell (dash), mariadbd and the mariadb client, so everything here is a dash
# builtin or one of those.
#
# First start (no mysql_upgrade_info in the volume): `mariadbd --bootstrap` runs the
# system-table SQL that build-images.sh assembled the way mariadb-install-db does
# (root@localhost and mysql@localhost authenticate by unix socket: `docker exec ...
# mariadb` needs no password). Every start: exec mariadbd listening on all interfaces
# with an init file that makes sure of the database $MARIADB_DATABASE and the user
# $MARIADB_USER@'%' / $MARIADB_PASSWORD with all privileges (default connect / connect
# / connect). The arguments (compose's `command`) are added to mariadbd's command line,
# e.g. --server-id=1 --log-bin=mysql-bin --binlog-format=ROW.
set -eu
datadir=/var/lib/mysql
: "${MARIADB_USER:=connect}"
: "${MARIADB_PASSWORD:=connect}"
: "${MARIADB_DATABASE:=connect}"

if [ ! -e "$datadir/mysql_upgrade_info" ]; then
  echo "mariadb-entrypoint: creating the system tables in $datadir" >&2
  mariadbd --no-defaults --bootstrap --datadir="$datadir" --tmpdir=/tmp \
    --log-warnings=0 --enforce-storage-engine="" --max_allowed_packet=8M \
    --net_buffer_length=16K <@SHARE@/bootstrap.sql
  printf '%s' "@VERSION@" >"$datadir/mysql_upgrade_info"
  echo "mariadb-entrypoint: initialised" >&2
fi

init=/run/mysqld/init.sql
{
  printf 'CREATE DATABASE IF NOT EXISTS `%s`;\n' "$MARIADB_DATABASE"
  printf "CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s';\n" "$MARIADB_USER" "$MARIADB_PASSWORD"
  printf "GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%';\n" "$MARIADB_USER"
} >"$init"

exec mariadbd --no-defaults --datadir="$datadir" --tmpdir=/tmp \
  --socket=/run/mysqld/mysqld.sock --pid-file=/run/mysqld/mysqld.pid \
  --bind-address=0.0.0.0 --port=3306 --skip-name-resolve \
  --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
  --init-file="$init" "$@"
