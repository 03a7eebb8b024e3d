#!/bin/bash
# Packet algorithms against Debian's tincd 1.0.36 (issue 3): compression
# levels 1, 9 and 10 (zlib and LZO; each side picks the level it receives),
# and AES-128-CBC with HMAC-SHA1 and MACLength 16.  Each: pings both ways,
# 4 MiB each way with matching SHA-256, all over UDP.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/packet_common.sh"

pt_setup tincd

# run NAME ALPHA-LINES EXPECT BETA-LINE...: one scenario; EXPECT is what
# tincd's node dump must say about the key alpha gave it.  The pings must
# all go by UDP once PMTU discovery has confirmed their size; the bulk
# transfers may use the meta connection for full-size frames until it
# settles (with compression that takes 30 rounds, as in tincd).
run() {
	local name=$1 al=$2 expect=$3 line in0 out0 tcp0
	shift 3
	pt_conf alpha "ConnectTo = beta" "$al"
	pt_conf beta "$@"
	pt_start
	pt_up "$NA" 192.168.20.1
	wait_for 10 pt_minmtu_ge 200 || fail "$name: no PMTU probe replies"
	wait_for 10 pt_peer_minmtu_ge 200 ||
		fail "$name: tincd got no PMTU probe replies from us"
	line=$(pt_dump)
	in0=$(pt_udp_in "$line")
	out0=$(pt_udp_out "$line")
	tcp0=$(pt_tcp_out "$line")
	pt_ping "$NA" 192.168.20.1 20
	pt_ping "$NB" 192.168.10.1 20
	line=$(pt_dump)
	[ "$(pt_udp_out "$line")" -ge $((out0 + 40)) ] ||
		fail "$name: pings did not leave by UDP: $line"
	[ "$(pt_udp_in "$line")" -ge $((in0 + 40)) ] ||
		fail "$name: pings did not arrive by UDP: $line"
	[ "$(pt_tcp_out "$line")" -le $((tcp0 + 2)) ] ||
		fail "$name: pings went by TCP: $line"
	pt_transfer "$NA" "$NB" 192.168.20.1 4
	pt_transfer "$NB" "$NA" 192.168.10.1 4
	kill -USR2 "$B_PID"
	wait_for 5 grep -q " alpha at .*$expect" "$WORK/beta.log" ||
		fail "$name: tincd's view of alpha's key is not '$expect'"
	pass "$name: pings by UDP, 4 MiB both ways"
	pt_stop
}

run "compression 1" "Compression = 1" \
	"cipher 427 digest 672 maclength 4 compression 1" "Compression = 1"
run "compression 9" "Compression = 9" \
	"cipher 427 digest 672 maclength 4 compression 9" "Compression = 9"
run "compression 10" "Compression = 10" \
	"cipher 427 digest 672 maclength 4 compression 10" "Compression = 10"
run "compression 11 to us, 1 to tincd" "Compression = 11" \
	"compression 11" "Compression = 1"
run "aes-128-cbc/sha1/16" "Cipher = aes-128-cbc
Digest = sha1
MACLength = 16" "cipher 419 digest 64 maclength 16 compression 0" \
	"Cipher = aes-128-cbc" "Digest = sha1" "MACLength = 16"
log "all packet algorithm checks passed"
