package datastorage

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EmbeddingDimension is the width of the embedding model the remediation
// audit store is built for.
const EmbeddingDimension = 384

// auditRecord is one row of the remediation audit trail.
type auditRecord struct {
	ID            int64
	RemediationID string
	ActionType    string
	Status        string
	Namespace     string
	Confidence    float64
	Metadata      map[string]any
	CreatedAt     time.Time
	Embedding     []float32
}

// auditStore is a cut-down remediation-audit repository: just enough of the
// real service's data layer to exercise PostgreSQL + pgvector end to end.
type auditStore struct {
	pool  *pgxpool.Pool
	table string // already quoted / schema-qualified
}

func (s *auditStore) createTable(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, fmt.Sprintf(`
CREATE TABLE %s (
    id             BIGSERIAL PRIMARY KEY,
    remediation_id TEXT        NOT NULL,
    action_type    TEXT        NOT NULL,
    status         TEXT        NOT NULL,
    namespace      TEXT        NOT NULL DEFAULT '',
    confidence     DOUBLE PRECISION,
    metadata       JSONB       NOT NULL DEFAULT '{}'::jsonb,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    embedding      vector(%d)
)`, s.table, EmbeddingDimension))
	return err
}

func (s *auditStore) dropTable(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, fmt.Sprintf(`DROP TABLE IF EXISTS %s`, s.table))
	return err
}

const insertColumns = `remediation_id, action_type, status, namespace, confidence, metadata, embedding`

// validate mirrors the service's guard against embeddings produced by the
// wrong model.
func validateEmbedding(e []float32) error {
	if len(e) != EmbeddingDimension {
		return fmt.Errorf("embedding dimension mismatch: expected %d, got %d", EmbeddingDimension, len(e))
	}
	return nil
}

// insert stores r and fills in its ID and CreatedAt.
func (s *auditStore) insert(ctx context.Context, r *auditRecord) error {
	if err := validateEmbedding(r.Embedding); err != nil {
		return err
	}
	return s.pool.QueryRow(ctx, fmt.Sprintf(
		`INSERT INTO %s (%s) VALUES ($1, $2, $3, $4, $5, $6, $7::vector) RETURNING id, created_at`,
		s.table, insertColumns),
		r.RemediationID, r.ActionType, r.Status, r.Namespace, r.Confidence, r.Metadata, vectorLiteral(r.Embedding),
	).Scan(&r.ID, &r.CreatedAt)
}

// insertBatch stores many records in one round trip and fills in their IDs.
func (s *auditStore) insertBatch(ctx context.Context, records []*auditRecord) error {
	batch := &pgx.Batch{}
	query := fmt.Sprintf(`INSERT INTO %s (%s) VALUES ($1, $2, $3, $4, $5, $6, $7::vector) RETURNING id, created_at`,
		s.table, insertColumns)
	for _, r := range records {
		if err := validateEmbedding(r.Embedding); err != nil {
			return err
		}
		batch.Queue(query, r.RemediationID, r.ActionType, r.Status, r.Namespace, r.Confidence, r.Metadata,
			vectorLiteral(r.Embedding)).
			QueryRow(func(row pgx.Row) error { return row.Scan(&r.ID, &r.CreatedAt) })
	}
	return s.pool.SendBatch(ctx, batch).Close()
}

// get loads one record by id.
func (s *auditStore) get(ctx context.Context, id int64) (*auditRecord, error) {
	r := &auditRecord{}
	var embedding *string
	err := s.pool.QueryRow(ctx, fmt.Sprintf(
		`SELECT id, remediation_id, action_type, status, namespace, confidence, metadata, created_at, embedding::text
		   FROM %s WHERE id = $1`, s.table), id,
	).Scan(&r.ID, &r.RemediationID, &r.ActionType, &r.Status, &r.Namespace, &r.Confidence, &r.Metadata,
		&r.CreatedAt, &embedding)
	if err != nil {
		return nil, err
	}
	if embedding != nil {
		if r.Embedding, err = parseVector(*embedding); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// neighbour is one similarity-search hit.
type neighbour struct {
	ID       int64
	Distance float64
}

// similarSQL is the query the service runs for "find similar remediations".
func (s *auditStore) similarSQL() string {
	return fmt.Sprintf(`SELECT id, embedding <=> $1::vector AS distance
	                      FROM %s ORDER BY embedding <=> $1::vector LIMIT $2`, s.table)
}

// similar returns the k nearest rows by cosine distance. It runs with
// enable_seqscan off, inside one transaction, so the HNSW index is the only
// sensible plan even on a table this small; explain is the same query's plan.
func (s *auditStore) similar(ctx context.Context, query []float32, k int) (hits []neighbour, plan string, err error) {
	if err := validateEmbedding(query); err != nil {
		return nil, "", err
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = tx.Rollback(ctx) }()

	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		return nil, "", err
	}
	lit := vectorLiteral(query)

	rows, err := tx.Query(ctx, `EXPLAIN `+s.similarSQL(), lit, k)
	if err != nil {
		return nil, "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, "", err
	}
	plan = strings.Join(lines, "\n")

	rows, err = tx.Query(ctx, s.similarSQL(), lit, k)
	if err != nil {
		return nil, plan, err
	}
	hits, err = pgx.CollectRows(rows, pgx.RowToStructByPos[neighbour])
	return hits, plan, err
}

// deterministicEmbedding returns a unit-length pseudo-random vector that
// depends only on seed (SplitMix64), so every run sees the same data.
func deterministicEmbedding(seed uint64, dim int) []float32 {
	state := seed*0x9E3779B97F4A7C15 + 1
	next := func() uint64 {
		state += 0x9E3779B97F4A7C15
		z := state
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
		z = (z ^ (z >> 27)) * 0x94D049BB133111EB
		return z ^ (z >> 31)
	}
	v := make([]float32, dim)
	var norm float64
	for i := range v {
		f := float64(next()>>11)/float64(1<<53)*2 - 1 // uniform in [-1, 1)
		v[i] = float32(f)
		norm += f * f
	}
	norm = math.Sqrt(norm)
	for i := range v {
		v[i] = float32(float64(v[i]) / norm)
	}
	return v
}

// vectorLiteral encodes v in pgvector's text format: [0.1,0.2,...].
func vectorLiteral(v []float32) string {
	var b strings.Builder
	b.Grow(len(v) * 12)
	b.WriteByte('[')
	for i, f := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(f), 'g', -1, 32))
	}
	b.WriteByte(']')
	return b.String()
}

// parseVector decodes pgvector's text format.
func parseVector(s string) ([]float32, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, fmt.Errorf("not a vector literal: %.40q", s)
	}
	inner := s[1 : len(s)-1]
	if inner == "" {
		return []float32{}, nil
	}
	parts := strings.Split(inner, ",")
	v := make([]float32, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil {
			return nil, fmt.Errorf("vector element %d: %w", i, err)
		}
		v[i] = float32(f)
	}
	return v, nil
}
