#!/bin/sh
# Entrypoint of the locally built Redis image
# (kubernaut.testinfra.local_image, see roles/redis).
#
# Same contract as the official redis image's entrypoint:
#   - a first argument starting with "-" (or ending in ".conf") means
#     `redis-server <args>`;
#   - redis-server is started as the redis user (after taking ownership of the
#     working directory /data), as PID 1, with all arguments passed through;
#   - protected mode is off (upstream compiles it off), unless a config file
#     given as first argument sets `protected-mode` itself.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	HOME="$(getent passwd redis | cut -d: -f6)"
	export HOME
	exec setpriv --reuid=redis --regid=redis --init-groups -- "$0" "$@"
fi

if [ "$1" = 'redis-server' ]; then
	protected_mode=1
	if [ -f "${2:-}" ] && grep -q '^[[:space:]]*protected-mode' "$2"; then
		protected_mode=
	fi
	if [ -n "$protected_mode" ]; then
		set -- "$@" --protected-mode no
	fi
fi

# an appropriate umask (if one isn't set already), like upstream
if [ "$(umask)" = '0022' ]; then
	umask 0077
fi

exec "$@"
