#!/bin/bash
# Benchmark (not a test): iperf3 TCP throughput and ping latency through
# the VPN between two namespaces, tincd<->tincd against ptincd<->ptincd
# with the same cipher settings, in one run.  Each figure is the median of
# RUNS repetitions; the ratio is ptincd / tincd.  Run as root.
#
#   contrib/bench.sh [RUNS] [SECONDS] [CIPHER] [DIGEST] [MACLENGTH]
set -u
RUNS=${1:-5}
SECS=${2:-5}
CIPHER=${3:-aes-256-cbc}
DIGEST=${4:-sha256}
MACLEN=${5:-4}
cd "$(dirname "$0")/.."
PTINCD=${PTINCD:-$PWD/build/ptincd/ptincd}
WORK=$(mktemp -d /tmp/ptinc-bench.XXXXXX)
A=ptbench-a; B=ptbench-b

cleanup() {
	local f
	for f in "$WORK"/*.pid; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
	sleep 1
	for f in "$WORK"/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null; done
	[ -n "${IPERF:-}" ] && kill "$IPERF" 2>/dev/null
	ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add $A; ip netns add $B
ip -n $A link set lo up; ip -n $B link set lo up
ip link add ptb-a netns $A type veth peer name ptb-b netns $B
ip -n $A addr add 192.0.2.1/24 dev ptb-a; ip -n $B addr add 192.0.2.2/24 dev ptb-b
ip -n $A link set ptb-a up; ip -n $B link set ptb-b up

# conf DIR NAME VPNADDR UNDERLAY CONNECTTO
conf() {
	mkdir -p "$1/hosts"
	{ echo "Name = $2"; [ -n "$5" ] && echo "ConnectTo = $5"; } > "$1/tinc.conf"
	printf 'Address = %s\nSubnet = %s/32\nCipher = %s\nDigest = %s\nMACLength = %s\n' \
		"$4" "$3" "$CIPHER" "$DIGEST" "$MACLEN" > "$1/hosts/$2"
	printf '#!/bin/sh\nip link set "$INTERFACE" up mtu 1400\nip addr add %s/24 dev "$INTERFACE"\n' \
		"$3" > "$1/tinc-up"
	chmod +x "$1/tinc-up"
	tincd -c "$1" -K2048 </dev/null >/dev/null 2>&1
}
conf "$WORK/a" a 10.88.0.1 192.0.2.1 b
conf "$WORK/b" b 10.88.0.2 192.0.2.2 ""
cp "$WORK/a/hosts/a" "$WORK/b/hosts/"; cp "$WORK/b/hosts/b" "$WORK/a/hosts/"

median() { sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# run DAEMON: start both sides with DAEMON, measure, stop.
run() {
	local d=$1 i bps lat
	for n in b a; do
		ip netns exec ptbench-$n $d -c "$WORK/$n" --pidfile="$WORK/$n.pid" \
			--logfile="$WORK/$n-$(basename "$d").log"
	done
	for i in $(seq 1 30); do
		ip netns exec $A ping -c1 -W1 10.88.0.2 >/dev/null 2>&1 && break
		sleep 1
	done
	ip netns exec $A ping -c1 -W1 10.88.0.2 >/dev/null 2>&1 || { echo "$d: no tunnel" >&2; return 1; }
	sleep 2	# let PMTU discovery settle so traffic is on UDP
	: > "$WORK/tput"; : > "$WORK/lat"
	for i in $(seq 1 "$RUNS"); do
		ip netns exec $B iperf3 -s -1 -D >/dev/null 2>&1; sleep 0.3
		bps=$(ip netns exec $A iperf3 -c 10.88.0.2 -t "$SECS" -J 2>/dev/null |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6)')
		echo "$bps" >> "$WORK/tput"
		lat=$(ip netns exec $A ping -c 20 -i 0.05 -q 10.88.0.2 | awk -F/ '/rtt/ {print $5}')
		echo "$lat" >> "$WORK/lat"
	done
	for n in a b; do kill -TERM "$(cat "$WORK/$n.pid")"; done
	sleep 1.5
	echo "$(median < "$WORK/tput") $(median < "$WORK/lat")"
}

echo "cipher $CIPHER, digest $DIGEST, MAC length $MACLEN; $RUNS runs of ${SECS}s; medians"
t=$(run /usr/sbin/tincd) || exit 1
p=$(run "$PTINCD") || exit 1
set -- $t $p
printf '%-22s %12s %14s\n' "" "Mbit/s" "ping RTT ms"
printf '%-22s %12.1f %14.3f\n' "tincd  <-> tincd" "$1" "$2"
printf '%-22s %12.1f %14.3f\n' "ptincd <-> ptincd" "$3" "$4"
awk -v a="$1" -v b="$3" -v c="$2" -v d="$4" 'BEGIN {
	printf "ratio ptincd/tincd: throughput %.2f, latency %.2f\n", b / a, d / c }'
