package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// responseCache is the cache-aside helper the AI service puts in front of
// its (slow, metered) LLM calls: read the cache, on a miss call the loader,
// store its answer with a TTL.
type responseCache struct {
	rdb    *redis.Client
	prefix string
	ttl    time.Duration
}

// analysis is the kind of value the AI service caches.
type analysis struct {
	Incident   string   `json:"incident"`
	RootCause  string   `json:"root_cause"`
	Confidence float64  `json:"confidence"`
	Actions    []string `json:"actions"`
}

// getOrLoad returns the cached value for key, or calls load, caches and
// returns its result. hit reports whether the cache answered. Loader errors
// are returned and never cached.
func (c *responseCache) getOrLoad(ctx context.Context, key string, load func(context.Context) (*analysis, error)) (v *analysis, hit bool, err error) {
	full := c.prefix + key
	raw, err := c.rdb.Get(ctx, full).Bytes()
	switch {
	case err == nil:
		v = &analysis{}
		if err := json.Unmarshal(raw, v); err != nil {
			return nil, false, fmt.Errorf("decoding cached %s: %w", full, err)
		}
		return v, true, nil
	case !errors.Is(err, redis.Nil):
		return nil, false, fmt.Errorf("reading %s: %w", full, err)
	}

	v, err = load(ctx)
	if err != nil {
		return nil, false, err
	}
	raw, err = json.Marshal(v)
	if err != nil {
		return nil, false, err
	}
	if err := c.rdb.Set(ctx, full, raw, c.ttl).Err(); err != nil {
		return nil, false, fmt.Errorf("writing %s: %w", full, err)
	}
	return v, false, nil
}
