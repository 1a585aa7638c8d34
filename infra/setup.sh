#!/usr/bin/env bash
# Brings a fresh Debian 12 machine with Node 20 to the point where Teamrom runs: Debian packages,
# npm dependencies, the mediasoup worker built from Debian's libraries, and the web client. Every
# step checks first and skips work already done, so a second run takes seconds.
#
#   infra/setup.sh          what `npm start` needs
#   infra/setup.sh --test   also what `npm test` needs (Chromium, PostgreSQL, Redis, coturn,
#                           iptables, nginx)
#   infra/setup.sh --cluster  also what infra/cluster/start.sh needs (PostgreSQL, Redis, nginx)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

for_tests=0
for_cluster=0
[[ "${1:-}" == "--test" ]] && for_tests=1
[[ "${1:-}" == "--cluster" ]] && for_cluster=1

step() { printf '[setup] %s\n' "$*" >&2; }
started=$(date +%s.%N)

# 1. Debian packages: the worker's build tools and libraries, and for tests a browser, a database,
#    a Redis for the media cluster's tests, and a TURN server.
packages=(g++ make python3 meson ninja-build pkg-config
  libuv1-dev libssl-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev)
if ((for_tests)); then
  packages+=(chromium postgresql redis-server fonts-dejavu-core coturn iptables nginx)
elif ((for_cluster)); then
  packages+=(postgresql redis-server nginx)
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]})); then
  step "installing Debian packages: ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "[setup] run as root or install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q >&2
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

  # Debian starts coturn as a service on every interface with its example configuration, which
  # authenticates nobody. The tests run their own coturn on loopback; the service stays off.
  if [[ " ${missing[*]} " == *" coturn "* && -d /run/systemd/system ]]; then
    "${sudo[@]}" systemctl disable --now coturn >&2
  fi
  # Likewise Redis: the tests start their own on a free loopback port.
  if [[ " ${missing[*]} " == *" redis-server "* && -d /run/systemd/system ]]; then
    "${sudo[@]}" systemctl disable --now redis-server >&2
  fi
  # And nginx, which Debian starts on port 80 with its default site: the local cluster and the
  # tests run their own on loopback.
  if [[ " ${missing[*]} " == *" nginx "* ]]; then
    if [[ -d /run/systemd/system ]]; then
      "${sudo[@]}" systemctl disable --now nginx >&2
    else
      "${sudo[@]}" systemctl disable nginx >&2 2>/dev/null || true
      if [[ -f /run/nginx.pid ]]; then "${sudo[@]}" nginx -s quit >&2; fi
    fi
  fi
fi

# 2. npm dependencies, reinstalled only when the lock file changed. mediasoup's own postinstall
#    would download a prebuilt worker; MEDIASOUP_WORKER_BIN tells it not to (step 3 builds one).
lock_hash=$(sha256sum package-lock.json | cut -c1-16)
stamp=node_modules/.teamrom-installed
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
  step "installing npm dependencies"
  MEDIASOUP_WORKER_BIN=/nonexistent npm ci --no-audit --no-fund >&2
  echo "$lock_hash" >"$stamp"
fi

# 3. The mediasoup worker, built once per mediasoup and library version into a cache.
bash infra/mediasoup-worker/build.sh >/dev/null

# 4. The web client, rebuilt when its sources, the protocol or the dependencies changed.
web_hash=$(
  {
    echo "$lock_hash"
    find web-client/src web-client/scripts web-client/index.html web-client/vite.config.ts \
      web-client/package.json signaling/src/protocol \
      -type f -print0 | sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16
)
if [[ ! -f web-client/dist/.build-hash || "$(cat web-client/dist/.build-hash)" != "$web_hash" ]]; then
  step "building the web client"
  npm run build --workspace web-client >&2
  echo "$web_hash" >web-client/dist/.build-hash
fi

step "ready in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }") s"
