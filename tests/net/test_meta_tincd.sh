#!/bin/bash
# The meta protocol against Debian's tincd 1.0.36 (issue 3):
#  1. ptincd connects to tincd: authentication, both sides activate, tincd
#     learns our subnet and edge, ANS_KEY both ways, PING/PONG keeps the
#     connection past PingTimeout, host-up/subnet-up with the right NODE
#     and REMOTEADDRESS, and host-down when tincd is killed.
#  2. tincd connects to ptincd (we are the responder).
#  3. A second tincd joins through ptincd: both tincds learn each other's
#     subnets and edges through us, and REQ_KEY/ANS_KEY travel through us.
. "$(dirname "$0")/lib.sh"
need_root
command -v tincd >/dev/null || fail "tincd (Debian's tinc 1.0.36) is not installed"

NA=$(mkns a)
NB=$(mkns b)
NC=$(mkns c)
link "$NA" "$NB" 10.99.1.1/24 10.99.1.2/24
link "$NA" "$NC" 10.99.2.1/24 10.99.2.3/24

# node NAME ADDRESS SUBNET-PREFIX: a configuration directory in $WORK/NAME
node() {
	local d=$WORK/$1
	mkdir -p "$d/hosts"
	cat > "$d/tinc.conf" <<EOC
Name = $1
Interface = mt$1$$
PingInterval = 2
PingTimeout = 2
EOC
	cat > "$d/hosts/$1" <<EOC
Address = $2
Subnet = $3.0/24
EOC
	cat > "$d/tinc-up" <<EOC
#!/bin/sh
ip link set "\$INTERFACE" up
ip addr add $3.1/24 dev "\$INTERFACE"
ip route add 192.168.0.0/16 dev "\$INTERFACE"
EOC
	for s in host-up host-down subnet-up subnet-down; do
		cat > "$d/$s" <<EOC
#!/bin/sh
echo "$s \$NODE \$REMOTEADDRESS \$REMOTEPORT \$SUBNET" >> "\$(dirname "\$0")/events"
EOC
	done
	chmod +x "$d"/tinc-up "$d"/host-up "$d"/host-down "$d"/subnet-up \
		"$d"/subnet-down
}

node alpha 10.99.1.1 192.168.10
node beta 10.99.1.2 192.168.20
node gamma 10.99.2.3 192.168.30
"$PTINCD" -c "$WORK/alpha" -K 2048 </dev/null >/dev/null 2>&1 || fail "ptincd -K"
tincd -c "$WORK/beta" -K2048 </dev/null >/dev/null 2>&1 || fail "tincd -K (beta)"
tincd -c "$WORK/gamma" -K2048 </dev/null >/dev/null 2>&1 || fail "tincd -K (gamma)"
for a in alpha beta gamma; do
	for b in alpha beta gamma; do
		[ $a = $b ] || cp "$WORK/$a/hosts/$a" "$WORK/$b/hosts/$a"
	done
done
# gamma reaches alpha on the other link
sed -i 's/^Address = 10.99.1.1/Address = 10.99.2.1/' "$WORK/gamma/hosts/alpha"

start_alpha() {
	ip netns exec "$NA" "$PTINCD" -c "$WORK/alpha" \
		--pidfile "$WORK/alpha.pid" --logfile="$WORK/alpha.log" -d3 ||
		fail "ptincd did not start"
	PIDFILES+=("$WORK/alpha.pid")
	wait_for 10 test -s "$WORK/alpha.pid" || fail "no pidfile"
	APID=$(cat "$WORK/alpha.pid")
}

stop_alpha() {
	kill -TERM "$APID"
	wait_for 10 sh -c "! kill -0 $APID" || fail "ptincd did not stop"
}

# start_tincd NAME NS: tincd in the foreground, in the background
start_tincd() {
	ip netns exec "$2" tincd -c "$WORK/$1" -D -d3 \
		--pidfile="$WORK/$1.pid" --logfile="$WORK/$1.log" \
		</dev/null >/dev/null 2>&1 &
	BGPIDS+=($!)
	eval "${1}_pid=$!"
}

stop_tincd() {
	local pid
	eval "pid=\$${1}_pid"
	kill -TERM "$pid"
	wait_for 10 sh -c "! kill -0 $pid" || fail "tincd $1 did not stop"
}

# dump NAME: SIGUSR2 to a tincd, then its log
tincd_dump() {
	local pid
	eval "pid=\$${1}_pid"
	: > "$WORK/$1.dump.mark"
	kill -USR2 "$pid"
	wait_for 5 grep -q "End of subnet list" "$WORK/$1.log" ||
		fail "tincd $1 did not dump"
}

count() { grep -c "$1" "$2" 2>/dev/null || true; }

# ---- 1: ptincd initiates ---------------------------------------------
echo "ConnectTo = beta" >> "$WORK/alpha/tinc.conf"
start_tincd beta "$NB"
sleep 0.3
start_alpha
wait_for 15 grep -q "Connection with beta .* activated" "$WORK/alpha.log" ||
	fail "ptincd did not activate the connection to tincd"
wait_for 10 grep -q "Connection with alpha .* activated" "$WORK/beta.log" ||
	fail "tincd did not activate the connection from ptincd"
pass "ptincd -> tincd: both sides activated"
grep -E "meta: (Connection with|Sending to beta.*: [0-4] )" "$WORK/alpha.log" | head -3

wait_for 10 grep -q "^host-up beta 10.99.1.2 655" "$WORK/alpha/events" ||
	fail "no host-up for beta with REMOTEADDRESS 10.99.1.2"
wait_for 10 grep -q "^subnet-up beta 10.99.1.2 655 192.168.20.0/24" \
	"$WORK/alpha/events" || fail "no subnet-up for beta's subnet"
wait_for 10 grep -q "^host-up alpha 10.99.1.1 655" "$WORK/beta/events" ||
	fail "tincd ran no host-up for alpha"
pass "host-up/subnet-up on both sides with the right NODE and REMOTEADDRESS"

wait_for 10 grep -q "Got ANS_KEY from alpha" "$WORK/beta.log" ||
	fail "tincd got no ANS_KEY from ptincd"
wait_for 10 grep -q "Got ANS_KEY from beta (cipher 427 digest 672" \
	"$WORK/alpha.log" || fail "ptincd got no valid ANS_KEY from tincd"
pass "ANS_KEY both ways"

tincd_dump beta
grep -q " alpha to beta at 10.99.1.2 port 655 options c weight" \
	"$WORK/beta.log" || fail "tincd has not got our edge"
grep -q " 192.168.10.0/24#10 owner alpha" "$WORK/beta.log" ||
	fail "tincd has not got our subnet"
pass "tincd's graph has our edge and subnet"
grep -E " (alpha to beta|192.168.10.0/24#10 owner alpha)" "$WORK/beta.log"

# PingInterval 2, PingTimeout 2: 9 seconds are several rounds.
sleep 9
[ "$(count 'Got PONG from alpha' "$WORK/beta.log")" -ge 2 ] ||
	fail "tincd saw no PONGs from ptincd"
[ "$(count 'Got PING from alpha' "$WORK/beta.log")" -ge 2 ] ||
	fail "ptincd sent no PINGs"
grep -q "Closing connection" "$WORK/beta.log" &&
	fail "tincd closed the connection"
grep -q "Closing connection" "$WORK/alpha.log" &&
	fail "ptincd closed the connection"
pass "PING/PONG both ways, the connection outlived PingTimeout"

stop_tincd beta
wait_for 10 grep -q "^host-down beta 10.99.1.2 655" "$WORK/alpha/events" ||
	fail "no host-down for beta after tincd died"
wait_for 10 grep -q "^subnet-down beta 10.99.1.2 655 192.168.20.0/24" \
	"$WORK/alpha/events" || fail "no subnet-down for beta's subnet"
pass "tincd killed: host-down and subnet-down for beta"
stop_alpha

# ---- 2: tincd initiates, ptincd responds; 3: gamma joins through us --
sed -i '/^ConnectTo/d' "$WORK/alpha/tinc.conf"
echo "ConnectTo = alpha" >> "$WORK/beta/tinc.conf"
echo "ConnectTo = alpha" >> "$WORK/gamma/tinc.conf"
rm -f "$WORK"/*/events
mv "$WORK/alpha.log" "$WORK/alpha.1.log"
mv "$WORK/beta.log" "$WORK/beta.1.log"
start_alpha
start_tincd beta "$NB"
wait_for 15 grep -q "Connection with beta .* activated" "$WORK/alpha.log" ||
	fail "ptincd did not activate the connection from tincd"
wait_for 10 grep -q "Connection with alpha .* activated" "$WORK/beta.log" ||
	fail "tincd did not activate its connection to ptincd"
wait_for 10 grep -q "^host-up beta 10.99.1.2 655" "$WORK/alpha/events" ||
	fail "no host-up for beta (responder side)"
wait_for 10 grep -q "Got ANS_KEY from alpha" "$WORK/beta.log" ||
	fail "tincd got no ANS_KEY (responder side)"
pass "tincd -> ptincd: both sides activated, host-up, ANS_KEY"

start_tincd gamma "$NC"
wait_for 15 grep -q "Connection with gamma .* activated" "$WORK/alpha.log" ||
	fail "ptincd did not activate the connection from gamma"
wait_for 10 grep -q "^host-up gamma 10.99.2.3 655" "$WORK/beta/events" ||
	fail "beta did not learn gamma through ptincd"
wait_for 10 grep -q "^subnet-up gamma 10.99.2.3 655 192.168.30.0/24" \
	"$WORK/beta/events" || fail "beta did not learn gamma's subnet"
wait_for 10 grep -q "^host-up beta 10.99.1.2 655" "$WORK/gamma/events" ||
	fail "gamma did not learn beta through ptincd"
tincd_dump beta
grep -q " gamma to alpha at 10.99.2.1 port 655" "$WORK/beta.log" ||
	fail "beta has not got gamma's edge"
pass "three nodes: topology relayed through ptincd both ways"

# Traffic from beta to gamma makes beta ask gamma for a key through us.
ip netns exec "$NB" ping -c 3 -i 0.3 -W 1 192.168.30.1 >/dev/null 2>&1
wait_for 10 grep -q "Got REQ_KEY from alpha" "$WORK/gamma.log" ||
	fail "gamma got no REQ_KEY through ptincd"
wait_for 10 sh -c "grep -q 'Got ANS_KEY from alpha' '$WORK/beta.log' &&
	[ \$(grep -c 'Got ANS_KEY from alpha' '$WORK/beta.log') -ge 2 ]" ||
	fail "beta got no ANS_KEY from gamma through ptincd"
pass "REQ_KEY and ANS_KEY relayed through ptincd"

grep -q "lost child" "$WORK/alpha.log" && fail "a ptincd worker died"
stop_tincd gamma
wait_for 10 grep -q "^host-down gamma" "$WORK/beta/events" ||
	fail "beta did not learn that gamma went away"
pass "gamma gone: beta learned it through ptincd"
exit 0
