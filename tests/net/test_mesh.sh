#!/bin/bash
# Meshes with Debian's tincd 1.0.36 (issue 3):
#  1. tincd initiates, ptincd responds: ping v4/v6 both ways over UDP, and
#     a captured datagram replayed on the wire is dropped by ptincd;
#  2. a line alpha(ptincd) - beta(tincd) - gamma(ptincd) where the ends
#     cannot reach each other: traffic flows through tincd;
#  3. failover: two paths from alpha to delta (via beta or gamma); beta is
#     killed, later blackholed with nft; traffic resumes over the other path
#     within PingTimeout plus a few seconds.
. "$(dirname "$0")/lib.sh"
need_root
command -v nft >/dev/null || fail "nft missing (contrib/install-deps.sh)"

# address VIEWER NODE ADDR: where VIEWER finds NODE
address() { echo "Address = $3" >> "$WORK/$1/hosts/$2"; }
PINGS="PingInterval = 3
PingTimeout = 3"

# ---- 1. ptincd as responder, replay ------------------------------------
A=$(mkns a); B=$(mkns b)
link "$A" "$B" 10.201.1.1/24 10.201.1.2/24
mknode alpha 10.60.0.1/16
mknode beta 10.60.0.2/16 "ConnectTo = alpha"
share alpha beta
address beta alpha 10.201.1.1
start_node ptincd "$A" alpha -d5
start_node tincd "$B" beta
wait_ping 30 "$B" 10.60.0.1 || fail "tunnel did not come up (tincd initiating)"
ping_ok "$B" 10.60.0.1 || fail "v4 tincd -> ptincd lost packets"
ping_ok "$A" 10.60.0.2 || fail "v4 ptincd -> tincd lost packets"
ping_ok "$B" fd00:77::1 || fail "v6 tincd -> ptincd lost packets"
ping_ok "$A" fd00:77::2 || fail "v6 ptincd -> tincd lost packets"
kill -USR2 "$(cat "$WORK/alpha.pid")"
wait_for 5 grep -q "packet: node beta .*udp in [1-9]" "$WORK/alpha.log" ||
	fail "no UDP datagrams from beta counted"
pass "tincd initiates, ptincd responds: v4/v6 pings both ways over UDP"

# Capture one datagram tincd sends to ptincd, then put the same frame on
# the wire three more times: ptincd must drop every copy as a replay.
cat > "$WORK/replay.py" <<'EOP'
import socket, struct, sys, time
ifname = sys.argv[1]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind((ifname, 0))
s.settimeout(10)
end = time.time() + 10
while time.time() < end:
    f = s.recv(4096)
    if len(f) < 42 or f[12:14] != b'\x08\x00' or f[23] != 17:
        continue
    ihl = (f[14] & 15) * 4
    src, dst = f[26:30], f[30:34]
    dport = struct.unpack('!H', f[14 + ihl + 2:14 + ihl + 4])[0]
    if src == bytes([10, 201, 1, 2]) and dst == bytes([10, 201, 1, 1]) \
            and dport == 655 and len(f) > 14 + ihl + 8 + 40:
        # an outgoing frame on a veth may carry an unfinished checksum;
        # 0 means "no checksum" for UDP over IPv4
        f = f[:14 + ihl + 6] + b'\x00\x00' + f[14 + ihl + 8:]
        time.sleep(0.3)
        for _ in range(3):
            s.send(f)
        print("replayed", len(f))
        sys.exit(0)
sys.exit(1)
EOP
vb=$(ip -n "$B" -o link show | awk -F': ' '$2 ~ /^pb/ {print $2}' | cut -d@ -f1)
before=$(grep -c "late or replayed packet from beta" "$WORK/alpha.log")
ip netns exec "$B" ping -c 20 -i 0.1 10.60.0.1 >/dev/null 2>&1 &
BGPIDS+=($!)
ip netns exec "$B" python3 "$WORK/replay.py" "$vb" >/dev/null ||
	fail "could not capture a datagram to replay"
wait_for 5 sh -c "[ \$(grep -c 'late or replayed packet from beta' '$WORK/alpha.log') -ge $((before + 3)) ]" ||
	fail "replayed datagrams were not all dropped as replays"
ping_ok "$B" 10.60.0.1 || fail "tunnel broken after the replay"
pass "a replayed UDP datagram is dropped, the tunnel keeps working"
stop_node alpha; stop_node beta

# ---- 2. alpha - beta(tincd) - gamma ------------------------------------
rm -rf "$WORK/alpha" "$WORK/beta"
C=$(mkns c)
link "$B" "$C" 10.201.2.2/24 10.201.2.3/24
mknode alpha 10.60.0.1/16 "ConnectTo = beta"
mknode beta 10.60.0.2/16
mknode gamma 10.60.0.3/16 "ConnectTo = beta"
share alpha beta gamma
address alpha beta 10.201.1.2
address gamma beta 10.201.2.2
start_node tincd "$B" beta
start_node ptincd "$A" alpha
start_node ptincd "$C" gamma
wait_ping 30 "$A" 10.60.0.3 || fail "no path alpha -> gamma through tincd"
ping_ok "$A" 10.60.0.3 10 || fail "alpha -> gamma lost packets"
ping_ok "$C" 10.60.0.1 10 || fail "gamma -> alpha lost packets"
ping_ok "$A" fd00:77::3 || fail "alpha -> gamma v6 lost packets"
pass "alpha and gamma (ptincd) talk through beta (tincd), v4 and v6"

# SIGWINCH: alpha forgets gamma once gamma is gone.
dump_since() {	# dump_since MARK: alpha's log lines after line MARK
	tail -n +"$(($1 + 1))" "$WORK/alpha.log"
}
stop_node gamma
wait_for 15 sh -c "m=\$(wc -l < '$WORK/alpha.log'); kill -USR2 \$(cat '$WORK/alpha.pid'); sleep 0.5; tail -n +\$((m + 1)) '$WORK/alpha.log' | grep -q 'meta:  gamma id .* unreachable'" ||
	fail "alpha did not see gamma go unreachable"
kill -WINCH "$(cat "$WORK/alpha.pid")"
sleep 1
mark=$(wc -l < "$WORK/alpha.log")
kill -USR2 "$(cat "$WORK/alpha.pid")"
sleep 0.5
dump_since "$mark" | grep -q 'meta:  beta id' || fail "no node dump after SIGWINCH"
dump_since "$mark" | grep -q 'meta:  gamma id' && fail "gamma still known after SIGWINCH"
pass "SIGWINCH purged the unreachable node"
stop_node alpha; stop_node beta

# ---- 3. failover --------------------------------------------------------
#        beta (tincd)
#       /            \
# alpha (ptincd)    delta (tincd)
#       \            /
#        gamma (ptincd)
rm -rf "$WORK/alpha" "$WORK/beta" "$WORK/gamma"
D=$(mkns d)
link "$A" "$C" 10.201.3.1/24 10.201.3.3/24
link "$B" "$D" 10.201.4.2/24 10.201.4.4/24
link "$C" "$D" 10.201.5.3/24 10.201.5.4/24
mknode alpha 10.60.0.1/16 "ConnectTo = beta" "ConnectTo = gamma" "$PINGS"
mknode beta 10.60.0.2/16 "$PINGS"
mknode gamma 10.60.0.3/16 "$PINGS"
mknode delta 10.60.0.4/16 "ConnectTo = beta" "ConnectTo = gamma" "$PINGS"
share alpha beta gamma delta
address alpha beta 10.201.1.2; address alpha gamma 10.201.3.3
address delta beta 10.201.4.2; address delta gamma 10.201.5.3
start_node tincd "$B" beta
start_node ptincd "$C" gamma
start_node ptincd "$A" alpha
start_node tincd "$D" delta
wait_ping 30 "$A" 10.60.0.4 || fail "no path alpha -> delta"
ping_ok "$A" 10.60.0.4 || fail "alpha -> delta lost packets"
pass "alpha reaches delta with two paths available"

# resume SECONDS: time until alpha reaches delta again, or fail
resume() {
	local t0=$SECONDS
	while [ $((SECONDS - t0)) -le "$1" ]; do
		ip netns exec "$A" ping -c1 -W1 10.60.0.4 >/dev/null 2>&1 &&
			{ echo $((SECONDS - t0)); return 0; }
	done
	return 1
}

# nexthop: the node alpha currently routes delta through (its USR2 dump)
nexthop() {
	local mark
	mark=$(wc -l < "$WORK/alpha.log")
	kill -USR2 "$(cat "$WORK/alpha.pid")"
	sleep 0.5
	tail -n +"$((mark + 1))" "$WORK/alpha.log" |
		sed -n 's/.*meta:  delta id .* nexthop \([a-z]*\) .*/\1/p' | tail -1
}
nsof() { case $1 in beta) echo "$B" ;; gamma) echo "$C" ;; esac; }
kindof() { case $1 in beta) echo tincd ;; gamma) echo ptincd ;; esac; }

hop=$(nexthop)
case $hop in beta|gamma) ;; *) fail "alpha routes delta via '$hop'" ;; esac
kill -KILL "$(cat "$WORK/$hop.pid")"
t=$(resume 8) || fail "traffic did not resume after $hop was killed"
ping_ok "$A" 10.60.0.4 || fail "lossy after failover"
new=$(nexthop)
[ -n "$new" ] && [ "$new" != "$hop" ] || fail "still routed via '$new'"
pass "$hop killed: traffic resumed through $new after ${t}s"

# Bring it back, then blackhole the node in use: nothing closes the
# connections, so only PING/PONG (PingInterval 3, PingTimeout 3) notice.
start_node "$(kindof "$hop")" "$(nsof "$hop")" "$hop"
wait_for 30 sh -c "kill -USR2 \$(cat '$WORK/alpha.pid'); sleep 0.5; grep -q 'meta:  $hop id .* reachable' '$WORK/alpha.log'" ||
	fail "$hop did not come back"
sleep 2
hop=$(nexthop)
case $hop in beta|gamma) ;; *) fail "alpha routes delta via '$hop'" ;; esac
ip netns exec "$(nsof "$hop")" nft -f - <<'EON' || fail "nft"
table inet ptblackhole {
	chain in { type filter hook input priority 0; policy drop; }
	chain out { type filter hook output priority 0; policy drop; }
}
EON
t=$(resume 12) || fail "traffic did not resume after $hop was blackholed"
ping_ok "$A" 10.60.0.4 || fail "lossy after the second failover"
new=$(nexthop)
[ -n "$new" ] && [ "$new" != "$hop" ] || fail "still routed via '$new'"
pass "$hop blackholed: traffic resumed through $new after ${t}s (PingTimeout 3)"
exit 0
