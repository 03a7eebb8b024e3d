# Shared helpers for ptinc's namespace integration tests.  Sourced by each
# tests/net/*.sh.  Everything a test creates (namespaces, processes, temp
# files) is recorded here and removed by the EXIT trap, also on failure.
# Processes are stopped by the PIDs we recorded, never by name.

set -u

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
PTINCD=${PTINCD:-$TOP/build/ptincd/ptincd}
TESTNAME=$(basename "$0" .sh)
WORK=$(mktemp -d "/tmp/ptinc-$TESTNAME.XXXXXX")
NSPREFIX="pt$$-"
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
	# mkns usually runs in $(...), so find our namespaces by their prefix.
	for ns in $(ip netns list | awk -v p="$NSPREFIX" 'index($1, p) == 1 {print $1}'); do
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

# ---- tinc nodes ---------------------------------------------------------

# mknode NAME VPNADDR/PREFIX [tinc.conf lines...]: a config dir $WORK/NAME
# with keys made by Debian's tincd, a host file holding "Subnet = VPNADDR/32"
# (and IPv6 fd00:77::N/128 when VPNADDR is 10.x.y.N), and a tinc-up that
# configures the interface.  Add host-file lines with hostvar.
mknode() {
	local name=$1 addr=$2 d=$WORK/$1 ip=${2%/*} last v6
	shift 2
	last=${ip##*.}
	v6="fd00:77::$last"
	mkdir -p "$d/hosts"
	{ echo "Name = $name"; for l in "$@"; do echo "$l"; done; } > "$d/tinc.conf"
	printf 'Subnet = %s/32\nSubnet = %s/128\n' "$ip" "$v6" > "$d/hosts/$name"
	cat > "$d/tinc-up" <<EOT
#!/bin/sh
ip link set "\$INTERFACE" up
ip addr add $addr dev "\$INTERFACE"
ip -6 addr add $v6/64 dev "\$INTERFACE" nodad
EOT
	chmod +x "$d/tinc-up"
	tincd -c "$d" -K2048 </dev/null >/dev/null 2>&1 || fail "tincd -K for $name"
}

# hostvar NAME LINE: add a line to NAME's own host file (before copying).
hostvar() {
	local f=$WORK/$1/hosts/$1 tmp
	tmp=$(mktemp)
	{ echo "$2"; cat "$f"; } > "$tmp" && mv "$tmp" "$f"
}

# share NAME...: copy every named node's host file to every other one.
share() {
	local a b
	for a in "$@"; do
		for b in "$@"; do
			[ "$a" = "$b" ] || cp "$WORK/$b/hosts/$b" "$WORK/$a/hosts/$b"
		done
	done
}

# start_node ptincd|tincd NS NAME [extra args]: start detached, wait for
# the pidfile.  Logs go to $WORK/NAME.log.
start_node() {
	local kind=$1 ns=$2 name=$3 pf=$WORK/$3.pid bin
	shift 3
	case $kind in
	ptincd) bin=$PTINCD ;;
	tincd) bin=/usr/sbin/tincd ;;
	*) fail "start_node: $kind" ;;
	esac
	rm -f "$pf"
	PIDFILES+=("$pf")
	ip netns exec "$ns" "$bin" -c "$WORK/$name" --pidfile="$pf" \
		--logfile="$WORK/$name.log" "$@" || fail "$kind $name did not start"
	wait_for 10 test -s "$pf" || fail "$kind $name wrote no pidfile"
}

stop_node() {
	local pf=$WORK/$1.pid pid
	pid=$(cat "$pf" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_for 5 sh -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
}

# ping_ok NS ADDR [count]: the address answers, no loss.
ping_ok() {
	local out
	out=$(ip netns exec "$1" ping -c "${3:-5}" -i 0.2 -W 2 "$2" 2>&1) || return 1
	echo "$out" | grep -q ' 0% packet loss'
}

# wait_ping SECONDS NS ADDR: until one ping is answered.
wait_ping() { wait_for "$1" ip netns exec "$2" ping -c1 -W1 "$3"; }
