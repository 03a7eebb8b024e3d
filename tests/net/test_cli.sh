#!/bin/bash
# The tincd command line, -t, and a configuration made by Debian's tincd:
# ptincd must read it unchanged, keys included, and start sandboxed.
. "$(dirname "$0")/lib.sh"
need_root

expect_fail() {	# expect_fail PATTERN CMD...: exit 1 and PATTERN on stderr
	local pat=$1 out rc
	shift
	out=$("$@" 2>&1 >/dev/null); rc=$?
	[ "$rc" = 1 ] || fail "$* exited $rc, not 1"
	echo "$out" | grep -q -- "$pat" || fail "$* did not say '$pat': $out"
}

out=$("$PTINCD" --version) || fail "--version"
echo "$out" | grep -q '^ptincd [0-9]' || fail "--version said: $out"
"$PTINCD" --help | grep -q -- '--config-test' || fail "--help"
expect_fail "unknown option" "$PTINCD" --bogus
expect_fail "usage:" "$PTINCD" --bogus
expect_fail "bypass-security is not supported" "$PTINCD" --bypass-security
expect_fail "unexpected argument" "$PTINCD" -D extra
expect_fail "unknown signal" "$PTINCD" -kFOO
expect_fail "needs an argument" "$PTINCD" -c
expect_fail "invalid argument" "$PTINCD" -n ../etc
pass "bad command lines: usage, exit 1"

# A configuration directory made entirely by Debian's tincd 1.0.36.
CONF=$WORK/net/beta
mkdir -p "$CONF/hosts"
printf 'Name = beta\nPort = 6551\n' > "$CONF/tinc.conf"
printf 'Subnet = 10.251.0.0/16\n' > "$CONF/hosts/beta"
tincd -c "$CONF" -K2048 </dev/null >/dev/null 2>&1 || fail "Debian tincd -K"
grep -q 'BEGIN RSA PUBLIC KEY' "$CONF/hosts/beta" || fail "tincd wrote no key"
sum=$(cat "$CONF/rsa_key.priv" "$CONF/hosts/beta" | md5sum)
out=$("$PTINCD" -c "$CONF" -t 2>&1) || fail "-t on tincd's config: $out"
[ "$out" = "configuration OK" ] || fail "-t said: $out"
pass "-t accepts a configuration and keys made by tincd -K"

# -n NETNAME reads /etc/tinc/NETNAME.
NET=ptinctest$$
cp -a "$CONF" "/etc/tinc/$NET"
out=$("$PTINCD" -n "$NET" -t 2>&1); rc=$?
rm -rf "/etc/tinc/$NET"
[ "$rc" = 0 ] && [ "$out" = "configuration OK" ] || fail "-n $NET -t: $out"
pass "-n NETNAME uses /etc/tinc/NETNAME"

# Errors are named by file and line, and -t exits 1.
cp -a "$CONF" "$WORK/bad"
printf 'Mode = bogus\nSubnet = 10.0.0.1/8\nPingTimeout = x\n' >> "$WORK/bad/tinc.conf"
out=$("$PTINCD" -c "$WORK/bad" -t 2>&1); rc=$?
[ "$rc" = 1 ] || fail "-t on a bad config exited $rc"
echo "$out" | grep -q "tinc.conf line 3" || fail "no line 3 error: $out"
echo "$out" | grep -q "tinc.conf line 4" || fail "no line 4 error: $out"
echo "$out" | grep -q "tinc.conf line 5" || fail "no line 5 error: $out"
pass "-t names each error by file:line, exit 1"

# Unknown variables warn with file:line but load; -o overrides.
cp -a "$CONF" "$WORK/warn"
printf 'NoSuchVariable = 1\n' >> "$WORK/warn/tinc.conf"
out=$("$PTINCD" -c "$WORK/warn" -t 2>&1) || fail "-t with unknown variable: $out"
echo "$out" | grep -q "NoSuchVariable.*tinc.conf line 3" || fail "no warning: $out"
out=$("$PTINCD" -c "$WORK/warn" -o Mode=bogus -t 2>&1) && fail "-o Mode=bogus accepted"
echo "$out" | grep -qi "command line" || fail "-o error does not say command line: $out"
out=$("$PTINCD" -c "$WORK/warn" -o DeviceType=vde -t 2>&1) && fail "-t accepted DeviceType vde"
echo "$out" | grep -q "not supported by ptincd" || fail "vde: $out"
pass "unknown variable warned, -o checked, unsupported DeviceType refused by -t"

# A missing worker user is a clear fatal error.
expect_fail "useradd" "$PTINCD" -c "$CONF" -U nosuchuser_pt -D --pidfile "$WORK/x.pid"

# Loose permissions on the private key are reported.
chmod 644 "$CONF/rsa_key.priv"
out=$("$PTINCD" -c "$CONF" -t 2>&1) || fail "-t with loose key: $out"
echo "$out" | grep -qi "rsa_key.priv" || fail "no warning about key permissions: $out"
chmod 600 "$CONF/rsa_key.priv"
pass "missing user refused; loose key permissions warned"

# -n NETNAME under a confdir given by -c's parent is not possible without
# installing; start from -c with tincd's files and check the workers.
NS=$(mkns b)
PIDF=$WORK/beta.pid
PIDFILES+=("$PIDF")
ip netns exec "$NS" "$PTINCD" -c "$CONF" --pidfile "$PIDF" \
	--logfile="$WORK/beta.log" || fail "ptincd did not start on tincd's config"
wait_for 10 test -s "$PIDF" || fail "no pidfile"
PID=$(cat "$PIDF")
wait_for 10 sh -c "[ \$(ps -o pid= --ppid $PID | wc -l) -ge 3 ]" || fail "no workers"
for k in $(ps -o pid= --ppid "$PID"); do
	[ "$(status_field "$k" Seccomp)" = 2 ] || fail "worker $k not sandboxed"
done
[ "$(cat "$CONF/rsa_key.priv" "$CONF/hosts/beta" | md5sum)" = "$sum" ] ||
	fail "ptincd changed tincd's key files"
"$PTINCD" -c "$CONF" --pidfile "$PIDF" -k || fail "-k"
wait_for 5 sh -c "! kill -0 $PID" || fail "still running after -k"
pass "ptincd runs sandboxed on tincd's configuration, files unchanged"
exit 0
