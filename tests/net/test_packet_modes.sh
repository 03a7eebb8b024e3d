#!/bin/bash
# Data plane modes against Debian's tincd 1.0.36 (issue 3): switch mode
# (ARP across the tunnel, MAC learning announced to tincd, ping), TCPOnly
# (every frame inside the meta connection), and two ptincds in router mode.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/packet_common.sh"

pt_setup tincd

# ---- switch mode ------------------------------------------------------
pt_conf alpha "Mode = switch" "ConnectTo = beta"
pt_conf beta "Mode = switch"
pt_start
pt_up "$NA" 192.168.200.2
pt_ping "$NA" 192.168.200.2 30
pt_ping "$NB" 192.168.200.1 30
ip netns exec "$NA" ip neigh show 192.168.200.2 | grep -q lladdr ||
	fail "alpha has no ARP entry for beta"
pass "switch mode: ARP and ping both ways, 0% loss"
mac=$(ip netns exec "$NA" cat /sys/class/net/ptalpha$$/address |
	sed 's/:0/:/g; s/^0//')
kill -USR2 "$B_PID"
wait_for 5 grep -q "End of subnet list" "$WORK/beta.log" ||
	fail "tincd did not dump"
grep -q " $mac#10 owner alpha" "$WORK/beta.log" ||
	fail "tincd did not learn our MAC $mac as alpha's subnet"
pass "our learned MAC $mac is alpha's subnet at tincd"
line=$(pt_dump)
[ "$(pt_udp_out "$line")" -ge 50 ] || fail "switch mode: too little UDP: $line"
pt_stop

# ---- TCPOnly ------------------------------------------------------------
pt_conf alpha "TCPOnly = yes" "ConnectTo = beta"
pt_conf beta
pt_start
pt_up "$NA" 192.168.20.1
pt_ping "$NA" 192.168.20.1 30
pt_ping "$NB" 192.168.10.1 30
line=$(pt_dump)
echo "$line"
[ "$(pt_udp_out "$line")" -eq 0 ] || fail "TCPOnly: datagrams sent"
[ "$(pt_udp_in "$line")" -eq 0 ] || fail "TCPOnly: datagrams received"
[ "$(pt_tcp_out "$line")" -ge 60 ] || fail "TCPOnly: too few frames by TCP"
[ "$(pt_tcp_in "$line")" -ge 60 ] || fail "TCPOnly: too few frames from TCP"
pt_transfer "$NA" "$NB" 192.168.20.1 4
pass "TCPOnly: pings and 4 MiB inside the meta connection"
pt_stop

# ---- two ptincds --------------------------------------------------------
pt_setup ptincd
pt_conf alpha "ConnectTo = beta"
pt_conf beta
pt_start
pt_up "$NA" 192.168.20.1
pt_ping "$NA" 192.168.20.1 30
pt_ping "$NB" fd00:10::1 30
# until PMTU discovery settles, big frames take the meta connection
wait_for 30 pt_pmtu_fixed || fail "ptincd pair: alpha's PMTU did not settle"
peer_fixed() {
	kill -USR2 "$B_PID"
	sleep 0.3
	grep -q "packet: node alpha .*mtu 1451 min 1451 max 1451" "$WORK/beta.log"
}
wait_for 30 peer_fixed || fail "ptincd pair: beta's PMTU did not settle"
pass "ptincd pair: PMTU 1451 both ways"
tcp0=$(pt_tcp_out "$(pt_dump)")
pt_transfer "$NB" "$NA" 192.168.10.1 8
pt_transfer "$NA" "$NB" 192.168.20.1 8
line=$(pt_dump)
echo "$line"
[ "$(pt_udp_out "$line")" -ge 60 ] || fail "ptincd pair: too little UDP"
[ "$(pt_udp_in "$line")" -ge 5000 ] || fail "ptincd pair: too little UDP in"
[ "$(pt_tcp_out "$line")" -le $((tcp0 + 2)) ] ||
	fail "ptincd pair: frames over TCP after PMTU discovery"
pass "ptincd <-> ptincd: pings and 8 MiB each way over UDP"
pt_stop
log "all data plane mode checks passed"
