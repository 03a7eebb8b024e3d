# Helpers for the data plane tests (tests/net/test_packet_*.sh), sourced
# after lib.sh: two namespaces over a veth, ptincd "alpha" in one and
# Debian's tincd "beta" (or a second ptincd) in the other.
#
#	alpha	10.98.1.1 (veth)	192.168.10.1/24	fd00:10::1/64
#	beta	10.98.1.2 (veth)	192.168.20.1/24	fd00:20::1/64
#	switch mode: 192.168.200.{1,2}/24 on the tap interfaces
#
# Keys are made once per test; each scenario rewrites tinc.conf (where
# Mode, Cipher, Compression, ... go) and restarts both daemons.

command -v tincd >/dev/null || fail "tincd (Debian's tinc 1.0.36) is not installed"
PY=/usr/bin/python3
[ -x "$PY" ] || fail "no $PY for the transfer test"

NA=$(mkns a)
NB=$(mkns b)
link "$NA" "$NB" 10.98.1.1/24 10.98.1.2/24
A_PID=
B_PID=
B_KIND=tincd

# pt_hosts NAME ADDRESS NUM: hosts/NAME and the scripts of NAME
pt_hosts() {
	local d=$WORK/$1
	mkdir -p "$d/hosts"
	cat > "$d/hosts/$1" <<EOC
Address = $2
Subnet = 192.168.$3.0/24
Subnet = fd00:$3::/64
EOC
	cat > "$d/tinc-up" <<EOC
#!/bin/sh
ip link set "\$INTERFACE" up
if grep -qi '^Mode *= *switch' "\$(dirname "\$0")/tinc.conf"; then
	ip addr add 192.168.200.$4/24 dev "\$INTERFACE"
	exit 0
fi
ip addr add 192.168.$3.1/24 dev "\$INTERFACE"
ip -6 addr add fd00:$3::1/64 dev "\$INTERFACE" nodad
ip route add 192.168.0.0/16 dev "\$INTERFACE"
ip -6 route add fd00::/16 dev "\$INTERFACE"
EOC
	chmod +x "$d/tinc-up"
}

# pt_setup BKIND: keys for alpha (ptincd) and beta (tincd or ptincd)
pt_setup() {
	B_KIND=$1
	pt_hosts alpha 10.98.1.1 10 1
	pt_hosts beta 10.98.1.2 20 2
	printf 'Name = alpha\n' > "$WORK/alpha/tinc.conf"
	printf 'Name = beta\n' > "$WORK/beta/tinc.conf"
	"$PTINCD" -c "$WORK/alpha" -K 2048 </dev/null >/dev/null 2>&1 ||
		fail "ptincd -K"
	if [ "$B_KIND" = tincd ]; then
		tincd -c "$WORK/beta" -K2048 </dev/null >/dev/null 2>&1 ||
			fail "tincd -K"
	else
		"$PTINCD" -c "$WORK/beta" -K 2048 </dev/null >/dev/null 2>&1 ||
			fail "ptincd -K (beta)"
	fi
	cp "$WORK/alpha/hosts/alpha" "$WORK/beta/hosts/alpha"
	cp "$WORK/beta/hosts/beta" "$WORK/alpha/hosts/beta"
}

# pt_conf NAME LINES...: a fresh tinc.conf for the next start
pt_conf() {
	local n=$1
	shift
	{
		echo "Name = $n"
		echo "Interface = pt$n$$"
		for l in "$@"; do echo "$l"; done
	} > "$WORK/$n/tinc.conf"
}

pt_start() {
	: > "$WORK/alpha.log"
	: > "$WORK/beta.log"
	if [ "$B_KIND" = tincd ]; then
		ip netns exec "$NB" tincd -c "$WORK/beta" -D -d${B_DEBUG:-3} \
			--pidfile="$WORK/beta.pid" --logfile="$WORK/beta.log" \
			</dev/null >/dev/null 2>&1 &
		B_PID=$!
		BGPIDS+=("$B_PID")
	else
		rm -f "$WORK/beta.pid"
		ip netns exec "$NB" "$PTINCD" -c "$WORK/beta" -d2 \
			--pidfile "$WORK/beta.pid" --logfile="$WORK/beta.log" ||
			fail "ptincd beta did not start"
		PIDFILES+=("$WORK/beta.pid")
		wait_for 10 test -s "$WORK/beta.pid" || fail "no pidfile (beta)"
		B_PID=$(cat "$WORK/beta.pid")
	fi
	sleep 0.2
	rm -f "$WORK/alpha.pid"
	ip netns exec "$NA" "$PTINCD" -c "$WORK/alpha" -d${A_DEBUG:-2} \
		--pidfile "$WORK/alpha.pid" --logfile="$WORK/alpha.log" ||
		fail "ptincd did not start"
	PIDFILES+=("$WORK/alpha.pid")
	wait_for 10 test -s "$WORK/alpha.pid" || fail "no pidfile"
	A_PID=$(cat "$WORK/alpha.pid")
}

# A ptincd must stop on one SIGTERM.  Debian's tincd sometimes loses
# a TERM that arrives right after a USR2; it gets a second TERM, then KILL.
pt_stop() {
	local p
	for p in $A_PID $B_PID; do
		kill -TERM "$p" 2>/dev/null
	done
	if [ -n "$A_PID" ]; then
		wait_for 10 sh -c "! kill -0 $A_PID 2>/dev/null" ||
			fail "ptincd $A_PID did not stop"
	fi
	if [ -n "$B_PID" ] && [ "$B_KIND" != tincd ]; then
		wait_for 10 sh -c "! kill -0 $B_PID 2>/dev/null" ||
			fail "ptincd $B_PID did not stop"
	elif [ -n "$B_PID" ] && ! wait_for 5 sh -c "! kill -0 $B_PID 2>/dev/null"; then
		kill -TERM "$B_PID" 2>/dev/null
		wait_for 5 sh -c "! kill -0 $B_PID 2>/dev/null" ||
			kill -KILL "$B_PID" 2>/dev/null
	fi
	A_PID=
	B_PID=
}

# pt_up NS DST: wait until the tunnel carries a ping
pt_up() {
	wait_for "${3:-20}" ip netns exec "$1" ping -c 1 -W 1 "$2" ||
		fail "no ping through the tunnel from $1 to $2"
}

# pt_ping NS DST COUNT: COUNT pings, all answered
pt_ping() {
	local out
	out=$(ip netns exec "$1" ping -c "$3" -i 0.05 -W 2 "$2" 2>&1)
	echo "$out" | grep -q " 0% packet loss" ||
		fail "pings from $1 to $2 were lost: $(echo "$out" | tail -2)"
}

# pt_dump: SIGUSR2 to alpha; prints its packet worker's line about beta
pt_dump() {
	local n
	n=$(grep -c "packet: node beta" "$WORK/alpha.log")
	kill -USR2 "$A_PID"
	wait_for 5 sh -c "[ \$(grep -c 'packet: node beta' '$WORK/alpha.log') -gt $n ]" ||
		fail "ptincd did not dump"
	grep "packet: node beta" "$WORK/alpha.log" | tail -1
}

# pt_pmtu_fixed: alpha's PMTU to beta settled at 1451 (a 1500-byte path)
pt_pmtu_fixed() {
	pt_dump | grep -q "mtu 1451 min 1451 max 1451"
}

# pt_minmtu_ge N: alpha has confirmed frames of N bytes to beta by UDP
pt_minmtu_ge() {
	local m
	m=$(pt_dump | sed -n 's/.* min \([0-9]*\) max.*/\1/p')
	[ -n "$m" ] && [ "$m" -ge "$1" ]
}

# pt_peer_minmtu_ge N: beta (tincd or ptincd) has confirmed N-byte frames
# to alpha, so its pings to us leave by UDP too
pt_peer_minmtu_ge() {
	local m mark
	if [ "$B_KIND" = tincd ]; then
		mark=$(wc -l < "$WORK/beta.log")
		kill -USR2 "$B_PID"
		sleep 0.3
		m=$(tail -n +"$((mark + 1))" "$WORK/beta.log" |
			sed -n 's/.* alpha at .*pmtu [0-9]* (min \([0-9]*\) max.*/\1/p' | tail -1)
	else
		return 0
	fi
	[ -n "$m" ] && [ "$m" -ge "$1" ]
}

# pt_field LINE KEY: the number after "udp in", "udp ... out", "tcp in" ...
pt_udp_in() { echo "$1" | sed -n 's/.*udp in \([0-9]*\) .*/\1/p'; }
pt_udp_out() { echo "$1" | sed -n 's/.*udp in [0-9]* ([0-9]* bytes) out \([0-9]*\) .*/\1/p'; }
pt_tcp_in() { echo "$1" | sed -n 's/.*tcp in \([0-9]*\) out.*/\1/p'; }
pt_tcp_out() { echo "$1" | sed -n 's/.*tcp in [0-9]* out \([0-9]*\).*/\1/p'; }

# pt_transfer SRC_NS DST_NS DST_IP MIB: MIB random bytes over TCP through
# the tunnel; the SHA-256 on both ends must match.
pt_transfer() {
	local port=$((5000 + RANDOM % 1000)) f=$WORK/xfer.$$ got
	head -c "$(($4 * 1024 * 1024))" /dev/urandom > "$f"
	rm -f "$WORK/xfer.sum"
	ip netns exec "$2" "$PY" -c '
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(60)
c, _ = s.accept()
c.settimeout(60)
h = hashlib.sha256()
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b)
open(sys.argv[3], "w").write(h.hexdigest() + "\n")
' "$3" "$port" "$WORK/xfer.sum" &
	BGPIDS+=($!)
	sleep 0.3
	ip netns exec "$1" "$PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=60)
with open(sys.argv[3], "rb") as f:
    while True:
        b = f.read(1 << 16)
        if not b:
            break
        s.sendall(b)
s.close()
' "$3" "$port" "$f" || fail "transfer to $3 failed"
	wait_for 30 test -s "$WORK/xfer.sum" || fail "no checksum from the receiver"
	got=$(cat "$WORK/xfer.sum")
	[ "$got" = "$(sha256sum < "$f" | cut -d' ' -f1)" ] ||
		fail "transfer to $3: checksum differs"
	rm -f "$f"
}
