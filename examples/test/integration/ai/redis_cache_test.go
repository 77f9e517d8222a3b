package ai

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisServerVersion(t *testing.T) {
	t.Parallel()
	rdb := client(t)
	ctx := testContext(t)

	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		t.Fatalf("INFO server: %v", err)
	}
	version := infoField(info, "redis_version")
	if version == "" {
		t.Fatalf("INFO server has no redis_version field:\n%s", info)
	}
	t.Logf("redis_version=%s redis_mode=%s", version, infoField(info, "redis_mode"))

	var parts [3]int
	for i, p := range strings.SplitN(version, ".", 3) {
		n, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("unparsable redis_version %q", version)
		}
		parts[i] = n
	}
	if parts[0] < 6 || (parts[0] == 6 && parts[1] < 2) {
		t.Fatalf("redis_version %s is older than 6.2 (needed for GETEX, GETDEL and SET ... GET)", version)
	}
}

func TestCacheRoundTrip(t *testing.T) {
	t.Parallel()
	rdb := client(t)
	ctx := testContext(t)
	prefix := keyPrefix(t, rdb)

	t.Run("string value", func(t *testing.T) {
		key := prefix + "greeting"
		if err := rdb.Set(ctx, key, "hello from testinfra", 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
		got, err := rdb.Get(ctx, key).Result()
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		if got != "hello from testinfra" {
			t.Fatalf("GET %s = %q, want %q", key, got, "hello from testinfra")
		}
	})

	t.Run("hash of fields", func(t *testing.T) {
		key := prefix + "incident:42"
		want := map[string]string{"signal": "OOMKilled", "namespace": "payments", "severity": "critical"}
		if err := rdb.HSet(ctx, key, want).Err(); err != nil {
			t.Fatalf("HSET: %v", err)
		}
		got, err := rdb.HGetAll(ctx, key).Result()
		if err != nil {
			t.Fatalf("HGETALL: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("HGETALL = %v, want %v", got, want)
		}
	})

	t.Run("missing key is redis.Nil", func(t *testing.T) {
		_, err := rdb.Get(ctx, prefix+"never-set").Result()
		if !errors.Is(err, redis.Nil) {
			t.Fatalf("GET of a missing key: err = %v, want redis.Nil", err)
		}
	})
}

func TestCacheTTLExpiry(t *testing.T) {
	t.Parallel()
	rdb := client(t)
	ctx := testContext(t)
	prefix := keyPrefix(t, rdb)

	t.Run("SET with PX", func(t *testing.T) {
		t.Parallel()
		key := prefix + "px"
		if err := rdb.Set(ctx, key, "short-lived", 150*time.Millisecond).Err(); err != nil {
			t.Fatalf("SET PX: %v", err)
		}
		expectPTTL(ctx, t, rdb, key, 150*time.Millisecond)
		waitUntilGone(ctx, t, rdb, key, 2*time.Second)
	})

	t.Run("PEXPIRE on an existing key", func(t *testing.T) {
		t.Parallel()
		key := prefix + "pexpire"
		if err := rdb.Set(ctx, key, "persistent until told otherwise", 0).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
		if ttl := rdb.PTTL(ctx, key).Val(); ttl != -1 {
			t.Fatalf("PTTL before PEXPIRE = %v, want -1 (no expiry)", ttl)
		}
		if ok, err := rdb.PExpire(ctx, key, 150*time.Millisecond).Result(); err != nil || !ok {
			t.Fatalf("PEXPIRE = %v, %v", ok, err)
		}
		expectPTTL(ctx, t, rdb, key, 150*time.Millisecond)
		waitUntilGone(ctx, t, rdb, key, 2*time.Second)
	})
}

// expectPTTL checks that key has a positive TTL no longer than limit.
func expectPTTL(ctx context.Context, t *testing.T, rdb *redis.Client, key string, limit time.Duration) {
	t.Helper()
	ttl, err := rdb.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatalf("PTTL: %v", err)
	}
	if ttl <= 0 || ttl > limit {
		t.Fatalf("PTTL %s = %v, want in (0, %v]", key, ttl, limit)
	}
}

// waitUntilGone polls until key has expired, failing after limit.
func waitUntilGone(ctx context.Context, t *testing.T, rdb *redis.Client, key string, limit time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		_, err := rdb.Get(ctx, key).Result()
		if errors.Is(err, redis.Nil) {
			t.Logf("%s expired after %v", key, time.Since(start).Round(time.Millisecond))
			return
		}
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		if time.Since(start) > limit {
			t.Fatalf("%s still present %v after its TTL", key, limit)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestCacheAside(t *testing.T) {
	t.Parallel()
	rdb := client(t)
	ctx := testContext(t)
	cache := &responseCache{rdb: rdb, prefix: keyPrefix(t, rdb), ttl: time.Minute}

	want := &analysis{
		Incident:   "payments/checkout OOMKilled",
		RootCause:  "memory limit below working set after release 2.14",
		Confidence: 0.87,
		Actions:    []string{"increase_memory_limit", "notify_owner"},
	}

	t.Run("loader runs once, then the cache answers", func(t *testing.T) {
		calls := 0
		load := func(context.Context) (*analysis, error) {
			calls++
			return want, nil
		}
		for i := 0; i < 3; i++ {
			got, hit, err := cache.getOrLoad(ctx, "analysis:payments-checkout", load)
			if err != nil {
				t.Fatalf("call %d: %v", i, err)
			}
			if wantHit := i > 0; hit != wantHit {
				t.Fatalf("call %d: hit = %v, want %v", i, hit, wantHit)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("call %d: got %+v, want %+v", i, got, want)
			}
		}
		if calls != 1 {
			t.Fatalf("loader called %d times, want 1", calls)
		}
		if ttl := rdb.TTL(ctx, cache.prefix+"analysis:payments-checkout").Val(); ttl <= 0 || ttl > time.Minute {
			t.Fatalf("cached entry TTL = %v, want in (0, 1m]", ttl)
		}
	})

	t.Run("loader errors are not cached", func(t *testing.T) {
		boom := errors.New("LLM backend unavailable")
		calls := 0
		failing := func(context.Context) (*analysis, error) { calls++; return nil, boom }

		for i := 0; i < 2; i++ {
			if _, _, err := cache.getOrLoad(ctx, "analysis:flaky", failing); !errors.Is(err, boom) {
				t.Fatalf("call %d: err = %v, want %v", i, err, boom)
			}
		}
		if calls != 2 {
			t.Fatalf("failing loader called %d times, want 2 (errors must not be cached)", calls)
		}
		if n := rdb.Exists(ctx, cache.prefix+"analysis:flaky").Val(); n != 0 {
			t.Fatalf("a failed load left a cache entry behind")
		}
	})
}

func TestPipeline(t *testing.T) {
	t.Parallel()
	rdb := client(t)
	ctx := testContext(t)
	prefix := keyPrefix(t, rdb)

	const n = 50
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < n; i++ {
			p.Set(ctx, fmt.Sprintf("%sembedding:%03d", prefix, i), fmt.Sprintf("vec-%d", i), time.Minute)
			p.Incr(ctx, prefix+"counter")
		}
		p.Expire(ctx, prefix+"counter", time.Minute)
		return nil
	})
	if err != nil {
		t.Fatalf("pipeline: %v", err)
	}
	if len(cmds) != 2*n+1 {
		t.Fatalf("pipeline returned %d results, want %d", len(cmds), 2*n+1)
	}
	if last := cmds[2*n-1].(*redis.IntCmd).Val(); last != n {
		t.Fatalf("last INCR in the pipeline = %d, want %d", last, n)
	}

	t.Run("MGET reads the batch back", func(t *testing.T) {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = fmt.Sprintf("%sembedding:%03d", prefix, i)
		}
		vals, err := rdb.MGet(ctx, keys...).Result()
		if err != nil {
			t.Fatalf("MGET: %v", err)
		}
		for i, v := range vals {
			if v != fmt.Sprintf("vec-%d", i) {
				t.Fatalf("MGET[%d] = %v, want vec-%d", i, v, i)
			}
		}
	})

	t.Run("MULTI/EXEC transaction pipeline", func(t *testing.T) {
		key := prefix + "tx"
		var incr *redis.IntCmd
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, key, 10, time.Minute)
			incr = p.IncrBy(ctx, key, 5)
			return nil
		})
		if err != nil {
			t.Fatalf("TxPipelined: %v", err)
		}
		if incr.Val() != 15 {
			t.Fatalf("INCRBY inside MULTI = %d, want 15", incr.Val())
		}
	})
}

func TestKeyIsolation(t *testing.T) {
	t.Parallel()
	rdb := client(t)
	ctx := testContext(t)

	// Two "runs" write the same logical key under their own prefixes.
	var prefixes [2]string
	for i := range prefixes {
		t.Run(fmt.Sprintf("writer-%d", i), func(t *testing.T) {
			prefixes[i] = keyPrefix(t, rdb)
			for _, k := range []string{"session", "analysis:a", "analysis:b"} {
				if err := rdb.Set(ctx, prefixes[i]+k, fmt.Sprintf("owner-%d", i), time.Minute).Err(); err != nil {
					t.Fatalf("SET: %v", err)
				}
			}
			keys, err := scanKeys(ctx, rdb, prefixes[i])
			if err != nil {
				t.Fatalf("SCAN: %v", err)
			}
			if len(keys) != 3 {
				t.Fatalf("SCAN %s* found %d keys, want 3: %v", prefixes[i], len(keys), keys)
			}
			for _, k := range keys {
				if v := rdb.Get(ctx, k).Val(); v != fmt.Sprintf("owner-%d", i) {
					t.Fatalf("%s = %q, owned by another writer", k, v)
				}
			}
		})
	}

	if prefixes[0] == prefixes[1] {
		t.Fatalf("writers shared the prefix %q", prefixes[0])
	}
	for _, p := range prefixes {
		if !strings.Contains(p, runID) {
			t.Fatalf("prefix %q does not carry the run id %q", p, runID)
		}
	}
	// Each subtest's cleanup has already removed its keys.
	for i, p := range prefixes {
		if keys, _ := scanKeys(ctx, rdb, p); len(keys) != 0 {
			t.Fatalf("writer-%d left %d keys behind after cleanup", i, len(keys))
		}
	}
}
