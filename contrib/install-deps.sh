#!/bin/sh
# Install what building and testing ptinc needs on Debian 12, as root, and
# create the unprivileged user the workers run as.  Safe to run again.
set -eu

PKGS="build-essential meson ninja-build pkg-config libssl-dev libbsd-dev
libseccomp-dev libsodium-dev zlib1g-dev liblzo2-dev check iproute2 iputils-ping procps
tinc iperf3 nftables"

[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Debian's tinc package enables a tinc service; our tests start their own.
systemctl disable --now tinc.service >/dev/null 2>&1 || true

if ! id ptincd >/dev/null 2>&1; then
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin ptincd
fi
mkdir -p /var/empty
chown root:root /var/empty
chmod 755 /var/empty
