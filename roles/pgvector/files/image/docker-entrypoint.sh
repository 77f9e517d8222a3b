#!/usr/bin/env bash
# Entrypoint of the locally built PostgreSQL + pgvector image
# (kubernaut.testinfra.local_image, see roles/pgvector).
#
# Implements the same contract as the entrypoint of the official `postgres` /
# `pgvector/pgvector` images, so tests cannot tell the two apart:
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
#   POSTGRES_USER (default postgres), POSTGRES_DB (default = user),
#   POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD,
#   *_FILE variants of the first four, /docker-entrypoint-initdb.d/*.{sh,sql,sql.gz,sql.xz,sql.zst}.
# The cluster is initialised on first start only (empty PGDATA): copied from the
# cluster the image build made when it fits (see docker_template_fits), else by
# initdb; a temporary server that listens on the unix socket only creates
# POSTGRES_DB (the copy creates it itself) and runs the init files. Then postgres is exec'd as PID 1 as the
# postgres user, with all arguments passed through
# (`docker-entrypoint.sh postgres -c fsync=off`).
set -Eeo pipefail

# file_env VAR [DEFAULT]: VAR, or the content of the file named by VAR_FILE, or DEFAULT.
file_env() {
	local var="$1" file_var="${1}_FILE" def="${2:-}" val
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$file_var"
		exit 1
	fi
	val="$def"
	if [ -n "${!var:-}" ]; then
		val="${!var}"
	elif [ -n "${!file_var:-}" ]; then
		val="$(< "${!file_var}")"
	fi
	export "$var"="$val"
	unset "$file_var"
}

_is_sourced() {
	[ "${#FUNCNAME[@]}" -ge 2 ] && [ "${FUNCNAME[0]}" = '_is_sourced' ] && [ "${FUNCNAME[1]}" = 'source' ]
}

docker_setup_env() {
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	declare -g DATABASE_ALREADY_EXISTS=
	if [ -s "$PGDATA/PG_VERSION" ]; then
		DATABASE_ALREADY_EXISTS=true
	fi
}

# Create PGDATA and the socket directory; when root, hand them to postgres.
docker_create_db_directories() {
	local uid
	uid="$(id -u)"
	mkdir -p "$PGDATA"
	# initdb/postgres insist on 0700 (or 0750); ignore failure like upstream
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql || :
	chmod 03775 /var/run/postgresql || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		if [ "$uid" = 0 ]; then
			find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres: '{}' +
		fi
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	if [ "$uid" = 0 ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres: '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres: '{}' +
	fi
}

docker_verify_minimum_env() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "podman run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.

			       See PostgreSQL documentation about "trust":
			       https://www.postgresql.org/docs/current/auth-trust.html
		EOE
		exit 1
	fi
	if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
		printf >&2 'WARNING: POSTGRES_HOST_AUTH_METHOD=trust: anyone who can reach the port can log in without a password.\n'
	fi
}

docker_init_database_dir() {
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		set -- --waldir "$POSTGRES_INITDB_WALDIR" "$@"
	fi
	# --pwfile rejects an empty file, hence the trailing newline;
	# POSTGRES_INITDB_ARGS is word-split on purpose (it is a list of options).
	eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"' "$@"'
}

# The cluster rootfs-setup.sh made with initdb at build time (superuser postgres, no password).
PGDATA_TEMPLATE=/usr/local/share/kubernaut/pgdata-template

# Whether that cluster, once docker_init_from_template has finished it, is what initdb would make now: no separate
# WAL directory, readable by this user, and no initdb option but --no-sync, --auth-host and --auth-local (which it
# applies as initdb does). Then a copy stands in for initdb (~0.15 s instead of ~0.7 s).
docker_template_fits() {
	[ -r "$PGDATA_TEMPLATE/PG_VERSION" ] && [ -z "${POSTGRES_INITDB_WALDIR:-}" ] || return 1
	case "$POSTGRES_USER" in
		pg_*) return 1 ;;  # a name initdb refuses: its message, as upstream gives it
	esac
	local arg
	for arg in $POSTGRES_INITDB_ARGS; do
		case "$arg" in
			--no-sync|--auth-host=[a-z]*|--auth-local=[a-z]*) ;;
			*) return 1 ;;
		esac
	done
}

# The copy; the authentication methods of --auth-host and --auth-local written into pg_hba.conf where initdb writes
# them (the template has initdb's default, trust). Then, in single-user mode, as the bootstrap superuser (OID 10, the
# role initdb --username names): the superuser's password set as initdb --pwfile sets it, its name set to
# POSTGRES_USER (ALTER ROLE cannot rename the session's own role; initdb would have named it so), and POSTGRES_DB
# created as the temporary server would create it. The statements are read from standard input (never on a command
# line) and never logged; the first that fails ends the session, and the entrypoint with it.
docker_init_from_template() {
	cp -a "$PGDATA_TEMPLATE/." "$PGDATA/"
	local arg
	for arg in $POSTGRES_INITDB_ARGS; do
		case "$arg" in
			--auth-host=*) sed -ri "s/^(host(ssl|nossl|gss|nogss)?\s.*\s)trust\s*$/\1${arg#*=}/" "$PGDATA/pg_hba.conf" ;;
			--auth-local=*) sed -ri "s/^(local\s.*\s)trust\s*$/\1${arg#*=}/" "$PGDATA/pg_hba.conf" ;;
		esac
	done
	local sql='' statement
	if [ -n "$POSTGRES_PASSWORD" ]; then
		printf -v statement "ALTER ROLE postgres PASSWORD '%s';" "${POSTGRES_PASSWORD//\'/\'\'}"
		sql+="$statement"$'\n\n'
	fi
	if [ "$POSTGRES_USER" != postgres ]; then
		printf -v statement "UPDATE pg_authid SET rolname = '%s' WHERE oid = 10;" "${POSTGRES_USER//\'/\'\'}"
		sql+="$statement"$'\n\n'
	fi
	case "$POSTGRES_DB" in
		postgres|template0|template1) ;;  # there already: docker_setup_db would leave it too
		*)
			printf -v statement 'CREATE DATABASE "%s";' "${POSTGRES_DB//\"/\"\"}"
			sql+="$statement"$'\n\n'
			;;
	esac
	if [ -n "$sql" ]; then  # printf is a builtin: the statements are on no command line
		printf '%s' "$sql" | postgres --single -j -D "$PGDATA" -c exit_on_error=on -c log_min_error_statement=panic \
			-c log_min_messages=warning postgres > /dev/null
	fi
}

# Allow remote connections with POSTGRES_HOST_AUTH_METHOD, defaulting to the
# configured password_encryption (scram-sha-256).
pg_setup_hba_conf() {
	if [ "${1:-}" = postgres ]; then
		shift
	fi
	local auth
	auth="$(postgres -C password_encryption "$@")"
	: "${POSTGRES_HOST_AUTH_METHOD:=$auth}"
	{
		printf '\n'
		if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
			printf '# warning trust is enabled for all connections\n'
		fi
		printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
	} >> "$PGDATA/pg_hba.conf"
}

# psql against the temporary server, over the unix socket only.
docker_process_sql() {
	local query_runner=( psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc )
	if [ -n "$POSTGRES_DB" ]; then
		query_runner+=( --dbname "$POSTGRES_DB" )
	fi
	PGHOST= PGHOSTADDR= "${query_runner[@]}" "$@"
}

docker_setup_db() {
	local exists
	exists="$(POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<-'EOSQL'
		SELECT 1 FROM pg_database WHERE datname = :'db' ;
	EOSQL
	)"
	if [ -z "$exists" ]; then
		POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
	fi
}

docker_process_init_files() {
	# shellcheck disable=SC2034  # kept for init scripts written for upstream: "${psql[@]}"
	psql=( docker_process_sql )
	local f
	for f; do
		case "$f" in
			*.sh)
				if [ -x "$f" ]; then
					printf '%s: running %s\n' "$0" "$f"
					"$f"
				else
					printf '%s: sourcing %s\n' "$0" "$f"
					# shellcheck disable=SC1090
					. "$f"
				fi
				;;
			*.sql)     printf '%s: running %s\n' "$0" "$f"; docker_process_sql -f "$f" ;;
			*.sql.gz)  printf '%s: running %s\n' "$0" "$f"; gunzip -c "$f" | docker_process_sql ;;
			*.sql.xz)  printf '%s: running %s\n' "$0" "$f"; xzcat "$f" | docker_process_sql ;;
			*.sql.zst) printf '%s: running %s\n' "$0" "$f"; zstd -dc "$f" | docker_process_sql ;;
			*)         printf '%s: ignoring %s\n' "$0" "$f" ;;
		esac
	done
}

# Temporary server: no TCP listener, so a published port cannot answer before init is done.
docker_temp_server_start() {
	if [ "${1:-}" = postgres ]; then
		shift
	fi
	set -- "$@" -c listen_addresses='' -p "${PGPORT:-5432}"
	NOTIFY_SOCKET= PGUSER="${PGUSER:-$POSTGRES_USER}" \
		pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@")" -w start
}

docker_temp_server_stop() {
	PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
}

# Options that make postgres print something and exit: no setup for those.
_pg_want_help() {
	local arg
	for arg; do
		case "$arg" in
			-'?'|--help|--describe-config|-V|--version) return 0 ;;
		esac
	done
	return 1
}

_main() {
	# first argument looks like a flag: run the server with it
	if [ "${1:0:1}" = '-' ]; then
		set -- postgres "$@"
	fi

	if [ "$1" = postgres ] && ! _pg_want_help "$@"; then
		docker_setup_env
		docker_create_db_directories
		if [ "$(id -u)" = 0 ]; then
			# re-run this script as postgres (setpriv from util-linux stands in for gosu)
			HOME="$(getent passwd postgres | cut -d: -f6)"
			export HOME
			exec setpriv --reuid=postgres --regid=postgres --init-groups -- "${BASH_SOURCE[0]}" "$@"
		fi

		if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
			docker_verify_minimum_env
			# fail early (before initdb) if the init directory is unreadable
			ls /docker-entrypoint-initdb.d/ > /dev/null

			local db_made=
			if docker_template_fits; then
				docker_init_from_template  # POSTGRES_DB too
				db_made=1
			else
				docker_init_database_dir
			fi
			pg_setup_hba_conf "$@"

			# The temporary server only creates POSTGRES_DB and runs the init files: when the database is
			# there and there are no init files, the result is the same without it (~0.3 s).
			if { [ -z "$db_made" ] && [ "$POSTGRES_DB" != postgres ]; } \
				|| [ -n "$(ls -A /docker-entrypoint-initdb.d/)" ]; then
				export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
				docker_temp_server_start "$@"
				docker_setup_db
				docker_process_init_files /docker-entrypoint-initdb.d/*
				docker_temp_server_stop
				unset PGPASSWORD
			fi

			printf '\nPostgreSQL init process complete; ready for start up.\n\n'
		else
			printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
		fi
	fi

	exec "$@"
}

if ! _is_sourced; then
	_main "$@"
fi
