#!/usr/bin/env bash
# Starts a Teamrom cluster on loopback, everything from Debian's packages: Redis, a PostgreSQL
# cluster (run as the `postgres` user), two media nodes, two signalling nodes and nginx as the load
# balancer with sticky sessions. State, logs and pid files go to one directory, removed by
# infra/cluster/stop.sh. See infra/cluster/README.md.
#
#   bash infra/cluster/start.sh            # then open the printed URL
#   bash infra/cluster/restart.sh media-1  # a node again, after it was killed
#   bash infra/cluster/stop.sh
#
# Settings (environment): TEAMROM_CLUSTER_DIR (default /tmp/teamrom-cluster), CLUSTER_PORT (the
# load balancer, default 8080), CLUSTER_BASE_PORT (default 18000: signalling on +1 and +2, Redis on
# +10, PostgreSQL on +11, media nodes' WebRTC ports from +30 and +40, RTC ranges +100 and +200),
# MEDIASOUP_WORKERS per media node (default 1, at most 10).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

state=${TEAMROM_CLUSTER_DIR:-/tmp/teamrom-cluster}
lb_port=${CLUSTER_PORT:-8080}
base=${CLUSTER_BASE_PORT:-18000}
node_a_port=$((base + 1))
node_b_port=$((base + 2))
redis_port=$((base + 10))
pg_port=$((base + 11))
workers=${MEDIASOUP_WORKERS:-1}
if ! [[ "$workers" =~ ^([1-9]|10)$ ]]; then
  echo "[cluster] MEDIASOUP_WORKERS must be 1 to 10 here" >&2
  exit 1
fi

say() { printf '[cluster] %s\n' "$*" >&2; }

if [[ -e "$state/started" ]]; then
  say "a cluster is already running from $state; stop it first: bash infra/cluster/stop.sh"
  exit 1
fi

bash infra/setup.sh --cluster

for port in "$lb_port" "$node_a_port" "$node_b_port" "$redis_port" "$pg_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "port $port on 127.0.0.1 is taken; set CLUSTER_PORT or CLUSTER_BASE_PORT"
    exit 1
  fi
done

# PostgreSQL (as `postgres`) must be able to reach its directory inside the state directory.
mkdir -p "$state"
chmod 0755 "$state"
mkdir -p "$state/logs" "$state/nginx-tmp"
chmod 0700 "$state/logs"
: >"$state/started"

# Anything that fails from here on takes down what was started.
trap 'say "start-up failed; stopping what was started (logs in $state/logs)"; TEAMROM_CLUSTER_DIR="$state" bash "$repo/infra/cluster/stop.sh" --keep-logs' ERR

# shellcheck source=infra/cluster/lib.sh
source "$repo/infra/cluster/lib.sh"

# What restart.sh needs to find the nodes again.
echo "$redis_port" >"$state/redis-port"
echo "$node_a_port" >"$state/signalling-a.port"
echo "$node_b_port" >"$state/signalling-b.port"

# 1. Redis: no snapshots (what it holds is rebuilt by the nodes after a restart).
say "Redis on 127.0.0.1:$redis_port"
launch redis /usr/bin/redis-server --port "$redis_port" --bind 127.0.0.1 --protected-mode yes \
  --dir "$state" --save '' --appendonly no
wait_for Redis "redis-cli -p $redis_port ping | grep -q PONG" redis

# 2. PostgreSQL: a cluster of its own, run by the `postgres` user (it refuses root).
pg_bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -n 1)
say "PostgreSQL on 127.0.0.1:$pg_port"
mkdir -p "$state/pg"
echo "$pg_bin" >"$state/pg-bin"
as_postgres=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres:postgres "$state/pg"
  as_postgres=(runuser -u postgres --)
fi
"${as_postgres[@]}" "$pg_bin/initdb" -D "$state/pg/data" --auth=trust --username=postgres \
  --encoding=UTF8 --no-locale --no-instructions >>"$state/logs/postgres.log" 2>&1
"${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$state/pg/data" -l "$state/pg/server.log" -w -t 30 \
  -o "-p $pg_port -k $state/pg -c listen_addresses=127.0.0.1" start >>"$state/logs/postgres.log"
"${as_postgres[@]}" "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres teamrom

# 3. One secret shared by the signalling nodes, so that a token signed by one is valid on both.
(umask 077 && openssl rand -hex 32 >"$state/jwt-secret")

common_env=(
  REDIS_URL="redis://127.0.0.1:$redis_port"
  MEDIASOUP_WORKERS="$workers"
  LOG_LEVEL="${LOG_LEVEL:-info}"
)

# 4. Two media nodes, each with its own ports, away from a single Teamrom's defaults (40000-49999):
#    an RTC range of 100 ports, and one WebRtcServer port per worker below the base port + 100.
for n in 1 2; do
  rtc_min=$((base + 100 * n))
  webrtc=$((base + 20 + 10 * n))
  say "media node media-$n (RTC ports $rtc_min-$((rtc_min + 99)), WebRTC $webrtc and up)"
  launch "media-$n" env "${common_env[@]}" MEDIA_NODE_ID="media-$n" \
    RTC_MIN_PORT="$rtc_min" RTC_MAX_PORT="$((rtc_min + 99))" MEDIASOUP_WEBRTC_PORT="$webrtc" \
    node --import tsx sfu-server/src/main.ts
done
wait_for "the media nodes" \
  "[[ \$(redis-cli -p $redis_port --raw keys 'teamrom:media:node:media-?' | wc -l) -eq 2 ]]" \
  media-1 media-2

# 5. Two signalling nodes over the same database and Redis. The first one migrates and seeds the
#    demo before the second starts (both are safe to repeat, but one after the other is quicker).
for node in a b; do
  port=$node_a_port
  [[ $node == b ]] && port=$node_b_port
  say "signalling node $node on 127.0.0.1:$port"
  mkdir -p "$state/signalling-$node"
  launch "signalling-$node" env "${common_env[@]}" PORT="$port" HOST=127.0.0.1 \
    DATA_DIR="$state/signalling-$node" \
    DATABASE_URL="postgresql://postgres@127.0.0.1:$pg_port/teamrom" \
    JWT_SECRET="$(cat "$state/jwt-secret")" \
    MEDIA_MODE=cluster NODE_ID="signalling-$node" \
    PUBLIC_URL="http://127.0.0.1:$lb_port" \
    node --import tsx signaling/src/main.ts
  wait_for "signalling node $node" "curl -sf http://127.0.0.1:$port/healthz" "signalling-$node"
done

# 6. nginx in front, rendered from the template.
say "nginx on 127.0.0.1:$lb_port"
sed -e "s|@STATE_DIR@|$state|g" -e "s|@LISTEN@|127.0.0.1:$lb_port|g" \
  -e "s|@NODE_A@|127.0.0.1:$node_a_port|g" -e "s|@NODE_B@|127.0.0.1:$node_b_port|g" \
  -e "s|@PORT_A@|$node_a_port|g" -e "s|@PORT_B@|$node_b_port|g" \
  infra/cluster/nginx.conf.template >"$state/nginx.conf"
nginx -t -q -e "$state/nginx-error.log" -c "$state/nginx.conf"
nginx -e "$state/nginx-error.log" -c "$state/nginx.conf"
wait_for nginx "curl -sf http://127.0.0.1:$lb_port/healthz"

trap - ERR
# The other scripts find this cluster only when told where it is.
env_prefix=""
[[ "$state" != /tmp/teamrom-cluster ]] && env_prefix="TEAMROM_CLUSTER_DIR=$state "
cat >&2 <<MSG

Teamrom cluster running at http://127.0.0.1:$lb_port (state and logs in $state)
  signalling nodes  http://127.0.0.1:$node_a_port  http://127.0.0.1:$node_b_port  (metrics: /metrics)
  Redis             redis://127.0.0.1:$redis_port
  PostgreSQL        postgresql://postgres@127.0.0.1:$pg_port/teamrom
Demo links: curl -s http://127.0.0.1:$lb_port/api/demo/links
A killed node again: ${env_prefix}bash infra/cluster/restart.sh media-1 (or media-2, signalling-a, signalling-b, redis)
Stop with: ${env_prefix}bash infra/cluster/stop.sh

MSG
echo "http://127.0.0.1:$lb_port"
