package datastorage

import (
	"fmt"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// minPgvector is the oldest pgvector the data-storage service supports
// (HNSW with vector_cosine_ops and the <=> operator, fixed in 0.5.1).
var minPgvector = [3]int{0, 5, 1}

var _ = Describe("PostgreSQL server", Label("datastorage", "pgvector"), func() {
	Context("pgvector extension", func() {
		It("is installed at version >= 0.5.1", func(ctx SpecContext) {
			var version string
			Expect(pool.QueryRow(ctx,
				`SELECT extversion FROM pg_extension WHERE extname = 'vector'`).Scan(&version)).To(Succeed())
			GinkgoWriter.Printf("pgvector %s\n", version)

			parsed, err := parseVersion(version)
			Expect(err).NotTo(HaveOccurred())
			Expect(compareVersions(parsed, minPgvector)).To(BeNumerically(">=", 0),
				"pgvector %s is older than %d.%d.%d", version, minPgvector[0], minPgvector[1], minPgvector[2])
		})
	})
})

// parseVersion turns "0.8.0" (or "0.5") into [0 8 0].
func parseVersion(v string) ([3]int, error) {
	var out [3]int
	parts := strings.SplitN(v, ".", 3)
	for i, p := range parts {
		// Ignore pre-release suffixes such as "0.8.0-dev".
		p = strings.SplitN(p, "-", 2)[0]
		n, err := strconv.Atoi(p)
		if err != nil {
			return out, fmt.Errorf("unparsable version %q: %w", v, err)
		}
		out[i] = n
	}
	return out, nil
}

func compareVersions(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
