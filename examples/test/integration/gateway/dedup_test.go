package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// signal is an alert as it reaches the Gateway.
type signal struct {
	AlertName string
	Namespace string
	Kind      string
	Name      string
	Severity  string
}

// fingerprint identifies "the same problem on the same resource": severity
// is left out, so an alert that escalates is still a duplicate.
func (s signal) fingerprint() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{s.AlertName, s.Namespace, s.Kind, s.Name}, "\x00")))
	return hex.EncodeToString(sum[:])
}

// deduplicator remembers fingerprints in Redis for a window: the first
// SET NX of a fingerprint wins, every other one within the TTL is a duplicate,
// also across Gateway replicas sharing the Redis.
type deduplicator struct {
	rdb    *redis.Client
	prefix string
	window time.Duration
}

// accept reports whether fp is new (true) or a duplicate within the window.
func (d *deduplicator) accept(ctx context.Context, fp string) (bool, error) {
	ok, err := d.rdb.SetNX(ctx, d.prefix+"dedup:"+fp, time.Now().UTC().Format(time.RFC3339Nano), d.window).Result()
	if err != nil {
		return false, fmt.Errorf("SET NX %sdedup:%s: %w", d.prefix, fp, err)
	}
	return ok, nil
}

func TestSignalFingerprint(t *testing.T) {
	t.Parallel()
	base := signal{AlertName: "KubePodCrashLooping", Namespace: "payments", Kind: "Pod", Name: "checkout-0", Severity: "warning"}

	if a, b := base.fingerprint(), base.fingerprint(); a != b || len(a) != 64 {
		t.Fatalf("fingerprint is not a stable hex SHA-256: %q, %q", a, b)
	}
	escalated := base
	escalated.Severity = "critical"
	if base.fingerprint() != escalated.fingerprint() {
		t.Fatalf("a severity change made a new fingerprint; it must stay a duplicate")
	}
	for _, change := range []func(*signal){
		func(s *signal) { s.AlertName = "KubePodNotReady" },
		func(s *signal) { s.Namespace = "billing" },
		func(s *signal) { s.Kind = "Deployment" },
		func(s *signal) { s.Name = "checkout-1" },
	} {
		other := base
		change(&other)
		if other.fingerprint() == base.fingerprint() {
			t.Fatalf("%+v and %+v share a fingerprint", base, other)
		}
	}
	// Fields are separated, so shifting text between them changes the hash.
	a := signal{AlertName: "ab", Namespace: "c"}
	b := signal{AlertName: "a", Namespace: "bc"}
	if a.fingerprint() == b.fingerprint() {
		t.Fatalf("fingerprint does not separate its fields")
	}
}

func TestDedupAcceptsOnce(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	ctx := testContext(t)
	d := &deduplicator{rdb: rdb, prefix: keyPrefix(t, rdb), window: 5 * time.Minute}

	sig := signal{AlertName: "KubePodOOMKilled", Namespace: "payments", Kind: "Pod", Name: "checkout-0", Severity: "critical"}
	fp := sig.fingerprint()

	if ok, err := d.accept(ctx, fp); err != nil || !ok {
		t.Fatalf("first signal: accepted=%v err=%v, want accepted", ok, err)
	}
	ttl, err := rdb.PTTL(ctx, d.prefix+"dedup:"+fp).Result()
	if err != nil {
		t.Fatalf("PTTL: %v", err)
	}
	if ttl <= 0 || ttl > d.window {
		t.Fatalf("dedup key TTL = %v, want in (0, %v]: without a TTL a signal would be muted forever", ttl, d.window)
	}
	for i := 0; i < 3; i++ {
		if ok, err := d.accept(ctx, fp); err != nil || ok {
			t.Fatalf("duplicate %d: accepted=%v err=%v, want rejected", i+1, ok, err)
		}
	}

	other := sig
	other.Name = "checkout-1"
	if ok, err := d.accept(ctx, other.fingerprint()); err != nil || !ok {
		t.Fatalf("a signal about another Pod: accepted=%v err=%v, want accepted", ok, err)
	}
}

func TestDedupWindowExpires(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	ctx := testContext(t)
	d := &deduplicator{rdb: rdb, prefix: keyPrefix(t, rdb), window: 200 * time.Millisecond}
	fp := signal{AlertName: "NodeDiskPressure", Kind: "Node", Name: "worker-1"}.fingerprint()

	if ok, err := d.accept(ctx, fp); err != nil || !ok {
		t.Fatalf("first signal: accepted=%v err=%v", ok, err)
	}
	if ok, err := d.accept(ctx, fp); err != nil || ok {
		t.Fatalf("duplicate inside the window: accepted=%v err=%v, want rejected", ok, err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, err := rdb.Get(ctx, d.prefix+"dedup:"+fp).Result()
		if errors.Is(err, redis.Nil) {
			break
		}
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("dedup key still present 3s after a %v window", d.window)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if ok, err := d.accept(ctx, fp); err != nil || !ok {
		t.Fatalf("same signal after the window: accepted=%v err=%v, want accepted again", ok, err)
	}
}

// TestDedupAcrossReplicas: Gateway replicas racing on the same signal (each
// with its own connection) let exactly one through.
func TestDedupAcrossReplicas(t *testing.T) {
	t.Parallel()
	rdb := redisClient(t)
	ctx := testContext(t)
	prefix := keyPrefix(t, rdb)
	fp := signal{AlertName: "KubeDeploymentReplicasMismatch", Namespace: "payments", Kind: "Deployment", Name: "checkout"}.fingerprint()

	const replicas = 16
	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		accepted = make(chan int, replicas)
		errs     = make(chan error, replicas)
	)
	for i := 0; i < replicas; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conn := rdb.Conn() // one connection per "replica"
			defer conn.Close()
			<-start
			ok, err := conn.SetNX(ctx, prefix+"dedup:"+fp, fmt.Sprintf("replica-%d", i), time.Minute).Result()
			if err != nil {
				errs <- err
				return
			}
			if ok {
				accepted <- i
			}
		}(i)
	}
	close(start)
	wg.Wait()
	close(accepted)
	close(errs)
	for err := range errs {
		t.Fatalf("SET NX: %v", err)
	}
	var winners []int
	for i := range accepted {
		winners = append(winners, i)
	}
	if len(winners) != 1 {
		t.Fatalf("%d of %d replicas accepted the same signal (%v), want exactly 1", len(winners), replicas, winners)
	}
	if owner := rdb.Get(ctx, prefix+"dedup:"+fp).Val(); owner != fmt.Sprintf("replica-%d", winners[0]) {
		t.Fatalf("dedup key holds %q, but replica-%d won", owner, winners[0])
	}
}
