#!/usr/bin/env bash
# The least a full datastorage cycle can take on this machine, hand-written with the playbook's own container
# flags: the floor that tests/benchmarks/seed_vs_playbook.py part a times datastorage.yml against, besides the
# seed's recipe. Not part of the test suite's pass/fail.
#
#   IMAGE=localhost/kubernaut/pgvector:pg17-trixie tests/benchmarks/floor_datastorage.sh
#
# The same work as the playbook, nothing else: podman run on the host's network (PostgreSQL listening on
# 127.0.0.1:5432 itself) with a tmpfs data directory, fsync off and initdb --no-sync; SQL polled every 50 ms from the host; one psql for the checks (server version, vector extension,
# HNSW); go test with the playbook's flags; podman rm -f -t 0.
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE=${IMAGE:-localhost/kubernaut/pgvector:pg17-trixie}
MODULE_DIR=${MODULE_DIR:-$ROOT/examples}
NAME=datastorage-postgres
export PATH=$PATH:/usr/local/go/bin
export PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres PGPASSWORD=postgres PGDATABASE=postgres PGSSLMODE=disable
export DATABASE_URL="postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"

trap 'podman rm -f -v -t 0 "$NAME" >/dev/null 2>&1 || true' EXIT INT TERM

podman run -d --name "$NAME" --network host -e POSTGRES_PASSWORD=postgres \
	-e "POSTGRES_INITDB_ARGS=--no-sync --auth-host=scram-sha-256" --tmpfs /var/lib/postgresql/data:rw,mode=0700 \
	"$IMAGE" postgres -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
	-c port=5432 -c listen_addresses=127.0.0.1 >/dev/null || exit 1

for _ in $(seq 1200); do
	psql -qtAX -c 'SELECT 1' >/dev/null 2>&1 && break
	sleep 0.05
done

psql -v ON_ERROR_STOP=1 -qtAX >/dev/null <<'SQL' || { echo "checks failed" >&2; exit 1; }
DO $$ BEGIN IF current_setting('server_version_num')::int < 150000 THEN RAISE 'PostgreSQL < 15'; END IF; END $$;
CREATE EXTENSION IF NOT EXISTS vector;
SELECT extversion FROM pg_extension WHERE extname = 'vector';
BEGIN; CREATE TEMP TABLE hnsw_probe (v vector(3)); INSERT INTO hnsw_probe VALUES ('[1,2,3]'), ('[3,2,1]');
CREATE INDEX ON hnsw_probe USING hnsw (v vector_l2_ops); ROLLBACK;
SQL

(cd "$MODULE_DIR" && go test -json -count=1 -timeout=5m -v ./test/integration/datastorage/... >/dev/null)
