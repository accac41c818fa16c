package registry

import (
	"errors"
	"testing"
	"time"
)

// TestKeyExpiry is defect 13: API keys never expired. A key created with an expiry stops
// authenticating at that time (ErrExpired), and rotation makes a new key of the same tenant,
// role and label while the old one expires after a grace period.
func TestKeyExpiry(t *testing.T) {
	clock := newFakeClock()
	s := openStore(t, Options{Now: clock.Now})
	now := clock.Now()
	secret, k, err := s.CreateKeyWith("acme", RoleViewer, "dash", KeyOptions{Expires: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if k.Expires == nil || !k.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("expires %v, want %v", k.Expires, now.Add(time.Hour))
	}
	if _, err := s.Authenticate(secret); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	clock.Set(now.Add(2 * time.Hour))
	if _, err := s.Authenticate(secret); !errors.Is(err, ErrExpired) {
		t.Fatalf("after expiry: err = %v, want ErrExpired", err)
	}
	if _, _, err := s.CreateKeyWith("acme", RoleViewer, "", KeyOptions{Expires: now}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a key expiring in the past: %v, want ErrInvalid", err)
	}

	// Rotation.
	now = clock.Now()
	old, ok, err := s.CreateKey("acme", RoleGM, "review")
	if err != nil {
		t.Fatal(err)
	}
	newSecret, nk, err := s.RotateKey("acme", ok.ID, 10*time.Minute, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if nk.ID == ok.ID || nk.Role != RoleGM || nk.Label != "review" || nk.Tenant != "acme" {
		t.Errorf("rotated key %+v", nk)
	}
	if _, err := s.Authenticate(old); err != nil {
		t.Errorf("old key within the grace period: %v", err)
	}
	clock.Set(now.Add(11 * time.Minute))
	if _, err := s.Authenticate(old); !errors.Is(err, ErrExpired) {
		t.Errorf("old key after the grace period: %v, want ErrExpired", err)
	}
	if _, err := s.Authenticate(newSecret); err != nil {
		t.Errorf("new key: %v", err)
	}
}

// Set moves the clock to t (the next Now returns t).
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t.Add(-time.Second)
}
