package ai

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// missingEnvMessage is what every test reports when the suite is run without
// the environment kubernaut.testinfra exports.
const missingEnvMessage = "REDIS_URL/REDIS_ADDR not set: run through kubernaut.testinfra " +
	"(make test-integration-ai), or export REDIS_URL=redis://[:password@]host:port/0"

var (
	// runID keeps keys of concurrent runs (and of parallel tests) apart.
	runID = newRunID()

	clientOnce sync.Once
	sharedRDB  *redis.Client
	clientErr  error
)

// redisOptionsFromEnv builds client options from REDIS_URL (preferred) or
// REDIS_ADDR + REDIS_PASSWORD, which is all kubernaut.testinfra exports.
func redisOptionsFromEnv() (*redis.Options, string, error) {
	if url := os.Getenv("REDIS_URL"); url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			return nil, "", fmt.Errorf("REDIS_URL is not a valid redis:// URL: %w", err)
		}
		return opts, "REDIS_URL", nil
	}
	if addr := os.Getenv("REDIS_ADDR"); addr != "" {
		return &redis.Options{Addr: addr, Password: os.Getenv("REDIS_PASSWORD")}, "REDIS_ADDR", nil
	}
	return nil, "", errors.New(missingEnvMessage)
}

// client returns the shared Redis client, failing the calling test with a
// clear message when the environment is missing or the server unreachable.
func client(t *testing.T) *redis.Client {
	t.Helper()
	clientOnce.Do(func() {
		opts, source, err := redisOptionsFromEnv()
		if err != nil {
			clientErr = err
			return
		}
		opts.DialTimeout = 5 * time.Second
		opts.ClientName = "testinfra-examples-ai"
		rdb := redis.NewClient(opts)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rdb.Ping(ctx).Err(); err != nil {
			_ = rdb.Close()
			clientErr = fmt.Errorf("cannot reach Redis at %s (from %s): %w", opts.Addr, source, err)
			return
		}
		sharedRDB = rdb
	})
	if clientErr != nil {
		t.Fatal(clientErr)
	}
	return sharedRDB
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedRDB != nil {
		_ = sharedRDB.Close()
	}
	os.Exit(code)
}

func newRunID() string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s-%d-%s", time.Now().UTC().Format("20060102T150405"), os.Getpid(), hex.EncodeToString(b))
}

var unsafeKeyChars = regexp.MustCompile(`[^A-Za-z0-9_/.-]`)

// keyPrefix returns a prefix unique to this run and this (sub)test, and
// deletes every key under it when the test ends.
func keyPrefix(t *testing.T, rdb *redis.Client) string {
	t.Helper()
	prefix := fmt.Sprintf("testinfra:examples:%s:%s:", runID, unsafeKeyChars.ReplaceAllString(t.Name(), "_"))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		keys, err := scanKeys(ctx, rdb, prefix)
		if err != nil {
			t.Errorf("cleanup: scanning %s*: %v", prefix, err)
			return
		}
		if len(keys) > 0 {
			if err := rdb.Unlink(ctx, keys...).Err(); err != nil {
				t.Errorf("cleanup: unlinking %d keys: %v", len(keys), err)
			}
		}
	})
	return prefix
}

// scanKeys lists the keys under prefix with SCAN (never KEYS).
func scanKeys(ctx context.Context, rdb *redis.Client, prefix string) ([]string, error) {
	var keys []string
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	return keys, iter.Err()
}

// testContext is a per-test deadline (t.Context needs Go 1.24).
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// infoField extracts "field:value" from an INFO reply.
func infoField(info, field string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}
