package datastorage

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// missingEnvMessage is what the suite reports when it is run without the
// environment kubernaut.testinfra exports.
const missingEnvMessage = "DATABASE_URL/PGHOST not set: run through kubernaut.testinfra " +
	"(make test-integration-datastorage), or export DATABASE_URL=postgres://user:pass@host:port/db"

var (
	// pool is shared by every spec in the suite.
	pool *pgxpool.Pool
	// runSchema is TESTINFRA_PG_SCHEMA: the per-run schema the collection
	// created for us, or "" to use the connection's default search_path.
	runSchema string
	// runID makes table names unique so concurrent runs never collide.
	runID string
)

func TestDataStorageIntegration(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "DataStorage Integration Suite")
}

var _ = BeforeSuite(func(ctx SpecContext) {
	// pgx reads DATABASE_URL's fields first and falls back to the libpq
	// environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGOPTIONS,
	// PGSSLMODE, ...) for anything the URL leaves out; an empty string means
	// "libpq environment only".
	connString := os.Getenv("DATABASE_URL")
	if connString == "" && os.Getenv("PGHOST") == "" {
		Fail(missingEnvMessage)
	}
	runSchema = os.Getenv("TESTINFRA_PG_SCHEMA")
	runID = newRunID()

	cfg, err := pgxpool.ParseConfig(connString)
	Expect(err).NotTo(HaveOccurred(), "parsing DATABASE_URL / PG* environment")
	cfg.MaxConns = 4
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "testinfra-examples-datastorage"
	}

	pool, err = pgxpool.NewWithConfig(ctx, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(pool.Close)

	Expect(pool.Ping(ctx)).To(Succeed(), "connecting to PostgreSQL at %s:%d (database %q, user %q)",
		cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, cfg.ConnConfig.User)

	if runSchema != "" {
		var exists bool
		Expect(pool.QueryRow(ctx,
			`SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, runSchema).Scan(&exists)).To(Succeed())
		Expect(exists).To(BeTrue(), "TESTINFRA_PG_SCHEMA=%q does not exist in the database", runSchema)
	}

	// kubernaut.testinfra installs pgvector; create it ourselves only when it
	// is missing (e.g. a hand-started server) and say clearly when we cannot.
	var installed bool
	Expect(pool.QueryRow(ctx,
		`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')`).Scan(&installed)).To(Succeed())
	if !installed {
		_, err := pool.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS vector`)
		Expect(err).NotTo(HaveOccurred(),
			"the pgvector extension is not installed in this database and could not be created")
	}
}, NodeTimeout(30*time.Second))

// newRunID returns a short id that is unique per run: a time prefix keeps
// leftovers sortable, the random part keeps parallel runs apart.
func newRunID() string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s_%s", time.Now().UTC().Format("150405"), hex.EncodeToString(b))
}

// qualified returns the identifier for name in the run schema (when the
// collection gave us one), quoted for safe use in SQL text.
func qualified(name string) string {
	if runSchema != "" {
		return pgx.Identifier{runSchema, name}.Sanitize()
	}
	return pgx.Identifier{name}.Sanitize()
}

// tableName returns a unique, lower-case table name for this run.
func tableName(base string) string {
	return strings.ToLower(base + "_" + runID)
}
