#!/bin/bash
# Blowfish (tinc 1.0's old default) through OpenSSL's legacy provider,
# ptincd <-> ptincd: Debian's OpenSSL-3 tincd cannot initialise Blowfish
# keys (spec errata 4), so the peer here is a second ptincd.
. "$(dirname "$0")/lib.sh"
need_root
. "$(dirname "$0")/packet_common.sh"
[ -f /usr/lib/x86_64-linux-gnu/ossl-modules/legacy.so ] ||
	ls /usr/lib/*/ossl-modules/legacy.so >/dev/null 2>&1 ||
	fail "OpenSSL's legacy provider (libssl3) is missing"

pt_setup ptincd
A_DEBUG=3
pt_conf alpha "ConnectTo = beta" "Cipher = blowfish" "Digest = sha1"
pt_conf beta "Cipher = blowfish" "Digest = sha1"
pt_start
pt_up "$NA" 192.168.20.1
grep -q "Got ANS_KEY from beta (cipher 91 digest 64" "$WORK/alpha.log" ||
	fail "beta did not hand out a Blowfish key"
pt_ping "$NA" 192.168.20.1 20
pt_ping "$NB" 192.168.10.1 20
pt_transfer "$NA" "$NB" 192.168.20.1 2
pt_transfer "$NB" "$NA" 192.168.10.1 2
pass "blowfish/sha1 ptincd <-> ptincd: pings and 2 MiB each way"
pt_stop
exit 0
