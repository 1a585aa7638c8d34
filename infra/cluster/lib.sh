# shellcheck shell=bash disable=SC2154
# Shared by start.sh, restart.sh and stop.sh of the local cluster; sourced, with $state set to
# the cluster's state directory and say() defined.

# Starts a program in the background, in a session of its own, and records its pid and its
# command (for restart.sh). Its stdout (JSON log lines) and its stderr (what it prints for people:
# a signalling node's banner holds the demo links, with their tokens) go to files of their own.
launch() {
  local name=$1
  shift
  printf '%q ' "$@" >"$state/$name.cmd"
  setsid "$@" >>"$state/logs/$name.log" 2>>"$state/logs/$name.console" </dev/null &
  echo $! >"$state/$name.pid"
}

# What the command line of each process holds, so that a pid is acted on only while it is still
# the process that was started (a pid file left by a killed node may name another process since).
needle_of() {
  case $1 in
    redis) echo redis-server ;;
    media-*) echo sfu-server/src/main.ts ;;
    signalling-*) echo signaling/src/main.ts ;;
    *) echo "$1" ;;
  esac
}

# The pid of a process started here, if it still runs; nothing otherwise.
live_pid() {
  local name=$1 pid
  [[ -f "$state/$name.pid" ]] || return 0
  pid=$(cat "$state/$name.pid")
  if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$(needle_of "$name")"; then
    echo "$pid"
  fi
}

# Waits up to 60 s for a check to pass; fails at once, with what it said, when one of the named
# processes exits meanwhile (a port taken, a bad setting).
wait_for() {
  local what=$1 check=$2 deadline=$((SECONDS + 60)) name
  shift 2
  until eval "$check" >/dev/null 2>&1; do
    for name in "$@"; do
      if [[ -z $(live_pid "$name") ]]; then
        say "$name exited; it said:"
        tail -n 5 "$state/logs/$name.console" >&2 || true
        return 1
      fi
    done
    if ((SECONDS > deadline)); then
      say "$what did not come up within 60 s; see $state/logs"
      return 1
    fi
    sleep 0.2
  done
}
