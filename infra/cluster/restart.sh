#!/usr/bin/env bash
# Starts one node of the local cluster again, as start.sh started it: after it was killed to try
# a failure, or to restart it (a running node is stopped first, with SIGTERM).
#
#   bash infra/cluster/restart.sh media-1      # or media-2, signalling-a, signalling-b, redis
#
# Redis comes back empty; the nodes write their state into it again by themselves.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"

state=${TEAMROM_CLUSTER_DIR:-/tmp/teamrom-cluster}
name=${1:-}

say() { printf '[cluster] %s\n' "$*" >&2; }

# shellcheck source=infra/cluster/lib.sh
source "$repo/infra/cluster/lib.sh"

case $name in
  media-1 | media-2 | signalling-a | signalling-b | redis) ;;
  *)
    say "which node? media-1, media-2, signalling-a, signalling-b or redis"
    exit 1
    ;;
esac
if [[ ! -f "$state/started" || ! -f "$state/$name.cmd" ]]; then
  say "no cluster runs from $state (set TEAMROM_CLUSTER_DIR to its state directory)"
  exit 1
fi

pid=$(live_pid "$name")
if [[ -n $pid ]]; then
  say "stopping $name (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
fi

# A killed media node's registration outlives it by up to 3 s: the new one is known by its log.
registered() { grep -c '"msg":"media node registered"' "$state/logs/$name.log" || true; }
# shellcheck disable=SC2034 # read by the check wait_for evaluates
registered_before=$(registered)

say "starting $name"
eval "launch $name $(cat "$state/$name.cmd")"

redis_port=$(cat "$state/redis-port")
case $name in
  redis) wait_for Redis "redis-cli -p $redis_port ping | grep -q PONG" redis ;;
  media-*) wait_for "$name" "(( \$(registered) > registered_before ))" "$name" ;;
  signalling-*)
    wait_for "$name" "curl -sf http://127.0.0.1:$(cat "$state/$name.port")/readyz" "$name"
    ;;
esac
say "$name is back"
