#!/bin/sh
# Run inside the freshly bootstrapped rootfs (mmdebstrap customize hook:
#   chroot "$1" /bin/sh /usr/local/share/kubernaut/rootfs-setup.sh)
# to finish it the way the official postgres image's Dockerfile does.
set -eu

PG_MAJOR="$(ls /usr/lib/postgresql | sort -n | tail -n 1)"
sample="/usr/share/postgresql/$PG_MAJOR/postgresql.conf.sample"

# Listen on all addresses in clusters made by initdb (Debian's default is
# 'localhost', which would make the published port useless).
sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$sample"
grep -q "^listen_addresses = '\*'" "$sample"

# en_US.UTF-8 like upstream (LANG=en_US.utf8 there), so text collation and
# ORDER BY behave the same; the locale sources are dropped afterwards.
if [ -d /usr/share/i18n/locales ]; then
	localedef -i en_US -c -f UTF-8 en_US.UTF-8
	rm -rf /usr/share/i18n
fi
locale -a | grep -qx 'en_US.utf8'

mkdir -p /docker-entrypoint-initdb.d /var/lib/postgresql/data /run/postgresql
chown -R postgres:postgres /var/lib/postgresql /run/postgresql
# 1777/3777 like upstream, so `--user` with an arbitrary uid still works
chmod 1777 /var/lib/postgresql/data
chmod 3777 /run/postgresql

# A cluster made now, which the entrypoint copies into an empty PGDATA instead of running initdb (~0.7 s at every
# start) when the container asks for nothing else: made as the entrypoint's initdb makes it (superuser postgres,
# en_US.utf8, --no-sync), without a password (the entrypoint sets POSTGRES_PASSWORD).
template=/usr/local/share/kubernaut/pgdata-template
mkdir -p "$template"
chown postgres:postgres "$template"
chmod 0700 "$template"
env -u LANGUAGE LC_ALL=en_US.utf8 LANG=en_US.utf8 setpriv --reuid=postgres --regid=postgres --init-groups -- \
	"/usr/lib/postgresql/$PG_MAJOR/bin/initdb" -D "$template" --username=postgres --no-sync > /dev/null
test -s "$template/PG_VERSION"

# the entrypoint needs these at run time
for tool in bash setpriv getent find initdb pg_ctl postgres psql gunzip cp; do
	PATH="$PATH:/usr/lib/postgresql/$PG_MAJOR/bin" command -v "$tool" > /dev/null \
		|| { echo "rootfs-setup: $tool missing from the image" >&2; exit 1; }
done
