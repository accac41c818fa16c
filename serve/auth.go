package serve

import (
	"crypto/sha256"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/growthlens/growthlens/models/registry"
)

// A permission is a class of things a request does. Each route needs one (routes.go); the
// role table below says which roles hold it.
type permission string

const (
	permPublic      permission = ""             // health, readiness, metrics, the OpenAPI document
	permRead        permission = "read"         // forecasts, scopes, drivers, what-if, root causes, indicators, alerts
	permPeople      permission = "people"       // incentive recommendations and allocations: personal data
	permActuals     permission = "actuals"      // post period-to-date actuals (updates alerts)
	permUpload      permission = "upload"       // upload data tables, list the tenant's tables
	permTrain       permission = "train"        // start training runs and read their status and records
	permModelsRead  permission = "models.read"  // list and show model versions and aliases
	permModelsWrite permission = "models.write" // promote and roll back
	permAudit       permission = "audit"        // read the audit log
	permGoals       permission = "goals"        // set goals, forecast adjustments, the tenant's catalogue and alert subscriptions
	permAlerts      permission = "alerts"       // acknowledge and mute alerts
)

// rolePermissions is the permission table: what each role may do. A viewer reads the
// company's forecasts and diagnostics but no one's personal recommendations; an HR system
// feeds data and asks for recommendations; a GM reads everything about the business and its
// people; a trainer manages data, training and models; an admin may do everything,
// including reading the audit log.
var rolePermissions = map[string][]permission{
	registry.RoleViewer:   {permRead, permModelsRead},
	registry.RoleGM:       {permRead, permPeople, permModelsRead, permGoals, permAlerts},
	registry.RoleHRSystem: {permRead, permPeople, permActuals, permUpload, permModelsRead, permAlerts},
	registry.RoleTrainer:  {permRead, permActuals, permUpload, permTrain, permModelsRead, permModelsWrite, permAlerts},
	registry.RoleAdmin:    {permRead, permPeople, permActuals, permUpload, permTrain, permModelsRead, permModelsWrite, permAudit, permGoals, permAlerts},
}

// allowed reports whether role holds p.
func allowed(role string, p permission) bool {
	return p == permPublic || slices.Contains(rolePermissions[role], p)
}

// rolesWith lists the roles holding p, in registry.Roles order.
func rolesWith(p permission) []string {
	var out []string
	for _, r := range registry.Roles {
		if allowed(r, p) {
			out = append(out, r)
		}
	}
	return out
}

// bearer extracts the secret from an "Authorization: Bearer <secret>" header.
func bearer(header string) (string, bool) {
	scheme, secret, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	secret = strings.TrimSpace(secret)
	return secret, secret != ""
}

// keyCache remembers authenticated keys for a while, so that a request costs one SHA-256
// and a map lookup instead of a store read. It is keyed by the secret's hash, never the
// secret. Revocations made through this server drop the key at once (forget); nothing else
// can change a key while the server holds the store.
type keyCache struct {
	ttl time.Duration
	now func() time.Time

	mu sync.RWMutex
	m  map[[32]byte]cachedKey
}

type cachedKey struct {
	key     registry.APIKey
	expires time.Time
}

// maxCachedKeys bounds the cache; when full it is emptied (keys are few; this only stops a
// flood of distinct valid keys from growing it without bound).
const maxCachedKeys = 10_000

func newKeyCache(ttl time.Duration) *keyCache {
	return &keyCache{ttl: ttl, now: time.Now, m: map[[32]byte]cachedKey{}}
}

// authenticate returns the key for a secret, from the cache or the store. An unknown,
// malformed, revoked or expired secret is EUnauthenticated with one message for all, so that
// the answer says nothing about which. For a revoked or expired key it also returns the key
// (refused: true), for the audit log only: the attempt is then recorded under its tenant.
func (kc *keyCache) authenticate(store registry.Store, secret string) (registry.APIKey, error) {
	h := sha256.Sum256([]byte(secret))
	now := kc.now()
	if kc.ttl > 0 {
		kc.mu.RLock()
		ck, ok := kc.m[h]
		kc.mu.RUnlock()
		if ok && now.Before(ck.expires) && (ck.key.Expires == nil || now.Before(*ck.key.Expires)) {
			return ck.key, nil
		}
	}
	k, err := store.Authenticate(secret)
	if err != nil {
		switch {
		case errors.Is(err, registry.ErrRevoked) || errors.Is(err, registry.ErrExpired):
			k.Hash = ""
			return k, &Error{Code: EUnauthenticated, Field: "Authorization", Message: "invalid API key", Err: err}
		case errors.Is(err, registry.ErrNotFound):
			return registry.APIKey{}, errorf(EUnauthenticated, "Authorization", "invalid API key")
		}
		return registry.APIKey{}, err
	}
	k.Hash = ""
	if kc.ttl > 0 {
		kc.mu.Lock()
		if len(kc.m) >= maxCachedKeys {
			clear(kc.m)
		}
		kc.m[h] = cachedKey{key: k, expires: now.Add(kc.ttl)}
		kc.mu.Unlock()
	}
	return k, nil
}

// forget drops a key from the cache (after it was revoked).
func (kc *keyCache) forget(id string) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	for h, ck := range kc.m {
		if ck.key.ID == id {
			delete(kc.m, h)
		}
	}
}

// limiter is a token bucket per API key: rate tokens per second up to burst. A request takes
// one token; with none left it is refused with the time until the next token.
type limiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: time.Now, buckets: map[string]*bucket{}}
}

// allow takes a token for key and reports whether there was one; when not, it also returns
// how long until there will be.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: l.now()}
		l.buckets[key] = b
	}
	l.mu.Unlock()

	b.mu.Lock()
	defer b.mu.Unlock()
	now := l.now()
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = math.Min(l.burst, b.tokens+dt*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// retryAfter formats a wait as whole seconds for the Retry-After header (at least 1).
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
