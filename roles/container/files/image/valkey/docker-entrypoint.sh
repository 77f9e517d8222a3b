#!/bin/sh
# Entrypoint of the locally built Valkey image
# (kubernaut.testinfra.local_image, see roles/container: the stand-in for docker.io/valkey/valkey:8).
#
# Same contract as the official valkey image's entrypoint:
#   - a first argument starting with "-" (or ending in ".conf") means
#     `valkey-server <args>`;
#   - valkey-server is started as the valkey user (after taking ownership of the
#     working directory /data), as PID 1, with all arguments passed through,
#     followed by the words of VALKEY_EXTRA_FLAGS;
#   - protected mode is off (upstream compiles it off, Debian's build does not), unless
#     a config file given as first argument sets `protected-mode` itself.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- valkey-server "$@"
fi

if [ "$1" = 'valkey-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user valkey -exec chown valkey '{}' +
	HOME="$(getent passwd valkey | cut -d: -f6)"
	export HOME
	exec setpriv --reuid=valkey --regid=valkey --clear-groups -- "$0" "$@"
fi

if [ "$1" = 'valkey-server' ]; then
	if [ ! -w . ]; then
		echo >&2 "error: directory '$(pwd)' is not writable by the current user ($(id -u))"
		exit 1
	fi
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

# shellcheck disable=SC2086  # word-split on purpose, as upstream does
exec "$@" $VALKEY_EXTRA_FLAGS
