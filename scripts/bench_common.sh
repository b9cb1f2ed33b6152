# Shared by scripts/bench and scripts/bench-spin (sourced, not run): a work directory
# and the servers to stop on exit, failing with the script's name, free ports, waiting
# for a server to listen, the release binaries, and medians.
#
# The sourcing script sets `name` (for messages) first; this sets `work` (a fresh
# temporary directory, removed on exit), `pids` (servers to stop on exit: append to it),
# `target` (cargo's target directory) and `tick` (clock ticks per second).

work=$(mktemp -d "${TMPDIR:-/tmp}/ecs-mock-$name.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "$name: FAILED: $*" >&2; exit 1; }

# build_release: ecs-mock and the floor, release; sets `target`.
build_release() {
  cargo build --release --quiet -j2 --bin ecs-mock --example floor
  target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
}
tick=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port PORT PID: until something listens (fails if the process died).
wait_port() {
  for _ in $(seq 500); do
    kill -0 "$2" 2>/dev/null || fail "server on port $1 exited at startup"
    if python3 -c "import socket; socket.create_connection(('127.0.0.1',$1),0.2)" 2>/dev/null; then return; fi
    sleep 0.02
  done
  fail "nothing listens on port $1"
}

# median VALUES...: the median (the lower middle one of an even count).
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
