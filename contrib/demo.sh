#!/bin/bash
# A demo mesh in network namespaces, on configurations embedded below:
#
#   alpha (ptincd) ---- beta (Debian's tincd 1.0.36) ---- gamma (ptincd)
#    10.77.0.1/16           10.77.2.1/16                     10.77.1.2/16
#
# alpha and gamma cannot reach each other directly; beta relays.  The demo
# shows the process table and sandbox of a ptincd, pings across the VPN,
# prints who is reachable, and tears everything down.  Run as root.
#
# README says "sh contrib/demo.sh"; Debian's sh is dash, so hand over to
# bash before the first bash-only line is read.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
cd "$(dirname "$0")/.."
sh contrib/install-deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null || { echo "build failed" >&2; exit 1; }

PTINCD=$PWD/build/ptincd/ptincd
WORK=$(mktemp -d /tmp/ptinc-demo.XXXXXX)
NS=(ptdemo-alpha ptdemo-beta ptdemo-gamma)
RC=1

cleanup() {
	local f pid
	for f in "$WORK"/*.pid; do
		[ -f "$f" ] && pid=$(cat "$f") && kill -TERM "$pid" 2>/dev/null
	done
	sleep 1
	for f in "$WORK"/*.pid; do
		[ -f "$f" ] && pid=$(cat "$f") && kill -KILL "$pid" 2>/dev/null
	done
	for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for n in "${NS[@]}"; do
	ip netns del "$n" 2>/dev/null
	ip netns add "$n"
	ip -n "$n" link set lo up
done
# underlay: alpha-beta on 192.0.2.0/24, beta-gamma on 198.51.100.0/24
ip link add ptd-ab netns ptdemo-alpha type veth peer name ptd-ba netns ptdemo-beta
ip link add ptd-bg netns ptdemo-beta type veth peer name ptd-gb netns ptdemo-gamma
ip -n ptdemo-alpha addr add 192.0.2.1/24 dev ptd-ab
ip -n ptdemo-beta addr add 192.0.2.2/24 dev ptd-ba
ip -n ptdemo-beta addr add 198.51.100.2/24 dev ptd-bg
ip -n ptdemo-gamma addr add 198.51.100.3/24 dev ptd-gb
for l in "ptdemo-alpha ptd-ab" "ptdemo-beta ptd-ba" "ptdemo-beta ptd-bg" "ptdemo-gamma ptd-gb"; do
	set -- $l; ip -n "$1" link set "$2" up
done

# node NAME VPNADDR SUBNET PUBLICADDR CONNECTTO
node() {
	local d=$WORK/$1
	mkdir -p "$d/hosts"
	{ echo "Name = $1"; [ -n "$5" ] && echo "ConnectTo = $5"; } > "$d/tinc.conf"
	{ echo "Subnet = $3"; [ -n "$4" ] && echo "Address = $4"; } > "$d/hosts/$1"
	cat > "$d/tinc-up" <<EOT
#!/bin/sh
ip link set "\$INTERFACE" up
ip addr add $2/16 dev "\$INTERFACE"
EOT
	chmod +x "$d/tinc-up"
}
node alpha 10.77.0.1 10.77.0.0/24 192.0.2.1 beta
node beta 10.77.2.1 10.77.2.0/24 192.0.2.2 ""
node gamma 10.77.1.2 10.77.1.0/24 198.51.100.3 beta
"$PTINCD" -c "$WORK/alpha" -K2048 </dev/null >/dev/null 2>&1
tincd -c "$WORK/beta" -K2048 </dev/null >/dev/null 2>&1
"$PTINCD" -c "$WORK/gamma" -K2048 </dev/null >/dev/null 2>&1
for a in alpha beta gamma; do
	for b in alpha beta gamma; do
		[ $a = $b ] || cp "$WORK/$b/hosts/$b" "$WORK/$a/hosts/$b"
	done
done
# beta is reached from gamma's side on its other address
sed -i 's/^Address = 192.0.2.2/Address = 198.51.100.2/' "$WORK/gamma/hosts/beta"

echo "== starting: alpha and gamma run ptincd, beta runs Debian's tincd"
ip netns exec ptdemo-beta tincd -c "$WORK/beta" --pidfile="$WORK/beta.pid" \
	--logfile="$WORK/beta.log" -d1
for n in alpha gamma; do
	ip netns exec "ptdemo-$n" "$PTINCD" -c "$WORK/$n" \
		--pidfile="$WORK/$n.pid" --logfile="$WORK/$n.log" -d1
done
sleep 1
pid=$(cat "$WORK/alpha.pid")
echo
echo "== alpha's ptincd: a root parent and three sandboxed workers"
printf '%-8s %-6s %-24s %-8s %-10s %-6s %s\n' PID USER PROCESS SECCOMP NONEWPRIVS CAPEFF ROOT
for p in $pid $(ps -o pid= --ppid "$pid"); do
	printf '%-8s %-6s %-24s %-8s %-10s %-6s %s\n' "$p" \
		"$(ps -o user= -p "$p")" "$(ps -o args= -p "$p" | cut -c1-24)" \
		"$(awk '/^Seccomp:/ {print $2}' /proc/$p/status)" \
		"$(awk '/^NoNewPrivs:/ {print $2}' /proc/$p/status)" \
		"$(awk '/^CapEff:/ {print ($2 == "0000000000000000") ? "none" : "all"}' /proc/$p/status)" \
		"$(readlink /proc/$p/root)"
done

echo
echo "== pinging across the VPN"
ok=1
for i in $(seq 1 20); do
	ip netns exec ptdemo-alpha ping -c1 -W1 10.77.1.2 >/dev/null 2>&1 && break
	sleep 1
done
for pair in "alpha 10.77.2.1 beta" "alpha 10.77.1.2 gamma" "gamma 10.77.0.1 alpha"; do
	set -- $pair
	if ip netns exec "ptdemo-$1" ping -c3 -i0.2 -W1 "$2" >"$WORK/ping" 2>&1; then
		echo "$1 -> $3 ($2): $(grep -o '[0-9.]*/[0-9.]*/[0-9.]*/[0-9.]* ms' "$WORK/ping" | cut -d/ -f2) ms average"
	else
		echo "$1 -> $3 ($2): no answer"; ok=0
	fi
done

echo
echo "== who alpha sees (SIGUSR2 dump in its log)"
kill -USR2 "$pid"; sleep 0.5
grep -E 'reachable|nodes:|edges:|subnet' "$WORK/alpha.log" | tail -12 | sed 's/^[0-9-]* [0-9:]* //'

echo
echo "== stopping"
for n in alpha gamma; do "$PTINCD" --pidfile="$WORK/$n.pid" -k; done
kill -TERM "$(cat "$WORK/beta.pid")"
sleep 1
if [ "$ok" = 1 ]; then
	echo "demo: mesh up, pings answered, clean stop"
	RC=0
else
	echo "demo: daemons ran sandboxed, but the VPN did not carry pings"
fi
exit $RC
