package registry

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAPIKeys(t *testing.T) { eachBackend(t, testAPIKeys) }

func testAPIKeys(t *testing.T, b backend) {
	clock := newFakeClock()
	s := b.open(t, Options{Now: clock.Now, KeyTouchInterval: time.Hour})
	secret, k, err := s.CreateKey("acme", RoleHRSystem, "workday sync")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "glk_") || len(secret) != secretLen || k.ID == "" || k.Tenant != "acme" || k.Role != RoleHRSystem {
		t.Fatalf("CreateKey = %q, %+v", secret, k)
	}
	if strings.Contains(k.Hash, secret) || !strings.HasPrefix(k.Hash, k.ID) {
		t.Errorf("hash %s / id %s", k.Hash, k.ID)
	}

	got, err := s.Authenticate(secret)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != k.ID || got.Tenant != "acme" || got.Role != RoleHRSystem || got.LastUsed == nil {
		t.Errorf("Authenticate = %+v", got)
	}
	firstUse := *got.LastUsed
	again, _ := s.Authenticate(secret)
	if !again.LastUsed.Equal(firstUse) {
		t.Errorf("last used rewritten within the touch interval: %v → %v", firstUse, *again.LastUsed)
	}

	for name, bad := range map[string]string{
		"empty":          "",
		"one char off":   secret[:len(secret)-1] + string(rune('A'+(secret[len(secret)-1]+1)%26)),
		"truncated":      secret[:len(secret)-1],
		"no prefix":      "xxx_" + secret[4:],
		"the hash":       k.Hash,
		"another secret": "glk_" + strings.Repeat("A", secretLen-4),
	} {
		if _, err := s.Authenticate(bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", name, err)
		}
	}

	secret2, k2, err := s.CreateKey("beta", RoleViewer, "")
	if err != nil {
		t.Fatal(err)
	}
	if secret2 == secret || k2.ID == k.ID {
		t.Fatal("two keys share a secret or an id")
	}
	keys, err := s.Keys("acme")
	if err != nil || len(keys) != 1 || keys[0].ID != k.ID {
		t.Errorf("Keys(acme) = %+v, %v", keys, err)
	}
	if all, _ := s.Keys(""); len(all) != 2 {
		t.Errorf("Keys(all) = %d keys, want 2", len(all))
	}

	if _, err := s.RevokeKey("beta", k.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking another tenant's key: err = %v, want ErrNotFound", err)
	}
	rk, err := s.RevokeKey("acme", k.ID)
	if err != nil || rk.Revoked == nil {
		t.Fatalf("RevokeKey = %+v, %v", rk, err)
	}
	if _, err := s.Authenticate(secret); !errors.Is(err, ErrRevoked) {
		t.Errorf("revoked key: err = %v, want ErrRevoked", err)
	}
	if rk2, err := s.RevokeKey("acme", strings.ToUpper(k.ID)); err != nil || !rk2.Revoked.Equal(*rk.Revoked) {
		t.Errorf("second revoke = %v, %v; want the first revocation time kept", rk2.Revoked, err)
	}
	if _, err := s.Authenticate(secret2); err != nil {
		t.Errorf("the other key stopped working: %v", err)
	}
	s.Close()
	if found := grepDir(t, b.dir(s), []byte(secret)); len(found) > 0 {
		t.Errorf("the secret is stored in %v", found)
	}
}

func TestAPIKeyLastUsedIsRefreshed(t *testing.T) { eachBackend(t, testAPIKeyLastUsedIsRefreshed) }

func testAPIKeyLastUsedIsRefreshed(t *testing.T, b backend) {
	clock := newFakeClock() // one second per call
	s := b.open(t, Options{Now: clock.Now, KeyTouchInterval: 3 * time.Second})
	secret, _, err := s.CreateKey("acme", RoleGM, "")
	if err != nil {
		t.Fatal(err)
	}
	var seen []time.Time
	for i := 0; i < 8; i++ {
		k, err := s.Authenticate(secret)
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) == 0 || !k.LastUsed.Equal(seen[len(seen)-1]) {
			seen = append(seen, *k.LastUsed)
		}
	}
	// Eight uses one second apart with a 3 s interval: written at uses 1, 4 and 7.
	if len(seen) != 3 {
		t.Errorf("last used written %d times (%v), want 3", len(seen), seen)
	}
}

func TestCreateKeyRejects(t *testing.T) { eachBackend(t, testCreateKeyRejects) }

func testCreateKeyRejects(t *testing.T, b backend) {
	s := b.open(t, Options{})
	tests := []struct{ name, tenant, role, label string }{
		{"unknown role", "acme", "root", ""},
		{"empty role", "acme", "", ""},
		{"bad tenant", "ac me", RoleAdmin, ""},
		{"long label", "acme", RoleAdmin, strings.Repeat("l", 129)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.CreateKey(tt.tenant, tt.role, tt.label)
			wantErr(t, err, ErrInvalid)
		})
	}
	if _, err := s.RevokeKey("acme", "nothex"); !errors.Is(err, ErrInvalid) {
		t.Errorf("revoke with a malformed id: err = %v, want ErrInvalid", err)
	}
}
