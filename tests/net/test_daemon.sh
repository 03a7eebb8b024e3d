#!/bin/bash
# The daemon core (issue 2): start ptincd in a fresh namespace and check,
# from outside, the process table and every worker's sandbox; tinc-up;
# SIGHUP with a broken configuration; a killed worker; ptincd -k.
. "$(dirname "$0")/lib.sh"
need_root

NS=$(mkns a)
CONF=$WORK/alpha
PIDF=$WORK/alpha.pid
LOGF=$WORK/alpha.log
PIDFILES+=("$PIDF")
mkdir -p "$CONF/hosts"
cat > "$CONF/tinc.conf" <<EOC
Name = alpha
Interface = ptalpha
EOC
cat > "$CONF/hosts/alpha" <<EOC
Subnet = 10.250.1.0/24
Port = 6550
EOC
cat > "$CONF/tinc-up" <<'EOC'
#!/bin/sh
ip link set "$INTERFACE" up
ip addr add 10.250.1.1/24 dev "$INTERFACE"
echo "up $NAME $INTERFACE $NETNAME" >> "$(dirname "$0")/events"
EOC
cat > "$CONF/tinc-down" <<'EOC'
#!/bin/sh
echo "down $NAME $INTERFACE" >> "$(dirname "$0")/events"
EOC
cat > "$CONF/subnet-up" <<'EOC'
#!/bin/sh
echo "subnet-up $NODE $SUBNET $WEIGHT" >> "$(dirname "$0")/events"
EOC
chmod +x "$CONF/tinc-up" "$CONF/tinc-down" "$CONF/subnet-up"

"$PTINCD" -c "$CONF" -K 2048 </dev/null >/dev/null 2>&1 || fail "ptincd -K"
[ "$(stat -c %a "$CONF/rsa_key.priv")" = 600 ] || fail "rsa_key.priv mode"
grep -q 'BEGIN RSA PUBLIC KEY' "$CONF/hosts/alpha" || fail "no public key in hosts/alpha"
pass "-K wrote the keys"

out=$("$PTINCD" -c "$CONF" -t 2>&1) || fail "config test: $out"
[ "$out" = "configuration OK" ] || fail "config test said: $out"
pass "-t on a good configuration"

start() {
	rm -f "$CONF/events"
	ip netns exec "$NS" "$PTINCD" -c "$CONF" --pidfile "$PIDF" \
		--logfile="$LOGF" -d2 || fail "ptincd did not start"
	wait_for 10 test -s "$PIDF" || fail "no pidfile"
	PID=$(cat "$PIDF")
	wait_for 10 grep -q "^up alpha ptalpha" "$CONF/events" ||
		fail "tinc-up did not run"
}

start
alive "$PID" || fail "parent not running"
pass "daemon detached, pid $PID"

# The process table: parent plus three sandboxed workers.
wait_for 5 sh -c "[ \$(ls /proc/$PID/task | wc -l) -ge 1 ]"
kids=$(children "$PID")
n=0
for k in $kids; do
	title=$(tr '\0' ' ' < "/proc/$k/cmdline")
	case "$title" in
	*keys*|*meta*|*packet*) ;;
	*) continue ;;
	esac
	n=$((n + 1))
	[ "$(status_field "$k" Seccomp)" = 2 ] || fail "$title: Seccomp not 2"
	[ "$(status_field "$k" NoNewPrivs)" = 1 ] || fail "$title: NoNewPrivs not 1"
	[ "$(status_field "$k" CapEff)" = 0000000000000000 ] || fail "$title: CapEff not 0"
	nonroot=$(awk '/^(Uid|Gid):/ { if ($2 && $3 && $4 && $5) n++ } END { print n }' "/proc/$k/status")
	[ "$nonroot" = 2 ] || fail "$title: a real, effective, saved or fs id is 0"
	root=$(readlink "/proc/$k/root")
	[ "$root" = /var/empty ] || fail "$title: root is $root"
	[ -z "$(ls -A /var/empty)" ] || fail "/var/empty is not empty"
	if ls -l "/proc/$k/fd" 2>/dev/null | grep -q 'key.priv'; then
		fail "$title holds a private key file open"
	fi
	if grep -q 'key.priv' "/proc/$k/maps"; then
		fail "$title maps a private key file"
	fi
	log "worker $k: $title Seccomp=2 NoNewPrivs=1 CapEff=0 root=$root"
done
[ "$n" = 3 ] || fail "expected 3 workers under $PID, found $n"
for role in keys meta packet; do
	ps -o args= --ppid "$PID" | grep -q "^ptincd: $role \[alpha\]" ||
		fail "no process titled '$role [...]'"
done
pass "three sandboxed workers"

ip -n "$NS" addr show dev ptalpha | grep -q 10.250.1.1/24 ||
	fail "tinc-up did not configure ptalpha"
grep -q "subnet-up alpha 10.250.1.0/24 10" "$CONF/events" ||
	fail "subnet-up for our own subnet did not run"
pass "tinc-up configured the interface; subnet-up ran"

# USR1/USR2 dump state to the log.
kill -USR1 "$PID"; kill -USR2 "$PID"
wait_for 5 grep -q "connections:" "$LOGF" || fail "SIGUSR1 logged nothing"
wait_for 5 grep -q "device ptalpha:" "$LOGF" || fail "SIGUSR2 logged nothing"
pass "SIGUSR1/SIGUSR2 dump state"

# A broken configuration on SIGHUP is refused; the daemon keeps running.
cp "$CONF/tinc.conf" "$WORK/tinc.conf.good"
echo "Mode = bogus" >> "$CONF/tinc.conf"
kill -HUP "$PID"
wait_for 5 grep -q "keeping the running one" "$LOGF" || fail "no refusal logged"
grep -q "tinc.conf.*line 3" "$LOGF" || fail "error does not name tinc.conf line 3"
sleep 0.5
alive "$PID" || fail "daemon died on a bad reload"
[ "$(children "$PID" | wc -w)" -ge 3 ] || fail "workers gone after bad reload"
cp "$WORK/tinc.conf.good" "$CONF/tinc.conf"
kill -HUP "$PID"
wait_for 5 grep -q "configuration reloaded" "$LOGF" || fail "good reload not logged"
alive "$PID" || fail "daemon died on a good reload"
pass "SIGHUP: bad configuration refused, good one taken"

# A worker killed with SIGKILL ends the daemon cleanly.
victim=$(ps -o pid=,args= --ppid "$PID" | awk '$3 == "packet" {print $1}')
[ -n "$victim" ] || fail "no packet worker"
kill -KILL "$victim"
wait_for 5 sh -c "! kill -0 $PID" || fail "daemon still running after worker death"
grep -q "^down alpha ptalpha" "$CONF/events" || fail "tinc-down did not run"
[ ! -e "$PIDF" ] || fail "pidfile left behind"
grep -q "lost child: packet killed by signal 9" "$LOGF" || fail "death not logged with role and cause"
pass "killed worker: daemon stopped, tinc-down ran, pidfile removed"

# ptincd -k stops it cleanly.
start
"$PTINCD" -c "$CONF" --pidfile "$PIDF" -k || fail "ptincd -k failed"
wait_for 5 sh -c "! kill -0 $PID" || fail "daemon still running after -k"
grep -q "^down alpha ptalpha" "$CONF/events" || fail "tinc-down did not run after -k"
[ ! -e "$PIDF" ] || fail "pidfile left behind after -k"
ip -n "$NS" link show ptalpha >/dev/null 2>&1 && fail "device still exists"
pass "-k: clean stop"
exit 0
