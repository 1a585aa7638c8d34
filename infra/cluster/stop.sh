#!/usr/bin/env bash
# Stops what infra/cluster/start.sh started, in reverse order, and removes its state directory
# (with --keep-logs, the logs stay).
set -euo pipefail

state=${TEAMROM_CLUSTER_DIR:-/tmp/teamrom-cluster}
keep_logs=0
[[ "${1:-}" == "--keep-logs" ]] && keep_logs=1

say() { printf '[cluster] %s\n' "$*" >&2; }

if [[ ! -d "$state" ]]; then
  say "nothing to stop: no $state (a cluster started with TEAMROM_CLUSTER_DIR needs it here too)"
  exit 0
fi

# shellcheck source=infra/cluster/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# SIGTERM, then SIGKILL after 10 s; only the pid recorded at start, and only while that process
# still runs what was started, never a name.
stop_pid() {
  local name=$1 pid
  pid=$(live_pid "$name")
  if [[ -n $pid ]]; then
    say "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$state/$name.pid"
}

if [[ -f "$state/nginx.pid" ]]; then
  say "stopping nginx"
  nginx -e "$state/nginx-error.log" -c "$state/nginx.conf" -s quit 2>/dev/null ||
    stop_pid nginx
  for _ in $(seq 1 25); do
    [[ -f "$state/nginx.pid" ]] || break
    sleep 0.2
  done
fi
stop_pid signalling-a
stop_pid signalling-b
stop_pid media-1
stop_pid media-2

if [[ -f "$state/pg/data/postmaster.pid" && -f "$state/pg-bin" ]]; then
  say "stopping PostgreSQL"
  pg_bin=$(cat "$state/pg-bin")
  as_postgres=()
  [[ $(id -u) -eq 0 ]] && as_postgres=(runuser -u postgres --)
  "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$state/pg/data" -m fast -w -t 20 stop >/dev/null
fi
stop_pid redis

if ((keep_logs)); then
  find "$state" -mindepth 1 -maxdepth 1 ! -name logs ! -name 'nginx-error.log' -exec rm -rf {} +
  say "stopped; logs kept in $state/logs"
else
  rm -rf "$state"
  say "stopped"
fi
