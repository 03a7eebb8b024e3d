#!/bin/bash
# A hostile tinc 1.0 peer against ptincd (issue 3), with meta_peer from
# tests/tools: garbage before authentication; then, authenticated with a
# real key, a bad PACKET length, REQ_KEY/ANS_KEY claiming to come from
# ptincd, the spec 14.6 item 8 announcement, and floods of ADD_EDGE and
# ADD_SUBNET.  ptincd must survive all of it, log what it refused, keep
# its memory bounded and keep serving another authenticated peer.
. "$(dirname "$0")/lib.sh"
need_root
META_PEER=${META_PEER:-$(dirname "$PTINCD")/../tests/meta_peer}
[ -x "$META_PEER" ] || fail "no meta_peer at $META_PEER (build first)"

NA=$(mkns a)
NB=$(mkns b)
link "$NA" "$NB" 10.99.1.1/24 10.99.1.2/24

A=$WORK/alpha
mkdir -p "$A/hosts"
cat > "$A/tinc.conf" <<EOC
Name = alpha
Interface = mh$$
PingInterval = 30
PingTimeout = 5
EOC
cat > "$A/hosts/alpha" <<EOC
Address = 10.99.1.1
Subnet = 192.168.10.0/24
EOC
cat > "$A/host-up" <<'EOC'
#!/bin/sh
echo "host-up $NODE addr=$REMOTEADDRESS port=$REMOTEPORT" >> "$(dirname "$0")/events"
EOC
chmod +x "$A/host-up"
"$PTINCD" -c "$A" -K 2048 </dev/null >/dev/null 2>&1 || fail "ptincd -K"
for p in mallory victor; do
	openssl genrsa -traditional -out "$WORK/$p.priv" 2048 2>/dev/null ||
		fail "openssl genrsa"
	{ echo "Address = 10.99.1.2"; echo;
	  openssl rsa -in "$WORK/$p.priv" -RSAPublicKey_out 2>/dev/null; } \
		> "$A/hosts/$p" || fail "openssl rsa"
done

ip netns exec "$NA" "$PTINCD" -c "$A" --pidfile "$WORK/alpha.pid" \
	--logfile="$WORK/alpha.log" -d3 || fail "ptincd did not start"
PIDFILES+=("$WORK/alpha.pid")
wait_for 10 test -s "$WORK/alpha.pid" || fail "no pidfile"
APID=$(cat "$WORK/alpha.pid")
wait_for 10 grep -q "meta: listening on" "$WORK/alpha.log" ||
	fail "meta worker not listening"
META=$(ps -o pid=,args= --ppid "$APID" | awk '$3 == "meta" {print $1}')
[ -n "$META" ] || fail "no meta worker"

N=0
# peer NAME COMMAND...: one meta_peer session; its output in $OUT
peer() {
	local who=$1 key=()
	shift
	N=$((N + 1))
	OUT=$WORK/peer.$N.out
	[ -f "$WORK/$who.priv" ] && key=(-k "$WORK/$who.priv")
	printf '%s\n' "$@" | timeout 90 ip netns exec "$NB" "$META_PEER" \
		-n "$who" "${key[@]}" -N alpha -K "$A/hosts/alpha" \
		10.99.1.1 655 > "$OUT" 2>&1
}

alive_check() {
	alive "$APID" || fail "ptincd died ($1)"
	alive "$META" || fail "the meta worker died ($1)"
	grep -q "lost child" "$WORK/alpha.log" && fail "a worker died ($1)"
	return 0
}

logged() {
	wait_for 5 grep -q "$1" "$WORK/alpha.log" || fail "not logged: $1"
}

# ---- before authentication --------------------------------------------
long=$(head -c 3000 /dev/zero | tr '\0' A)
peer nobody "rawstr $long" "idle 1"
logged "metadata read buffer overflow"
grep -q "connection closed" "$OUT" &&
	fail "an overflowing peer was closed, not tarpitted"
peer nobody "send hello world" "idle 1"
logged "bogus data from <unknown>"
peer nobody "send 6 0 test" "idle 1"
logged "unknown request from <unknown>"
peer nobody "send 99 x" "idle 1"
peer nobody "send 0 alpha 17" "idle 1"
logged "invalid name (our own)"
peer nobody "send 0 stranger 17" "idle 1"
logged "had unknown identity"
peer nobody "send 0 $(head -c 300 /dev/zero | tr '\0' x) 17" "idle 1"
logged "Got bad ID from <unknown>"
peer nobody "send 4 655 1 c" "idle 1"
logged "Unauthorized request ACK"
peer nobody "send 0 mallory 16" "idle 1"
logged "incompatible version"
[ -z "$(grep -E '^< ' "$WORK"/peer.*.out)" ] ||
	fail "ptincd answered before a valid ID"
alive_check "garbage before authentication"
pass "garbage before authentication refused, tarpitted, daemon alive"

# ---- an honest second peer, to show others keep working -----------------
printf '%s\n' auth "idle 25" "send 8" "expect 9 5" | timeout 90 \
	ip netns exec "$NB" "$META_PEER" -n victor -k "$WORK/victor.priv" \
	-N alpha -K "$A/hosts/alpha" 10.99.1.1 655 > "$WORK/victor.out" 2>&1 &
VPID=$!
BGPIDS+=("$VPID")
wait_for 10 grep -q "Connection with victor .* activated" "$WORK/alpha.log" ||
	fail "victor did not authenticate"

# ---- authenticated misbehaviour -----------------------------------------
peer mallory auth "send 15 alpha victor" "send 16 alpha victor AB 0 672 4 0" \
	"send 8" "expect 9"
grep -q "^< 9" "$OUT" || fail "mallory got no PONG after REQ_KEY/ANS_KEY"
logged "Got REQ_KEY from mallory .* claiming to come from us"
logged "Got ANS_KEY from mallory .* claiming to come from us"
pass "REQ_KEY/ANS_KEY from ourselves dropped, connection kept (errata 2)"

for len in 65536 0 1519 -1; do
	peer mallory auth "send 17 $len" "send 8" "idle 2"
	grep -q "^< 9" "$OUT" && fail "PACKET length $len was accepted"
done
logged "Got bad PACKET from mallory"
alive_check "bad PACKET lengths"
pass "PACKET lengths 65536, 0, 1519, -1 refused at once (errata 1)"

peer mallory auth "send 12 1a2b mallory xnode foo bar c 10" \
	"send 12 1a2c xnode mallory foo bar c 10" "send 8" "expect 9" "idle 1"
grep -q "^< 9" "$OUT" || fail "no PONG after the spec 14.6 item 8 lines"
wait_for 5 grep -q "^host-up xnode addr= port=" "$A/events" ||
	fail "no host-up (with an empty address) for xnode"
logged "Not forwarding ADD_EDGE mallory -> xnode"
alive_check "spec 14.6 item 8"
pass "a node without a usable address: host-up with empty REMOTEADDRESS, edges not forwarded"

# Floods: no scripts for thousands of fake nodes.
rm -f "$A/host-up"
peer mallory auth "flood_edges 12000" "flood_subnets 6000" "send 8" \
	"expect 9 60"
grep -q "^< 9" "$OUT" || fail "ptincd did not answer after the floods"
logged "Cannot add node"
logged "Too many subnets"
alive_check "floods"
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$META/status")
log "meta worker VmRSS after the floods: $rss kB"
[ "$rss" -lt 131072 ] || fail "meta worker uses $rss kB after the floods"
kill -USR2 "$APID"
wait_for 5 grep -q "meta: Nodes: " "$WORK/alpha.log" || fail "no dump"
nodes=$(grep -o "meta: Nodes: [0-9]*" "$WORK/alpha.log" | tail -1 |
	awk '{print $3}')
[ "$nodes" -le 4096 ] || fail "$nodes nodes, past the bound"
pass "floods of ADD_EDGE/ADD_SUBNET bounded ($nodes nodes, ${rss} kB)"

wait "$VPID" || { cat "$WORK/victor.out" >&2; fail "victor's session failed"; }
grep -q "xnode" "$WORK/victor.out" && fail "the xnode edges reached victor"
grep -q "connection closed" "$WORK/victor.out" &&
	fail "victor was disconnected"
pass "another authenticated peer kept working throughout"
alive_check "end"
exit 0
