package datastorage

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const bulkRows = 200

var _ = Describe("Remediation audit store", Ordered, Label("datastorage"), func() {
	var (
		store     *auditStore
		table     string
		indexName string
		bulk      []*auditRecord
	)

	BeforeAll(func(ctx SpecContext) {
		table = tableName("remediation_audit")
		indexName = table + "_embedding_hnsw"
		store = &auditStore{pool: pool, table: qualified(table)}
		GinkgoWriter.Printf("using table %s\n", store.table)

		Expect(store.createTable(ctx)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) {
			Expect(store.dropTable(ctx)).To(Succeed())
		})
	})

	It("creates the audit table in the run schema", func(ctx SpecContext) {
		var schema string
		Expect(pool.QueryRow(ctx,
			`SELECT table_schema FROM information_schema.tables WHERE table_name = $1`, table,
		).Scan(&schema)).To(Succeed())
		if runSchema != "" {
			Expect(schema).To(Equal(runSchema))
		} else {
			var current string
			Expect(pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&current)).To(Succeed())
			Expect(schema).To(Equal(current))
		}
	})

	Context("basic persistence", func() {
		It("round-trips metadata columns and JSONB", func(ctx SpecContext) {
			rec := &auditRecord{
				RemediationID: "rr-oomkill-payments-7f9c",
				ActionType:    "increase_memory_limit",
				Status:        "completed",
				Namespace:     "payments",
				Confidence:    0.92,
				Metadata: map[string]any{
					"cluster":  "prod-eu-1",
					"signal":   "OOMKilled",
					"replicas": float64(3),
					"labels":   map[string]any{"app": "checkout", "tier": "backend"},
					"steps":    []any{"analyze", "patch", "verify"},
				},
				Embedding: deterministicEmbedding(1_000_001, EmbeddingDimension),
			}
			Expect(store.insert(ctx, rec)).To(Succeed())
			Expect(rec.ID).To(BeNumerically(">", 0))
			Expect(rec.CreatedAt).NotTo(BeZero())

			got, err := store.get(ctx, rec.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.RemediationID).To(Equal(rec.RemediationID))
			Expect(got.ActionType).To(Equal(rec.ActionType))
			Expect(got.Status).To(Equal(rec.Status))
			Expect(got.Namespace).To(Equal(rec.Namespace))
			Expect(got.Confidence).To(BeNumerically("~", rec.Confidence, 1e-12))
			Expect(got.Metadata).To(Equal(rec.Metadata))
			Expect(got.CreatedAt).To(BeTemporally("==", rec.CreatedAt))
			Expect(got.Embedding).To(HaveLen(EmbeddingDimension))
			for i := range rec.Embedding {
				Expect(got.Embedding[i]).To(BeNumerically("~", rec.Embedding[i], 1e-6), "element %d", i)
			}
		})

		It("queries JSONB metadata with containment", func(ctx SpecContext) {
			var n int
			Expect(pool.QueryRow(ctx, fmt.Sprintf(
				`SELECT count(*) FROM %s WHERE metadata @> $1::jsonb AND metadata #>> '{labels,app}' = $2`, store.table),
				`{"cluster":"prod-eu-1","signal":"OOMKilled"}`, "checkout",
			).Scan(&n)).To(Succeed())
			Expect(n).To(Equal(1))
		})
	})

	Context("similarity search over embeddings", func() {
		It("stores 200 deterministic 384-dim embeddings in one batch", func(ctx SpecContext) {
			actions := []string{"restart_pod", "scale_deployment", "increase_memory_limit", "rollback", "drain_node"}
			bulk = make([]*auditRecord, bulkRows)
			for i := range bulk {
				bulk[i] = &auditRecord{
					RemediationID: fmt.Sprintf("rr-bulk-%03d", i),
					ActionType:    actions[i%len(actions)],
					Status:        "completed",
					Namespace:     fmt.Sprintf("ns-%d", i%7),
					Confidence:    float64(i%100) / 100,
					Metadata:      map[string]any{"seq": float64(i)},
					Embedding:     deterministicEmbedding(uint64(i), EmbeddingDimension),
				}
			}
			Expect(store.insertBatch(ctx, bulk)).To(Succeed())

			var n int
			Expect(pool.QueryRow(ctx, fmt.Sprintf(
				`SELECT count(*) FROM %s WHERE remediation_id LIKE 'rr-bulk-%%' AND vector_dims(embedding) = $1`,
				store.table), EmbeddingDimension).Scan(&n)).To(Succeed())
			Expect(n).To(Equal(bulkRows))
		})

		It("builds an HNSW index with vector_cosine_ops", func(ctx SpecContext) {
			_, err := pool.Exec(ctx, fmt.Sprintf(
				`CREATE INDEX %s ON %s USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)`,
				pgx.Identifier{indexName}.Sanitize(), store.table))
			Expect(err).NotTo(HaveOccurred())

			var def string
			Expect(pool.QueryRow(ctx,
				`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, indexName).Scan(&def)).To(Succeed())
			Expect(def).To(ContainSubstring("USING hnsw"))
			Expect(def).To(ContainSubstring("vector_cosine_ops"))
		})

		It("returns the row itself as the nearest neighbour", func(ctx SpecContext) {
			for _, i := range []int{0, 57, 123, bulkRows - 1} {
				hits, _, err := store.similar(ctx, bulk[i].Embedding, 5)
				Expect(err).NotTo(HaveOccurred())
				Expect(hits).To(HaveLen(5))
				Expect(hits[0].ID).To(Equal(bulk[i].ID), "nearest neighbour of row %d", i)
				Expect(hits[0].Distance).To(BeNumerically("<", 1e-5))
				for j := 1; j < len(hits); j++ {
					Expect(hits[j].Distance).To(BeNumerically(">=", hits[j-1].Distance), "results ordered by distance")
				}
			}
		})

		It("answers ORDER BY embedding <=> $1 LIMIT 5 from the HNSW index", func(ctx SpecContext) {
			_, plan, err := store.similar(ctx, bulk[42].Embedding, 5)
			Expect(err).NotTo(HaveOccurred())
			// Print the plan without the 384 query floats.
			GinkgoWriter.Println(strings.SplitN(plan, "Order By:", 2)[0])
			Expect(plan).To(ContainSubstring("Index Scan"))
			Expect(plan).To(ContainSubstring(indexName))
			Expect(strings.ToLower(plan)).NotTo(ContainSubstring("seq scan"))
		})
	})

	Context("when an embedding has the wrong dimension", func() {
		It("rejects a 3-dim embedding with an embedding dimension mismatch", func(ctx SpecContext) {
			rec := &auditRecord{
				RemediationID: "rr-wrong-model",
				ActionType:    "restart_pod",
				Status:        "pending",
				Metadata:      map[string]any{},
				Embedding:     []float32{0.1, 0.2, 0.3},
			}
			err := store.insert(ctx, rec)
			Expect(err).To(MatchError(ContainSubstring("embedding dimension mismatch")))
			Expect(err).To(MatchError(ContainSubstring("expected 384, got 3")))

			_, _, err = store.similar(ctx, rec.Embedding, 5)
			Expect(err).To(MatchError(ContainSubstring("embedding dimension mismatch")))
		})

		It("is refused by the vector(384) column as well", func(ctx SpecContext) {
			// Bypass the store's guard: the schema is the last line of defence.
			_, err := pool.Exec(ctx, fmt.Sprintf(
				`INSERT INTO %s (remediation_id, action_type, status, embedding) VALUES ($1, $2, $3, $4::vector)`,
				store.table), "rr-wrong-model", "restart_pod", "pending", "[0.1,0.2,0.3]")
			var pgErr *pgconn.PgError
			Expect(errors.As(err, &pgErr)).To(BeTrue(), "expected a PostgreSQL error, got %v", err)
			Expect(pgErr.Message).To(ContainSubstring("expected 384 dimensions, not 3"))

			var n int
			Expect(pool.QueryRow(ctx, fmt.Sprintf(
				`SELECT count(*) FROM %s WHERE remediation_id = 'rr-wrong-model'`, store.table)).Scan(&n)).To(Succeed())
			Expect(n).To(BeZero())
		})
	})
})
