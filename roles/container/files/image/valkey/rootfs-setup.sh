#!/bin/sh
# Run inside the freshly bootstrapped rootfs (mmdebstrap customize hook:
#   chroot "$1" /bin/sh /usr/local/share/kubernaut/rootfs-setup.sh)
# to finish it the way the official valkey image's Dockerfile does.
set -eu

# Debian's package makes the valkey user; upstream's image has it too (uid 999 there).
getent passwd valkey > /dev/null || { echo "rootfs-setup: no valkey user in the image" >&2; exit 1; }

mkdir -p /data /run/valkey
chown valkey:valkey /data /run/valkey

# the entrypoint and the tests need these at run time
for tool in setpriv find getent valkey-server valkey-cli; do
	command -v "$tool" > /dev/null \
		|| { echo "rootfs-setup: $tool missing from the image" >&2; exit 1; }
done
