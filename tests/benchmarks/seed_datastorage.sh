#!/usr/bin/env bash
# The seed project's `make test-integration-datastorage` recipe as a shell script, the baseline that
# tests/benchmarks/seed_vs_playbook.py times against `ansible-playbook playbooks/datastorage.yml`.
# Not part of the test suite's pass/fail.
#
#   IMAGE=localhost/kubernaut/pgvector:pg17-trixie tests/benchmarks/seed_datastorage.sh
#
# Each step is the seed's Makefile line (decision record "Make Targets with Podman vs. Kind",
# Phase 1), one line per recipe line. Adaptations are marked "ADAPTED:"; steps the seed's Makefile
# ran with psql that the excerpt does not spell out, and that the playbook also performs (so both
# sides do the same work), are marked "PARITY:".
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# ADAPTED: the seed used pgvector/pgvector:pg15 from Docker Hub. No registry is reachable here, so
# the image the playbook resolves pgvector_image_source=auto to is used: built locally from Debian
# packages (PostgreSQL 17 + pgvector), same entrypoint contract (POSTGRES_PASSWORD, ...).
IMAGE=${IMAGE:-localhost/kubernaut/pgvector:pg17-trixie}
# ADAPTED: the seed ran go test in the service repository; here it is the example module.
MODULE_DIR=${MODULE_DIR:-$ROOT/examples}
# ADAPTED: the seed's recipe ran go test against the Go test cache; -count=1 makes every run execute.
export GOFLAGS=${GOFLAGS:--count=1}
export PATH=$PATH:/usr/local/go/bin
# ADAPTED: the example suite reads its connection from the environment (the seed's tests had
# localhost:5432 and postgres/postgres built in).
export DATABASE_URL=${DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable}

# ADAPTED: psql runs inside the container (the host may have no psql client), over TCP so that it
# talks to the real server and not to the entrypoint's temporary init server on the unix socket.
psql_c() {
	podman exec -e PGPASSWORD=postgres datastorage-postgres \
		psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAX -c "$1"
}

# Not in the seed: remove the container if this script is interrupted or fails before cleanup.
trap 'podman rm -f -v datastorage-postgres >/dev/null 2>&1 || true' INT TERM

echo "Starting PostgreSQL with pgvector..."
podman run -d --name datastorage-postgres -p 5432:5432 \
	-e POSTGRES_PASSWORD=postgres \
	"$IMAGE" > /dev/null 2>&1 || \
	(echo "PostgreSQL already running or failed to start" && exit 0)
echo "Waiting for PostgreSQL to be ready..."
sleep 5
podman exec datastorage-postgres pg_isready -U postgres || \
	{ echo "PostgreSQL not ready"; podman rm -f -v datastorage-postgres >/dev/null 2>&1; exit 1; }

# PARITY: server version, vector extension and HNSW checks (what the playbook's pgvector_ready does).
echo "Checking PostgreSQL and pgvector versions..."
server_version_num=$(psql_c "SHOW server_version_num") && [ "${server_version_num:-0}" -ge 150000 ] || \
	{ echo "PostgreSQL 15+ required, got ${server_version_num:-none}"; podman rm -f -v datastorage-postgres >/dev/null 2>&1; exit 1; }
vector_version=$(psql_c "CREATE EXTENSION IF NOT EXISTS vector; SELECT extversion FROM pg_extension WHERE extname = 'vector'") && \
	[ "$(printf '%s\n' 0.5.1 "$vector_version" | sort -V | head -n1)" = 0.5.1 ] || \
	{ echo "pgvector 0.5.1+ required, got ${vector_version:-none}"; podman rm -f -v datastorage-postgres >/dev/null 2>&1; exit 1; }
psql_c "BEGIN; CREATE TEMP TABLE hnsw_probe (v vector(3)); INSERT INTO hnsw_probe VALUES ('[1,2,3]'), ('[3,2,1]'), ('[1,1,1]'); CREATE INDEX ON hnsw_probe USING hnsw (v vector_l2_ops); ROLLBACK;" || \
	{ echo "HNSW indexes not supported"; podman rm -f -v datastorage-postgres >/dev/null 2>&1; exit 1; }
echo "PostgreSQL $server_version_num, pgvector $vector_version, HNSW ok"

echo "Running Data Storage integration tests..."
TEST_RESULT=0
(cd "$MODULE_DIR" && go test ./test/integration/datastorage/... -v -timeout 5m) || TEST_RESULT=$?
echo "Cleaning up PostgreSQL..."
podman stop datastorage-postgres > /dev/null 2>&1 || true
# ADAPTED: the seed's `podman rm` leaves the image's anonymous /var/lib/postgresql/data volume behind on
# every run (one more defect of the recipe); -v removes it so that the benchmark leaves nothing.
podman rm -v datastorage-postgres > /dev/null 2>&1 || true
exit "${TEST_RESULT:-0}"
