#!/usr/bin/env bash
# A local 3-member etcd cluster on loopback, for trying AtomicEtcdDb by hand.
#
#   etcd/scripts/local-cluster.sh start   # members n1..n3, clients on 2379, 22379, 32379
#   etcd/scripts/local-cluster.sh status  # health and leader of each member
#   etcd/scripts/local-cluster.sh kill 2  # kill -9 member n2 (then `start` brings it back)
#   etcd/scripts/local-cluster.sh stop    # stop every member (data stays in $DIR)
#   etcd/scripts/local-cluster.sh clean   # stop and delete the data
#
# Then: AtomicEtcdDb.builder("http://127.0.0.1:2379", "http://127.0.0.1:22379",
#       "http://127.0.0.1:32379").namespace("try-it").open()
# Needs the etcd binary (Debian: apt-get install -y etcd-server). Data and logs go to $DIR
# (default /tmp/atomicdb-etcd-cluster). Compaction keeps one hour of history; see
# etcd/README-scaling-out.md for production settings.
set -euo pipefail
DIR=${DIR:-/tmp/atomicdb-etcd-cluster}
CLIENT_PORTS=(2379 22379 32379)
PEER_PORTS=(2380 22380 32380)
INITIAL="n1=http://127.0.0.1:${PEER_PORTS[0]},n2=http://127.0.0.1:${PEER_PORTS[1]},n3=http://127.0.0.1:${PEER_PORTS[2]}"

command -v etcd >/dev/null || { echo "etcd not found: apt-get install -y etcd-server" >&2; exit 1; }

pid_of() { cat "$DIR/n$1.pid" 2>/dev/null || true; }
running() { local p; p=$(pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

start_member() {
  local i=$1 c=${CLIENT_PORTS[$(($1 - 1))]} p=${PEER_PORTS[$(($1 - 1))]}
  if running "$i"; then echo "n$i already running (pid $(pid_of "$i"))"; return; fi
  mkdir -p "$DIR"
  etcd --name "n$i" --data-dir "$DIR/n$i" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "$INITIAL" --initial-cluster-state new --initial-cluster-token atomicdb-local \
    --auto-compaction-mode periodic --auto-compaction-retention 1h \
    --logger zap --log-level warn >>"$DIR/n$i.log" 2>&1 &
  echo $! >"$DIR/n$i.pid"
  echo "n$i started (pid $!, client http://127.0.0.1:$c, log $DIR/n$i.log)"
}

status() {
  for i in 1 2 3; do
    local c=${CLIENT_PORTS[$((i - 1))]}
    if running "$i"; then
      local h s
      h=$(curl -s --max-time 2 "http://127.0.0.1:$c/health" || echo '?')
      s=$(curl -s --max-time 2 -X POST "http://127.0.0.1:$c/v3/maintenance/status" -d '{}' || echo '')
      local id leader
      id=$(sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p' <<<"$s")
      leader=$(sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p' <<<"$s")
      echo "n$i pid $(pid_of "$i") health $h $([ -n "$id" ] && [ "$id" = "$leader" ] && echo LEADER)"
    else
      echo "n$i down"
    fi
  done
}

stop_member() {
  local p; p=$(pid_of "$1")
  if running "$1"; then
    kill "$p"
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    echo "n$1 stopped"
  fi
  rm -f "$DIR/n$1.pid"
}

case "${1:-}" in
  start)
    for i in 1 2 3; do start_member "$i"; done
    for _ in $(seq 1 100); do
      ok=0
      for c in "${CLIENT_PORTS[@]}"; do
        curl -s --max-time 1 "http://127.0.0.1:$c/health" | grep -q '"health":"true"' && ok=$((ok + 1))
      done
      [ "$ok" -ge 2 ] && break
      sleep 0.1
    done
    status ;;
  status) status ;;
  kill)
    i=${2:?member number 1-3}
    p=$(pid_of "$i")
    running "$i" && kill -9 "$p" && echo "n$i killed (kill -9 $p)"
    rm -f "$DIR/n$i.pid" ;;
  stop) for i in 1 2 3; do stop_member "$i"; done ;;
  clean) for i in 1 2 3; do stop_member "$i"; done; rm -rf "$DIR"; echo "removed $DIR" ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
