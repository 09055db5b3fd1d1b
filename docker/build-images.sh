#!/usr/bin/env bash
# Builds the images `raftconnect:dev` and `tansu:dev` FROM scratch: no base image and no
# registry. Each image holds the binary, exactly the shared libraries `ldd` lists (and
# the dynamic loader) at their paths, a minimal /etc (passwd/group with the user
# `connect`, uid/gid 10001, and nsswitch.conf "hosts: files dns": glibc >= 2.34 has the
# files and dns NSS modules built in, so compose service names resolve) and /tmp.
#
#   docker/build-images.sh                 # release build of raftconnect (slow, small)
#   docker/build-images.sh --profile dev   # debug build (dependencies optimised; faster)
#   RAFTCONNECT_PROFILE=dev docker/build-images.sh
#   RAFTCONNECT_BIN=/path/to/raftconnect docker/build-images.sh   # no cargo build
#   docker/build-images.sh raftconnect     # only that image (or: tansu)
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
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    raftconnect|tansu) only="${only:+$only }$1"; shift ;;
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
LABEL raftconnect.binary.sha256=$(sha256sum "$rc_bin" | cut -d' ' -f1) raftconnect.profile=$profile
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

docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' raftconnect:dev
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' tansu:dev
echo "images built in $(( $(date +%s) - start ))s (raftconnect: $profile)" >&2
