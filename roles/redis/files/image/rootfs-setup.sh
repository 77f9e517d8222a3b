#!/bin/sh
# Run inside the freshly bootstrapped rootfs (mmdebstrap customize hook:
#   chroot "$1" /bin/sh /usr/local/share/kubernaut/rootfs-setup.sh)
# to finish it the way the official redis image's Dockerfile does.
set -eu

mkdir -p /data
chown redis:redis /data

# the entrypoint needs these at run time
for tool in setpriv find redis-server redis-cli; do
	command -v "$tool" > /dev/null \
		|| { echo "rootfs-setup: $tool missing from the image" >&2; exit 1; }
done
