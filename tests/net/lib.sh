# Shared helpers for ptinc's namespace integration tests.  Sourced by each
# tests/net/*.sh.  Everything a test creates (namespaces, processes, temp
# files) is recorded here and removed by the EXIT trap, also on failure.
# Processes are stopped by the PIDs we recorded, never by name.

set -u

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
PTINCD=${PTINCD:-$TOP/build/src/ptincd}
TESTNAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/ptinc-$TESTNAME.XXXXXX")
NSPREFIX="pt$$"
NAMESPACES=()
PIDFILES=()
BGPIDS=()
FAILED=0
LINKS=0

log() { echo "[$TESTNAME] $*"; }

fail() {
	echo "[$TESTNAME] FAIL: $*" >&2
	FAILED=1
	for f in "$WORK"/*.log; do
		[ -f "$f" ] || continue
		echo "---- $f (last 30 lines)" >&2
		tail -n 30 "$f" >&2
	done
	exit 1
}

pass() { log "ok: $*"; }

cleanup() {
	local pf pid ns
	for pf in "${PIDFILES[@]}"; do
		[ -f "$pf" ] || continue
		pid=$(cat "$pf" 2>/dev/null)
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${BGPIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	sleep 0.5
	for pf in "${PIDFILES[@]}"; do
		[ -f "$pf" ] || continue
		pid=$(cat "$pf" 2>/dev/null)
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${BGPIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for ns in "${NAMESPACES[@]}"; do
		ip netns pids "$ns" 2>/dev/null | while read -r pid; do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$FAILED" = 0 ]; then
		rm -rf "$WORK"
	else
		echo "[$TESTNAME] kept $WORK for inspection" >&2
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

need_root() {
	[ "$(id -u)" = 0 ] || fail "integration tests need root"
	[ -x "$PTINCD" ] || fail "no ptincd at $PTINCD (build first)"
	id ptincd >/dev/null 2>&1 || fail "user ptincd missing (contrib/setup-test-env.sh creates it)"
}

# mkns NAME: a fresh namespace with loopback up; prints its full name.
mkns() {
	local ns="${NSPREFIX}$1"
	ip netns add "$ns" || fail "ip netns add $ns"
	NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up
	echo "$ns"
}

# link NS1 NS2 ADDR1 ADDR2: a veth pair between two namespaces (CIDR addrs).
link() {
	local a=$1 b=$2 va vb
	LINKS=$((LINKS + 1))
	va="pa$$x$LINKS"; vb="pb$$x$LINKS"
	ip link add "$va" netns "$a" type veth peer name "$vb" netns "$b" ||
		fail "veth $a-$b"
	ip -n "$a" addr add "$3" dev "$va"
	ip -n "$b" addr add "$4" dev "$vb"
	ip -n "$a" link set "$va" up
	ip -n "$b" link set "$vb" up
}

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
	local t=$1 i=0
	shift
	while [ $i -lt $((t * 10)) ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# children PID: direct children of PID.
children() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(awk '/^PPid:/ {print $2}' "$p/status" 2>/dev/null)" = "$1" ] &&
			basename "$p"
	done
	return 0
}

status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

alive() { kill -0 "$1" 2>/dev/null; }
