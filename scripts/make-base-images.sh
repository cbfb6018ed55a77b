#!/usr/bin/env bash
# Make sure the Docker engine has python:X and python:X-slim base images.
#
#   scripts/make-base-images.sh [PYTHON_VERSION ...]     (default: 3.11 3.13 3.14 3.15)
#
# For each version: an image the engine already has is kept as it is; a
# missing one is pulled. Only when the pull fails (an engine with no registry
# access) is a local stand-in built, in the official images' layout:
#   python:X-slim  debootstrap minbase of a Debian suite, plus CPython X built
#                  from the upstream source that suite carries (its python3.X
#                  source package's orig tarball), installed under /usr/local
#                  as the official images have it: the interpreter and a
#                  shared, stripped libpython in /usr/local/bin and lib, the
#                  standard library in /usr/local/lib/python3.X, the headers,
#                  pip (ensurepip's, then upgraded) and, for the tests' Poetry,
#                  poetry-plugin-pypi-mirror; the Debian packages of the
#                  libraries it loads, netbase and tzdata; no tests, no .pyc
#                  files and no static library (the official images delete
#                  them). Built without profile-guided optimisation.
#                  Where the mirror has no sources for the suite (some carry
#                  only the stable suites'), it says so and falls back to the
#                  suite's own python3.X packages, with a virtualenv at
#                  /usr/local (python and pip where the official images have
#                  them, over Debian's /usr/bin/python3.X).
#   python:X       the slim stand-in plus build-essential, libpq-dev, git and
#                  curl (what the official full image has for compiling)
# Stand-ins carry the label org.pydocker-template.stand-in="<debian suite>, <how
# Python was made>".
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

# A debootstrap minbase of the suite with nothing of Python in it, imported as
# a temporary image with the official images' settings, which the stand-ins'
# Dockerfile starts from
build_base() {  # version suite workdir tag
  local version=$1 suite=$2 work=$3 tag=$4 root=$3/rootfs mirror=() ca idx
  mkdir -p "$work"
  command -v debootstrap >/dev/null || die "debootstrap is needed to build stand-ins (apt-get install debootstrap)."
  [ -n "${DEBIAN_MIRROR:-}" ] && mirror=("$DEBIAN_MIRROR")
  say "python:$version: debootstrap $suite (about a minute)"
  # An older debootstrap may not know a newer suite by name (forky on a
  # bookworm host): Debian's testing suites bootstrap with the sid script
  # (a copy of its scripts for this one run, which the next version must not see)
  local scripts=$host_debootstrap
  if [ ! -e "$scripts/scripts/$suite" ]; then
    say "python:$version: this debootstrap has no '$suite' script; using its 'sid' script"
    cp -r "$host_debootstrap" "$work/debootstrap"
    ln -s sid "$work/debootstrap/scripts/$suite"
    scripts="$work/debootstrap"
  fi
  DEBOOTSTRAP_DIR="$scripts" debootstrap --variant=minbase --include=ca-certificates \
    "$suite" "$root" "${mirror[@]}" > "$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap $suite failed (log above)."; }
  ca=$(host_ca_bundle)
  if [ -n "$ca" ]; then cp "$ca" "$root/etc/ssl/certs/ca-certificates.crt"; fi
  # A mirror may serve a testing suite's Release file past its Valid-Until
  # date; apt in the stand-in (and in Dockerfiles built on it) accepts that
  echo 'Acquire::Check-Valid-Until "false";' > "$root/etc/apt/apt.conf.d/99stand-in-valid-until"
  # As in Debian's own container images: apt keeps no package files and no
  # binary caches of its lists in an image layer
  cat > "$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  : > "$root/etc/resolv.conf"
  idx=$(index_url)
  tar -C "$root" -c . | docker import \
    -c 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV LANG=C.UTF-8' \
    -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    -c 'ENV REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt' \
    -c 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
    -c "ENV POETRY_PYPI_MIRROR_URL=$idx" \
    -c 'CMD ["python3"]' \
    - "$tag" >/dev/null
  rm -rf "$root"
}

# The upstream source of Python X that the suite's python3.X source package
# carries (its orig tarball), into DIR; fails where the mirror has no sources
fetch_source() {  # version base dir
  mkdir -p "$3"
  docker run --rm -v "$3:/out" "$2" sh -c "
    sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/sources.list \
    && apt-get update -q && cd /out && apt-get source --download-only -q 'python$1' \
    && find . -type f ! -name 'python$1_*.orig.tar.[gx]z' -delete \
    && ls python$1_*.orig.tar.[gx]z" > "$3.log" 2>&1
}

# CPython built from source into /usr/local, as the official images have it:
# a shared build that finds its libpython next to itself, stripped, with pip;
# the slim image adds the Debian packages of the libraries it loads
write_source_dockerfile() {  # path
  cat > "$1" <<'EOF'
ARG BASE
FROM ${BASE} AS source
ARG PIP_INDEX_URL
COPY source/ /usr/src/
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      build-essential pkg-config xz-utils libbz2-dev libffi-dev libgdbm-dev \
      libgdbm-compat-dev liblzma-dev libncurses-dev libreadline-dev libsqlite3-dev \
      libssl-dev uuid-dev zlib1g-dev libexpat1-dev \
 && mkdir /usr/src/python \
 && tar -C /usr/src/python --strip-components=1 -xf /usr/src/python3.*.orig.tar.[gx]z
RUN cd /usr/src/python \
 && ./configure --prefix=/usr/local --enable-shared --enable-loadable-sqlite-extensions \
      --with-ensurepip=install --disable-test-modules \
      LDFLAGS='-Wl,--strip-all -Wl,-rpath,$$ORIGIN/../lib' > /tmp/configure.log \
 && make -j "$(nproc)" > /tmp/make.log 2>&1 || { tail -n 40 /tmp/make.log; exit 1; }
RUN cd /usr/src/python && make install > /tmp/install.log 2>&1 \
 && ldconfig \
 && cd /usr/local/bin \
 && for name in idle pip pydoc python python-config; do \
      [ -e "$name" ] || ln -s "${name}3" "$name"; \
    done \
 && pip install -q --no-cache-dir --upgrade pip \
 && pip install -q --no-cache-dir --no-deps poetry-plugin-pypi-mirror \
 && find /usr/local -depth \( \( -type d \( -name test -o -name tests -o -name idle_test \) \) \
      -o \( -type f \( -name '*.pyc' -o -name 'libpython*.a' \) \) \) -exec rm -rf {} + \
 && find /usr/local -depth -name __pycache__ -type d -exec rm -rf {} + \
 && find /usr/local -type f -executable -not -name '*tkinter*' -exec ldd {} + 2>/dev/null \
    | awk '/=> \// { so = $3; if (index(so, "/usr/local/") == 1) next; sub("^/(usr/)?", "", so); print "*" so }' \
    | sort -u | xargs -r dpkg-query --search | grep -v '^diversion ' | cut -d: -f1 \
    | tr ', ' '\n\n' | sed '/^$/d' | sort -u > /tmp/runtime-packages

FROM ${BASE} AS slim
COPY --from=source /usr/local /usr/local
COPY --from=source /tmp/runtime-packages /tmp/runtime-packages
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive xargs -a /tmp/runtime-packages apt-get install -y -q \
      --no-install-recommends netbase tzdata \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && ldconfig \
 && python -B -c 'import ssl, sqlite3, ctypes, lzma, bz2, zlib, readline, uuid, decimal, venv'
EOF
}

# Where the mirror has no sources: Debian's own Python X, with a virtualenv
# at /usr/local so that python and pip are where the official images have them
write_packages_dockerfile() {  # path
  cat > "$1" <<'EOF'
ARG BASE
FROM ${BASE} AS slim
ARG PYTHON
ARG PIP_INDEX_URL
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "python$PYTHON" "python$PYTHON-venv" "libpython$PYTHON-dev" netbase tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && "python$PYTHON" -m venv /usr/local \
 && pip install -q --no-cache-dir --upgrade pip \
 && pip install -q --no-cache-dir --no-deps poetry-plugin-pypi-mirror \
 && find /usr/lib/python3* /usr/local -depth -name __pycache__ -type d -exec rm -rf {} +
EOF
}

# The full image, on either slim stage: what the official full image has for
# compiling, plus FULL_EXTRA (Debian's Python headers and python3.X-config,
# where Python is Debian's); no bytecode that apt's Python hooks wrote
write_full_stage() {  # path (appended)
  cat >> "$1" <<'EOF'

FROM slim AS full
ARG FULL_EXTRA
RUN apt-get update -q \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      build-essential libpq-dev git curl $FULL_EXTRA \
 && rm -rf /var/lib/apt/lists/* \
 && find /usr/lib -path '/usr/lib/python3*' -name __pycache__ -type d -prune -exec rm -rf {} +
EOF
}

build_stand_ins() {  # version suite workdir
  local version=$1 suite=$2 work=$3 base="pydocker-stand-in-base:$1" made real target tag
  local source="pydocker-stand-in-source:$1" full_extra="" targets=(slim full) scratch=("$base")
  build_base "$version" "$suite" "$work" "$base"
  if fetch_source "$version" "$base" "$work/source"; then
    made="CPython built from source"
    write_source_dockerfile "$work/Dockerfile"
    # The build stage gets a tag of its own, so that it is removed with the
    # base at the end instead of staying behind as an untagged image (~900 MB)
    targets=(source slim full)
    scratch+=("$source")
  else
    say "python:$version: the mirror has no source of $suite's python$version ($(tail -n 1 "$work/source.log"));" \
      "falling back to $suite's binary packages: a virtualenv at /usr/local over /usr/bin/python$version"
    made="Debian's Python in a virtualenv"
    rm -rf "$work/source"
    full_extra="python$version-dev"
    write_packages_dockerfile "$work/Dockerfile"
  fi
  write_full_stage "$work/Dockerfile"
  for target in "${targets[@]}"; do
    case $target in
      source) tag=$source
              say "python:$version: building CPython $version from $suite's source (a few minutes)" ;;
      slim) tag="python:$version-slim" ;;
      full) tag="python:$version" ;;
    esac
    if [ "$target" != source ]; then
      if have_image "$tag"; then continue; fi
      say "$tag: $made, $suite"
    fi
    DOCKER_BUILDKIT=0 docker build -q --target "$target" \
      --build-arg "BASE=$base" --build-arg "PYTHON=$version" --build-arg "FULL_EXTRA=$full_extra" \
      --build-arg "PIP_INDEX_URL=$(index_url)" \
      --label "org.pydocker-template.stand-in=$suite, $made" -t "$tag" "$work" \
      > "$work/$target.log" 2>&1 \
      || { tail -n 40 "$work/$target.log" >&2; docker rmi "${scratch[@]}" >/dev/null 2>&1; die "building the $tag stand-in failed (log above)."; }
  done
  docker rmi "${scratch[@]}" >/dev/null 2>&1 || true
  real=$(docker run --rm "python:$version-slim" python -c 'import platform; print(platform.python_version())')
  say "python:$version: Python $real ($made)"
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
  build_stand_ins "$version" "$suite" "$work/$version"
  rm -rf "${work:?}/$version"
  [ -n "${STAND_IN_WORKDIR:-}" ] || rmdir "$work" 2>/dev/null || true
  say "python:$version and python:$version-slim stand-ins ready ($((SECONDS - started)) s)"
done

docker image ls --filter reference='python' --format '{{.Repository}}:{{.Tag}}  {{.Size}}'
exit $status
