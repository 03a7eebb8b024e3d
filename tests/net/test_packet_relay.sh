#!/bin/bash
# ptincd relaying between two tincd 1.0.36 (issue 3):
#
#	beta (tincd) --- alpha (ptincd) --- gamma (tincd)
#	 10.98.1.2    10.98.1.1  10.98.2.1    10.98.2.3
#
# beta and gamma only know alpha and cannot reach each other's UDP
# address (no forwarding in alpha's namespace), so their PMTU discovery
# towards each other never succeeds and tincd sends their frames to the
# nexthop, alpha, which routes them on.  Pings beta <-> gamma must all
# arrive, through alpha's data plane (its counters), and a transfer keeps
# its checksum.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/packet_common.sh"

NC=$(mkns c)
link "$NA" "$NC" 10.98.2.1/24 10.98.2.3/24
pt_setup tincd
pt_hosts gamma 10.98.2.3 30 3
printf 'Name = gamma\n' > "$WORK/gamma/tinc.conf"
tincd -c "$WORK/gamma" -K2048 </dev/null >/dev/null 2>&1 || fail "tincd -K"
cp "$WORK/gamma/hosts/gamma" "$WORK/alpha/hosts/gamma"
cp "$WORK/alpha/hosts/alpha" "$WORK/gamma/hosts/alpha"
sed -i 's/^Address = 10.98.1.1/Address = 10.98.2.1/' "$WORK/gamma/hosts/alpha"

pt_conf alpha
pt_conf beta "ConnectTo = alpha"
pt_conf gamma "ConnectTo = alpha"
pt_start
ip netns exec "$NC" tincd -c "$WORK/gamma" -D -d3 \
	--pidfile="$WORK/gamma.pid" --logfile="$WORK/gamma.log" \
	</dev/null >/dev/null 2>&1 &
G_PID=$!
BGPIDS+=("$G_PID")

pt_up "$NB" 192.168.30.1 30
pt_ping "$NB" 192.168.30.1 50
pt_ping "$NC" 192.168.20.1 50
pt_ping "$NC" fd00:20::1 20
pass "beta <-> gamma through alpha: IPv4 and IPv6, 0% loss"
pt_transfer "$NB" "$NC" 192.168.30.1 8
pass "8 MiB beta -> gamma through alpha, checksum ok"

kill -USR2 "$A_PID"
wait_for 5 sh -c "grep -q 'packet: node gamma' '$WORK/alpha.log'" ||
	fail "ptincd did not dump"
b=$(grep "packet: node beta" "$WORK/alpha.log" | tail -1)
g=$(grep "packet: node gamma" "$WORK/alpha.log" | tail -1)
echo "$b"
echo "$g"
# beta's frames for gamma came in from beta and left to gamma, by UDP
[ "$(pt_udp_in "$b")" -ge 5000 ] || fail "little UDP from beta"
[ "$(pt_udp_out "$g")" -ge 5000 ] || fail "little UDP to gamma"
pass "alpha relayed by UDP"
pt_ping "$NA" 192.168.30.1 10
pt_ping "$NA" 192.168.20.1 10
pass "alpha reaches both"
kill -TERM "$G_PID"
pt_stop
log "all relay checks passed"
