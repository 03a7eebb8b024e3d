#!/bin/bash
# The data plane against Debian's tincd 1.0.36 (issue 3), router mode with
# the defaults (AES-256-CBC, HMAC-SHA256/4): ping over IPv4 and IPv6 both
# ways without loss, over UDP (ptincd's counters), PMTU discovery to 1451
# on a 1500-byte path, and 32 MiB each way with matching SHA-256.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/packet_common.sh"

pt_setup tincd
pt_conf alpha "ConnectTo = beta"
pt_conf beta
pt_start
pt_up "$NA" 192.168.20.1
pass "tunnel up: ptincd -> tincd"

pt_ping "$NA" 192.168.20.1 50
pt_ping "$NB" 192.168.10.1 50
pass "IPv4 ping both ways, 0% loss"
pt_ping "$NA" fd00:20::1 50
pt_ping "$NB" fd00:10::1 50
pass "IPv6 ping both ways, 0% loss"

line=$(pt_dump)
echo "$line"
[ "$(pt_udp_in "$line")" -ge 200 ] || fail "too few UDP datagrams from tincd"
[ "$(pt_udp_out "$line")" -ge 200 ] || fail "too few UDP datagrams to tincd"
[ "$(pt_tcp_out "$line")" -le 5 ] || fail "frames went over TCP"
pass "the traffic went over UDP"

# the largest frame on a 1500-byte path: 1451 (spec 16.9), both sides
tincd_pmtu() {
	kill -USR2 "$B_PID"
	sleep 0.3
	grep " alpha at .*pmtu 1451 (min 1451 max 1451)" "$WORK/beta.log"
}
wait_for 40 tincd_pmtu || fail "tincd did not settle the PMTU to us at 1451"
grep " alpha at .*pmtu" "$WORK/beta.log" | tail -1
A_DEBUG_LINE=$(pt_dump)
echo "$A_DEBUG_LINE" | grep -q "mtu 1451 min 1451 max 1451" ||
	fail "ptincd's PMTU to tincd is not 1451: $A_DEBUG_LINE"
pass "PMTU 1451 both ways"

# DF set and too big: frag needed with MTU 1437, as tincd reports
out=$(ip netns exec "$NA" ping -c 1 -W 2 -M do -s 1460 192.168.20.1 2>&1)
echo "$out" | grep -q "mtu=1437\|mtu = 1437" ||
	fail "no frag needed with mtu 1437: $out"
pt_ping "$NA" 192.168.20.1 3
pass "ICMP frag needed with MTU 1437"

t0=$(date +%s)
pt_transfer "$NA" "$NB" 192.168.20.1 32
t1=$(date +%s)
pass "32 MiB ptincd -> tincd, checksum ok ($((t1 - t0)) s)"
pt_transfer "$NB" "$NA" 192.168.10.1 32
t2=$(date +%s)
pass "32 MiB tincd -> ptincd, checksum ok ($((t2 - t1)) s)"
line=$(pt_dump)
echo "$line"
[ "$(pt_tcp_out "$line")" -le 5 ] || fail "frames went over TCP"

pt_stop
grep -E "packet: .*(error|warn)" "$WORK/alpha.log" | head -5
log "all data plane interop checks passed"
