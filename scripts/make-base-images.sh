#!/usr/bin/env bash
# Make sure the Docker engine has python:X and python:X-slim base images.
#
#   scripts/make-base-images.sh [PYTHON_VERSION ...]     (default: 3.11 3.13 3.14 3.15)
#
# For each version: an image the engine already has is kept as it is; a
# missing one is pulled. Only when the pull fails (an engine with no registry
# access) is a local stand-in built from Debian packages:
#   python:X-slim  debootstrap minbase + Python X, its venv module and its
#                  headers (as the official slim image has them), with a venv
#                  at /usr/local (the official image's layout: /usr/local/bin
#                  python and pip, site-packages holding pip and, for the tests' Poetry,
#                  poetry-plugin-pypi-mirror; its python
#                  links to Debian's /usr/bin/python3.X), and no
#                  .pyc files (the official images delete them)
#   python:X       the slim stand-in plus build-essential, Python X's -dev package,
#                  libpq-dev, git and curl (what the official full image has
#                  for compiling)
# Stand-ins carry the label org.pydocker-template.stand-in=<debian suite>.
#
# Only versions some Debian suite ships can be made this way:
#   3.11 (bookworm), 3.13 (trixie), 3.14 (forky, Debian testing), 3.15 (sid,
#   Debian unstable, next to its default 3.14). No suite ships 3.12: it is
#   reported, and the script exits 1 after doing what it can.
#
# Environment:
#   DEBIAN_MIRROR       mirror for debootstrap (default: debootstrap's own)
#   PIP_INDEX_URL       package index the stand-ins' pip and Poetry use
#                       (default: pip's configured index-url, else pip's default)
#   STAND_IN_WORKDIR    scratch folder (default: a fresh temporary folder)
#   DEBOOTSTRAP_DIR     debootstrap's own scripts (default: the installed ones)
set -euo pipefail

say() { printf '[base-images %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo pipefail/{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
esac
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(3.11 3.13 3.14 3.15)
for version in "${versions[@]}"; do
  [[ $version =~ ^3\.[0-9]+$ ]] \
    || die "'$version' is not a Python version: give versions such as 3.13 (--help says more)"
done

suite_for() {
  case "$1" in
    3.11) echo bookworm ;;
    3.13) echo trixie ;;
    3.14) echo forky ;;
    3.15) echo sid ;;
    *) echo "" ;;
  esac
}

# Debian's name for Python X in its suite: python3 where X is the suite's
# default, python3.X where the suite ships X beside its default
debian_python_for() {
  case "$1" in
    3.15) echo python3.15 ;;
    *) echo python3 ;;
  esac
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# debootstrap's own scripts (one per suite), as installed or as the caller points to them
host_debootstrap=${DEBOOTSTRAP_DIR:-/usr/share/debootstrap}

command -v docker >/dev/null || die "docker is not on PATH; install the Docker engine first."
docker info >/dev/null 2>&1 || die "the Docker engine does not answer (is dockerd running?)."

index_url() {
  local url="${PIP_INDEX_URL:-}"
  if [ -z "$url" ]; then
    url=$(python3 -m pip config get global.index-url 2>/dev/null || true)
  fi
  if [ -z "$url" ]; then
    url=$(python3 -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')
  fi
  printf '%s' "${url%/}/"
}

host_ca_bundle() {
  local f
  for f in "${SSL_CERT_FILE:-}" "${PIP_CERT:-}" /etc/ssl/certs/ca-certificates.crt; do
    if [ -n "$f" ] && [ -f "$f" ]; then printf '%s' "$f"; return; fi
  done
}

build_slim() {  # version suite workdir
  local version=$1 suite=$2 work=$3 root=$3/rootfs mirror=() ca py
  py=$(debian_python_for "$version")
  mkdir -p "$work"
  command -v debootstrap >/dev/null || die "debootstrap is needed to build stand-ins (apt-get install debootstrap)."
  [ -n "${DEBIAN_MIRROR:-}" ] && mirror=("$DEBIAN_MIRROR")
  say "python:$version-slim: debootstrap $suite (about a minute)"
  # An older debootstrap may not know a newer suite by name (forky on a
  # bookworm host): Debian's testing suites bootstrap with the sid script
  # (a copy of its scripts for this one run, which the next version must not see)
  local scripts=$host_debootstrap
  if [ ! -e "$scripts/scripts/$suite" ]; then
    say "python:$version-slim: this debootstrap has no '$suite' script; using its 'sid' script"
    cp -r "$host_debootstrap" "$work/debootstrap"
    ln -s sid "$work/debootstrap/scripts/$suite"
    scripts="$work/debootstrap"
  fi
  DEBOOTSTRAP_DIR="$scripts" debootstrap --variant=minbase --include="$py,$py-venv,lib$py-dev,ca-certificates" \
    "$suite" "$root" "${mirror[@]}" > "$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap $suite failed (log above)."; }
  ca=$(host_ca_bundle)
  if [ -n "$ca" ]; then cp "$ca" "$root/etc/ssl/certs/ca-certificates.crt"; fi
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  # A mirror may serve a testing suite's Release file past its Valid-Until
  # date; apt in the stand-in (and in Dockerfiles built on it) accepts that
  echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/99stand-in-valid-until"
  say "python:$version-slim: venv at /usr/local, current pip, Poetry mirror plugin"
  chroot "$root" "python$version" -m venv /usr/local
  local idx
  idx=$(index_url)
  chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin PIP_INDEX_URL="$idx" PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 /usr/local/bin/pip install -q --no-cache-dir --upgrade pip
  chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin PIP_INDEX_URL="$idx" PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 /usr/local/bin/pip install -q --no-cache-dir --no-deps poetry-plugin-pypi-mirror
  # The official images ship Python without bytecode (they delete every .pyc);
  # do the same, so that build steps that compile bytecode cost what they cost there
  find "$root"/usr/lib/python3* "$root"/usr/local -depth -name __pycache__ -type d -exec rm -rf {} +
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/root/.cache
  : > "$root/etc/resolv.conf"
  local real
  real=$(chroot "$root" /usr/local/bin/python -B -c 'import platform; print(platform.python_version())')
  say "python:$version-slim: importing (Python $real)"
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' \
    -c "ENV PYTHON_VERSION=$real" \
    -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    -c 'ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt' \
    -c 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    -c "ENV POETRY_PYPI_MIRROR_URL=$idx" \
    -c "LABEL org.pydocker-template.stand-in=$suite" \
    -c 'CMD ["python3"]' \
    - "python:$version-slim" >/dev/null
}

build_full() {  # version workdir
  local version=$1 work=$2 py
  py=$(debian_python_for "$version")
  say "python:$version: slim stand-in + build-essential $py-dev libpq-dev git curl"
  mkdir -p "$work/full"
  cat > "$work/full/Dockerfile" <<EOF
FROM python:$version-slim
RUN apt-get update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      build-essential $py-dev libpq-dev git curl \\
 && rm -rf /var/lib/apt/lists/* \\
 && find /usr/lib/python3* /usr/local -depth -name __pycache__ -type d -exec rm -rf {} +
EOF
  DOCKER_BUILDKIT=0 docker build -q -t "python:$version" "$work/full" > "$work/full.log" 2>&1 \
    || { tail -n 20 "$work/full.log" >&2; die "building the python:$version stand-in failed (log above)."; }
}

status=0  # 1 when a version could be neither found, pulled nor built
for version in "${versions[@]}"; do
  suite=$(suite_for "$version")
  need=()
  for tag in "python:$version-slim" "python:$version"; do
    if have_image "$tag"; then
      say "$tag: present, kept as it is"
    elif timeout 60 docker pull -q "$tag" >/dev/null 2>&1; then
      say "$tag: pulled"
    else
      need+=("$tag")
    fi
  done
  [ ${#need[@]} -gt 0 ] || continue
  if [ -z "$suite" ]; then
    say "python:$version: cannot be pulled, and no Debian suite ships Python $version; skipped"
    status=1
    continue
  fi
  work=${STAND_IN_WORKDIR:-$(mktemp -d)}
  mkdir -p "$work"
  started=$SECONDS
  if ! have_image "python:$version-slim"; then
    build_slim "$version" "$suite" "$work/$version"
  fi
  if ! have_image "python:$version"; then
    build_full "$version" "$work/$version"
  fi
  rm -rf "$work/$version"
  [ -n "${STAND_IN_WORKDIR:-}" ] || rmdir "$work" 2>/dev/null || true
  say "python:$version and python:$version-slim stand-ins ready ($((SECONDS - started)) s)"
done

docker image ls --filter reference='python' --format '{{.Repository}}:{{.Tag}}  {{.Size}}'
exit $status
