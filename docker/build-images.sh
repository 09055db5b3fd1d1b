#!/usr/bin/env bash
# Builds the images `raftconnect:dev`, `tansu:dev`, `postgres:dev` and `mariadb:dev` FROM
# scratch: no base image and no registry. Each image holds its binaries, exactly the
# shared libraries `ldd` lists (and the dynamic loader) at their paths, a minimal /etc
# (passwd/group with the image's user, and nsswitch.conf "hosts: files dns": glibc >=
# 2.34 has the files and dns NSS modules built in, so compose service names resolve)
# and /tmp. raftconnect and tansu run as `connect` (uid/gid 10001). The database images
# are made of this machine's Debian packages (scripts/install-databases.sh installs them
# when missing): the server, its client, the data files it reads at run time, and dash
# as /bin/sh for their entrypoints (docker/entrypoints/), which initialise the volume on
# the first start; postgres runs as `postgres` (10002), mariadbd as `mysql` (10003).
#
#   docker/build-images.sh                 # release build of raftconnect (slow, small)
#   docker/build-images.sh --profile dev   # debug build (dependencies optimised; faster)
#   RAFTCONNECT_PROFILE=dev docker/build-images.sh
#   RAFTCONNECT_BIN=/path/to/raftconnect docker/build-images.sh   # no cargo build
#   docker/build-images.sh raftconnect     # only that image (or: tansu, postgres, mariadb;
#                                          #   several may be named)
#
# Idempotent: rebuilding the same binaries gives the same image (docker's cache).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
source "$repo/scripts/env.sh"

profile="${RAFTCONNECT_PROFILE:-release}"
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="${2:?--profile needs dev or release}"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    --dev|--debug) profile=dev; shift ;;
    --release) profile=release; shift ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    raftconnect|tansu|postgres|mariadb) only="${only:+$only }$1"; shift ;;
    *) echo "build-images.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$profile" in
  dev|debug) profile=dev; profile_dir=debug ;;
  release) profile_dir=release ;;
  *) echo "build-images.sh: profile must be dev or release, not $profile" >&2; exit 2 ;;
esac

command -v docker >/dev/null || { echo "build-images.sh: docker is not installed" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "build-images.sh: cannot reach the docker engine (docker info failed)" >&2; exit 1; }

start=$(date +%s)

wants() { [ -z "$only" ] || [[ " $only " == *" $1 "* ]]; }

# --- binaries -------------------------------------------------------------------------
if ! wants raftconnect; then
  rc_bin=""
elif [ -n "${RAFTCONNECT_BIN:-}" ]; then
  rc_bin="$RAFTCONNECT_BIN"
  profile="given binary $RAFTCONNECT_BIN"
else
  echo "== cargo build --locked -p raftconnect --profile $profile" >&2
  (cd "$repo" && cargo build --locked -p raftconnect --profile "$profile")
  rc_bin="$CARGO_TARGET_DIR/$profile_dir/raftconnect"
fi
if wants raftconnect && [ ! -x "$rc_bin" ]; then
  echo "build-images.sh: no raftconnect binary at $rc_bin" >&2; exit 1
fi
if wants tansu; then
  "$repo/scripts/install-tansu.sh" >&2
  [ -x "$TANSU_BIN" ] || { echo "build-images.sh: no tansu binary at $TANSU_BIN" >&2; exit 1; }
fi

if wants postgres || wants mariadb; then
  # Debian's packages (no registry): installs PostgreSQL / MariaDB if missing (needs root).
  "$repo/scripts/install-databases.sh" >&2
fi

ctx_root="$RAFTCONNECT_CACHE/docker-context"
uid=10001
gid=10001

# make_context NAME BINARY DATA_DIR: writes $ctx_root/NAME/{rootfs.tar,Dockerfile}.
make_context() {
  local name="$1" bin="$2" data="$3"
  local ctx="$ctx_root/$name"
  local root="$ctx/rootfs"
  rm -rf "$ctx"
  mkdir -p "$root/usr/local/bin" "$root/etc" "$root$data"
  mkdir -m 1777 "$root/tmp"
  cp -L "$bin" "$root/usr/local/bin/$name"
  chmod 0755 "$root/usr/local/bin/$name"
  # Every library ldd resolves ("libx.so => /path (0x..)") and the loader ("/lib64/ld-..
  # (0x..)"), each copied (symlinks followed) to the path the binary looks it up at.
  local libs
  libs="$(ldd "$bin" | awk '
    $2 == "=>" && $3 ~ /^\// { print $3; next }
    $1 ~ /^\// { print $1 }')"
  if ldd "$bin" | grep -q "not found"; then
    echo "build-images.sh: $bin has unresolved libraries:" >&2
    ldd "$bin" | grep "not found" >&2
    exit 1
  fi
  local lib
  for lib in $libs; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
connect:x:$uid:$gid:connect:$data:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
  cat >"$root/etc/group" <<EOF
root:x:0:
connect:x:$gid:
nogroup:x:65534:
EOF
  echo "hosts: files dns" >"$root/etc/nsswitch.conf"
  # A tar (fixed owners, order and times) keeps modes and owners without needing root,
  # and docker's build cache hits when nothing changed. The data dir belongs to the user.
  local t=(--sort=name --mtime=@0 --numeric-owner)
  tar "${t[@]}" --owner=0 --group=0 --exclude=".$data" -C "$root" -cf "$ctx/rootfs.tar" .
  tar "${t[@]}" --owner=$uid --group=$gid -C "$root" -rf "$ctx/rootfs.tar" ".$data"
  rm -rf "$root"
  echo "$libs" | sed 's/^/  lib /' >&2
}

build() {
  local name="$1" dockerfile="$2"
  echo "== docker build -t $name:dev" >&2
  printf '%s\n' "$dockerfile" >"$ctx_root/$name/Dockerfile"
  # The classic builder: no buildx plugin here, and a FROM scratch image needs nothing else.
  DOCKER_BUILDKIT=0 docker build -q -t "$name:dev" "$ctx_root/$name" >/dev/null
  # The previous build of this image, untagged now.
  docker image prune -f --filter "label=org.opencontainers.image.title=$name" >/dev/null
}

if wants raftconnect; then
  make_context raftconnect "$rc_bin" /data
  build raftconnect "FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/bin
USER $uid:$gid
WORKDIR /data
VOLUME /data
ENV RAFTCONNECT_LOG=info,librdkafka=warn,rdkafka=warn
EXPOSE 8083 7000
LABEL org.opencontainers.image.title=raftconnect org.opencontainers.image.description=\"Kafka Connect in Rust, on Raft\"
LABEL raftconnect.binary.sha256=$(sha256sum "$rc_bin" | cut -d' ' -f1) raftconnect.profile=\"$profile\"
ENTRYPOINT [\"/usr/local/bin/raftconnect\"]
CMD [\"--help\"]"
  docker run --rm raftconnect:dev --version
fi

if wants tansu; then
  make_context tansu "$TANSU_BIN" /var/lib/tansu
  build tansu "FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/bin
USER $uid:$gid
# tansu resolves sqlite://tansu.db against its working directory: the volume.
WORKDIR /var/lib/tansu
VOLUME /var/lib/tansu
EXPOSE 9092
LABEL org.opencontainers.image.title=tansu
ENTRYPOINT [\"/usr/local/bin/tansu\"]
CMD [\"--help\"]"
  docker run --rm tansu:dev --version
fi

# --- database images ---------------------------------------------------------------------
# Several binaries each, their data files, and dash as /bin/sh for the entrypoint script
# (docker/entrypoints/<name>.sh): initdb runs `postgres --boot` through /bin/sh -c, and
# the first start initialises the volume.

# ldd_libs FILE...: every library ldd resolves for the FILEs and the loader, once each;
# fails on an unresolved library.
ldd_libs() {
  local f out
  for f in "$@"; do
    out="$(ldd "$f")"
    if grep -q "not found" <<<"$out"; then
      echo "build-images.sh: $f has unresolved libraries:" >&2
      grep "not found" <<<"$out" >&2
      return 1
    fi
    awk '$2 == "=>" && $3 ~ /^\// { print $3; next } $1 ~ /^\// { print $1 }' <<<"$out"
  done | sort -u
}

# add_files ROOT FILE...: copies each FILE (symlinks followed) to its own path under ROOT.
add_files() {
  local root="$1" f
  shift
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"
    cp -L "$f" "$root$f"
  done
}

# db_rootfs NAME USER UID GID HOME: starts $ctx_root/NAME/rootfs: /etc, /tmp, /run (and
# /var/run -> /run), dash as /bin/sh, docker/entrypoints/NAME.sh as
# /usr/local/bin/NAME-entrypoint. Prints the rootfs path.
db_rootfs() {
  local name="$1" user="$2" uid="$3" gid="$4" home="$5"
  local ctx="$ctx_root/$name"
  local root="$ctx/rootfs"
  rm -rf "$ctx"
  mkdir -p "$root/etc" "$root/bin" "$root/run" "$root/var" "$root/usr/local/bin" "$root$home"
  mkdir -m 1777 "$root/tmp"
  ln -s ../run "$root/var/run"
  cat >"$root/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/sbin/nologin
$user:x:$uid:$gid:$user:$home:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
PASSWD
  cat >"$root/etc/group" <<GROUP
root:x:0:
$user:x:$gid:
nogroup:x:65534:
GROUP
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
  add_files "$root" /usr/bin/dash
  ln -s ../usr/bin/dash "$root/bin/sh"
  install -m 0755 "$here/entrypoints/$name.sh" "$root/usr/local/bin/$name-entrypoint"
  # Terminal descriptions for the clients' line editing (docker exec -it).
  if [ -d /lib/terminfo ]; then
    mkdir -p "$root/lib"
    cp -a /lib/terminfo "$root/lib/terminfo"
  fi
  echo "$root"
}

# pack_rootfs NAME UID GID PATH...: tars $ctx_root/NAME/rootfs into rootfs.tar (fixed
# order and times; owned by root except the PATHs, which belong to UID:GID) and removes it.
pack_rootfs() {
  local name="$1" uid="$2" gid="$3"
  shift 3
  local ctx="$ctx_root/$name"
  local t=(--sort=name --mtime=@0 --numeric-owner) ex=() p
  for p in "$@"; do ex+=(--exclude=".$p"); done
  tar "${t[@]}" --owner=0 --group=0 "${ex[@]}" -C "$ctx/rootfs" -cf "$ctx/rootfs.tar" .
  for p in "$@"; do
    tar "${t[@]}" --owner="$uid" --group="$gid" -C "$ctx/rootfs" -rf "$ctx/rootfs.tar" ".$p"
  done
  rm -rf "$ctx/rootfs"
}

# smoke_test NAME: starts NAME:dev on a fresh anonymous volume, waits until its
# HEALTHCHECK passes (the first start initialises the data directory), removes it.
smoke_test() {
  local name="$1" cid status i
  cid="$(docker run -d --label raftconnect.smoke-test=1 "$name:dev")"
  for i in $(seq 1 120); do
    status="$(docker inspect -f '{{.State.Health.Status}} {{.State.Running}}' "$cid")"
    case "$status" in
      "healthy "*) break ;;
      *" false") break ;;
    esac
    sleep 1
  done
  if [[ "$status" != "healthy "* ]]; then
    echo "build-images.sh: $name:dev did not become healthy ($status):" >&2
    docker logs "$cid" 2>&1 | tail -40 >&2
    docker rm -f -v "$cid" >/dev/null
    exit 1
  fi
  echo "$name:dev initialised its volume and became healthy in ${i}s" >&2
  docker rm -f -v "$cid" >/dev/null
}

pg_uid=10002
my_uid=10003

if wants postgres; then
  pg_dir="$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"
  pg_dir="${pg_dir%/bin/initdb}"
  pg_version="${pg_dir##*/}"
  pg_share="/usr/share/postgresql/$pg_version"
  root="$(db_rootfs postgres postgres $pg_uid $pg_uid /var/lib/postgresql)"
  pg_bins=("$pg_dir/bin/postgres" "$pg_dir/bin/initdb" "$pg_dir/bin/psql" "$pg_dir/bin/pg_isready")
  # The modules postgres loads at run time (plpgsql, pgoutput, dict_snowball for initdb,
  # libpqwalreceiver, encoding conversions, contrib), not the LLVM JIT (libLLVM alone is
  # over 100 MB; without it jit is simply off) nor SELinux's sepgsql.
  pg_mods=()
  for f in "$pg_dir"/lib/*.so; do
    case "${f##*/}" in llvmjit.so | sepgsql.so) ;; *) pg_mods+=("$f") ;; esac
  done
  libs="$(ldd_libs "${pg_bins[@]}" "${pg_mods[@]}")"
  # shellcheck disable=SC2086
  add_files "$root" "${pg_bins[@]}" "${pg_mods[@]}" $libs
  mkdir -p "$root/usr/share/postgresql" "$root/usr/share" "$root/run/postgresql"
  cp -a "$pg_share" "$root$pg_share"
  rm -rf "$root$pg_share/man"
  # Time zones: TZ=UTC, and every name SET TIME ZONE / pg_timezone_names may use.
  cp -a /usr/share/zoneinfo "$root/usr/share/zoneinfo"
  chmod 2775 "$root/run/postgresql"
  pack_rootfs postgres $pg_uid $pg_uid /var/lib/postgresql /run/postgresql
  echo "$libs" | sed 's/^/  lib /' >&2
  build postgres "FROM scratch
ADD rootfs.tar /
ENV PATH=$pg_dir/bin:/usr/local/bin:/usr/bin:/bin PGDATA=/var/lib/postgresql/data TZ=UTC
# psql and pg_isready (and the first start's superuser and database) default to these;
# no pager (there is none in the image).
ENV PGUSER=connect PGDATABASE=connect PSQL_PAGER=
USER $pg_uid:$pg_uid
WORKDIR /var/lib/postgresql
VOLUME /var/lib/postgresql
EXPOSE 5432
# SIGINT: postgres's fast shutdown (SIGTERM waits for every client to disconnect).
STOPSIGNAL SIGINT
HEALTHCHECK --interval=2s --timeout=5s --start-period=60s --retries=3 CMD [\"pg_isready\", \"-q\"]
LABEL org.opencontainers.image.title=postgres org.opencontainers.image.description=\"PostgreSQL $pg_version from Debian's packages\"
ENTRYPOINT [\"/bin/sh\", \"/usr/local/bin/postgres-entrypoint\"]"
  docker run --rm --entrypoint postgres postgres:dev --version
  smoke_test postgres
fi

if wants mariadb; then
  my_share=""
  for d in /usr/share/mariadb /usr/share/mysql; do
    if [ -f "$d/mysql_system_tables.sql" ]; then my_share="$d"; break; fi
  done
  [ -n "$my_share" ] || { echo "build-images.sh: no MariaDB share directory" >&2; exit 1; }
  my_server=/usr/sbin/mariadbd
  my_client="$(command -v mariadb)"
  my_version="$("$my_server" --version | sed -n 's/.* Ver \([0-9.]*-MariaDB\).*/\1/p')"
  root="$(db_rootfs mariadb mysql $my_uid $my_uid /var/lib/mysql)"
  libs="$(ldd_libs "$my_server" "$my_client")"
  # shellcheck disable=SC2086
  add_files "$root" "$my_server" "$my_client" $libs
  # Character sets and the error messages of every language (lc_messages).
  mkdir -p "$root$my_share" "$root/usr/lib/mysql/plugin" "$root/run/mysqld"
  cp -a "$my_share/charsets" "$root$my_share/"
  for d in "$my_share"/*/; do
    if [ -f "$d/errmsg.sys" ]; then cp -a "${d%/}" "$root$my_share/"; fi
  done
  # What mariadb-install-db pipes into `mariadbd --bootstrap` (a shell script with many
  # tools, so it is not in the image): the system tables, their data, help tables, GIS
  # procedures and the sys schema; root@localhost and mysql@localhost by unix socket; no
  # host-name accounts (the container's host name is not stable).
  {
    echo "create database if not exists mysql;"
    echo "use mysql;"
    echo "SET @auth_root_socket='mysql';"
    cat "$my_share/mysql_system_tables.sql" "$my_share/mysql_performance_tables.sql" \
      "$my_share/mysql_system_tables_data.sql" "$my_share/fill_help_tables.sql" \
      "$my_share/maria_add_gis_sp_bootstrap.sql" "$my_share/mysql_sys_schema.sql"
  } | sed -e '/@current_hostname/d' >"$root$my_share/bootstrap.sql"
  sed -i -e "s|@SHARE@|$my_share|g" -e "s|@VERSION@|$my_version|g" \
    "$root/usr/local/bin/mariadb-entrypoint"
  pack_rootfs mariadb $my_uid $my_uid /var/lib/mysql /run/mysqld
  echo "$libs" | sed 's/^/  lib /' >&2
  build mariadb "FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/bin TZ=UTC
USER $my_uid:$my_uid
WORKDIR /var/lib/mysql
VOLUME /var/lib/mysql
EXPOSE 3306
# The mariadb client as the OS user mysql: unix-socket authentication, no password.
HEALTHCHECK --interval=2s --timeout=5s --start-period=60s --retries=3 CMD [\"mariadb\", \"-e\", \"SELECT 1\"]
LABEL org.opencontainers.image.title=mariadb org.opencontainers.image.description=\"MariaDB $my_version from Debian's packages\"
ENTRYPOINT [\"/bin/sh\", \"/usr/local/bin/mariadb-entrypoint\"]"
  docker run --rm --entrypoint mariadbd mariadb:dev --version
  smoke_test mariadb
fi

for image in raftconnect tansu postgres mariadb; do
  docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' "$image:dev"
done
echo "images built in $(( $(date +%s) - start ))s${rc_bin:+ (raftconnect: $profile)}" >&2
