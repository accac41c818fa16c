package registry

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Roles an API key can carry. What each may do is the server's permission table.
const (
	RoleAdmin    = "admin"
	RoleTrainer  = "trainer"
	RoleHRSystem = "hr_system"
	RoleGM       = "gm"
	RoleViewer   = "viewer"
)

// Roles lists every valid role.
var Roles = []string{RoleAdmin, RoleTrainer, RoleHRSystem, RoleGM, RoleViewer}

// ValidRole reports whether r is one of Roles.
func ValidRole(r string) bool { return slices.Contains(Roles, r) }

// A secret is secretPrefix followed by 32 random bytes in unpadded URL-safe base64.
const (
	secretPrefix = "glk_"
	secretBytes  = 32
	secretLen    = len(secretPrefix) + (secretBytes*8+5)/6
	keyIDLen     = 16 // hex digits of the secret's SHA-256 that name the key
)

// APIKey is what the store keeps about an API key: never the secret, only its SHA-256. A
// 256-bit random secret needs no salt or slow hash: nobody can guess it, so its hash cannot
// be searched for it either.
type APIKey struct {
	// ID names the key in lists, logs and the audit log: the first 16 hex digits of the
	// secret's SHA-256. It reveals nothing usable about the secret.
	ID       string     `json:"id"`
	Tenant   string     `json:"tenant"`
	Role     string     `json:"role"`
	Label    string     `json:"label,omitempty"`
	Created  time.Time  `json:"created"`
	LastUsed *time.Time `json:"last_used,omitempty"`
	Revoked  *time.Time `json:"revoked,omitempty"`
	// Expires, when set, is when the key stops authenticating (ErrExpired).
	Expires *time.Time `json:"expires,omitempty"`
	Hash    string     `json:"hash,omitempty"` // hex SHA-256 of the secret
}

// KeyOptions are the optional settings of a new key.
type KeyOptions struct {
	// Expires, when not zero, is when the key stops authenticating; it must be in the future.
	Expires time.Time
}

// CreateKey makes a new API key for a tenant and role that does not expire; see CreateKeyWith.
func (s *Store) CreateKey(tenant, role, label string) (string, APIKey, error) {
	return s.CreateKeyWith(tenant, role, label, KeyOptions{})
}

// CreateKeyWith makes a new API key for a tenant and role and returns its secret, which is
// shown this once and never stored. label is a free note (at most 128 bytes), e.g. which
// system uses the key. An expiry in the past is ErrInvalid.
func (s *Store) CreateKeyWith(tenant, role, label string, opt KeyOptions) (string, APIKey, error) {
	if err := validName("tenant", tenant); err != nil {
		return "", APIKey{}, err
	}
	if !ValidRole(role) {
		return "", APIKey{}, invalidf("role %q: want one of %s", role, strings.Join(Roles, ", "))
	}
	if len(label) > 128 {
		return "", APIKey{}, invalidf("key label is longer than 128 bytes")
	}
	var raw [secretBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", APIKey{}, fmt.Errorf("create key: %w", err)
	}
	secret := secretPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	sum := sha256.Sum256([]byte(secret))
	hash := hex.EncodeToString(sum[:])
	k := APIKey{ID: hash[:keyIDLen], Tenant: tenant, Role: role, Label: label, Created: s.now().UTC(), Hash: hash}
	if !opt.Expires.IsZero() {
		if !opt.Expires.After(k.Created) {
			return "", APIKey{}, invalidf("key expiry %s is not in the future", opt.Expires.UTC().Format(time.RFC3339))
		}
		e := opt.Expires.UTC()
		k.Expires = &e
	}
	err := s.update(func(txn *badger.Txn) error {
		// Two keys sharing a 64-bit id prefix would make revoke-by-id ambiguous; with random
		// secrets it does not happen, but it costs one seek to be sure.
		if _, err := findKey(txn, k.ID); err == nil {
			return fmt.Errorf("key id %s already exists; try again", k.ID)
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		return setJSON(txn, []byte(apiKeyPrefix+hash), k)
	})
	if err != nil {
		return "", APIKey{}, fmt.Errorf("create key: %w", err)
	}
	return secret, k, nil
}

// Authenticate returns the key whose secret was presented. The secret is hashed before it
// is looked up, and the stored hash is compared in constant time, so the time taken tells
// nothing about how much of a guess was right. It returns ErrNotFound for an unknown (or
// malformed) secret, and ErrRevoked or ErrExpired for a revoked or expired key together with
// that key's record (its id, tenant and role, without the hash), so that the refused attempt
// can be audited under its tenant; callers answer all three with the same 401.
// LastUsed is written when it is older than Options.KeyTouchInterval.
func (s *Store) Authenticate(secret string) (APIKey, error) {
	if len(secret) != secretLen || !strings.HasPrefix(secret, secretPrefix) {
		return APIKey{}, fmt.Errorf("api key: %w", ErrNotFound)
	}
	sum := sha256.Sum256([]byte(secret))
	hash := hex.EncodeToString(sum[:])
	key := []byte(apiKeyPrefix + hash)
	var k APIKey
	err := s.db.View(func(txn *badger.Txn) error { return getJSON(txn, key, &k) })
	if err != nil {
		return APIKey{}, fmt.Errorf("api key: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(k.Hash), []byte(hash)) != 1 {
		return APIKey{}, fmt.Errorf("%w: api key record %s holds another hash", ErrCorrupt, k.ID)
	}
	if k.Revoked != nil {
		k.Hash = ""
		return k, fmt.Errorf("api key %s: %w", k.ID, ErrRevoked)
	}
	now := s.now().UTC()
	if k.Expires != nil && !now.Before(*k.Expires) {
		k.Hash = ""
		return k, fmt.Errorf("api key %s: %w at %s", k.ID, ErrExpired, k.Expires.Format(time.RFC3339))
	}
	if k.LastUsed == nil || now.Sub(*k.LastUsed) >= s.touchEvery {
		k.LastUsed = &now
		err := s.update(func(txn *badger.Txn) error {
			var cur APIKey
			if err := getJSON(txn, key, &cur); err != nil {
				return err
			}
			if cur.Revoked != nil {
				return nil // revoked meanwhile; leave it as it is
			}
			cur.LastUsed = &now
			return setJSON(txn, key, cur)
		})
		if err != nil {
			// Failing to note the time of use must not lock the caller out.
			s.log.Warn("api key last-used not recorded", "key", k.ID, "err", err)
		}
	}
	return k, nil
}

// Keys lists the API keys of a tenant (all tenants if tenant is empty), oldest first,
// revoked ones included.
func (s *Store) Keys(tenant string) ([]APIKey, error) {
	if tenant != "" {
		if err := validName("tenant", tenant); err != nil {
			return nil, err
		}
	}
	out := []APIKey{}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(apiKeyPrefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var k APIKey
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &k) }); err != nil {
				return fmt.Errorf("%w: api key record: %v", ErrCorrupt, err)
			}
			if tenant == "" || k.Tenant == tenant {
				out = append(out, k)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	slices.SortFunc(out, func(a, b APIKey) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RevokeKey revokes the key with the given id in the given tenant. A key of another tenant is
// ErrNotFound, as if it did not exist. Revoking twice is not an error; the first time is kept.
func (s *Store) RevokeKey(tenant, id string) (APIKey, error) {
	if err := validName("tenant", tenant); err != nil {
		return APIKey{}, err
	}
	if len(id) != keyIDLen || !isHex(id) {
		return APIKey{}, invalidf("key id %q: want %d hex digits", id, keyIDLen)
	}
	var k APIKey
	err := s.update(func(txn *badger.Txn) error {
		var err error
		if k, err = findKey(txn, strings.ToLower(id)); err != nil {
			return err
		}
		if k.Tenant != tenant {
			return ErrNotFound
		}
		if k.Revoked == nil {
			now := s.now().UTC()
			k.Revoked = &now
		}
		return setJSON(txn, []byte(apiKeyPrefix+k.Hash), k)
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("revoke key %s of %s: %w", id, tenant, err)
	}
	return k, nil
}

func findKey(txn *badger.Txn, id string) (APIKey, error) {
	prefix := []byte(apiKeyPrefix + id)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	it.Rewind()
	if !it.Valid() {
		return APIKey{}, ErrNotFound
	}
	var k APIKey
	err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &k) })
	if err != nil {
		return APIKey{}, fmt.Errorf("%w: api key record: %v", ErrCorrupt, err)
	}
	return k, nil
}

// RotateKey replaces the key id of a tenant: it makes a new key of the same role and label
// (expiring at expires, or never when zero) and sets the old key to expire after grace (at
// once when grace ≤ 0; an earlier expiry is kept), so that its users can move to the new
// secret in the meantime. It returns the new key and its secret.
func (s *Store) RotateKey(tenant, id string, grace time.Duration, expires time.Time) (string, APIKey, error) {
	if err := validName("tenant", tenant); err != nil {
		return "", APIKey{}, err
	}
	if len(id) != keyIDLen || !isHex(id) {
		return "", APIKey{}, invalidf("key id %q: want %d hex digits", id, keyIDLen)
	}
	var old APIKey
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		old, err = findKey(txn, strings.ToLower(id))
		return err
	})
	if err == nil && old.Tenant != tenant {
		err = ErrNotFound
	}
	if err == nil && old.Revoked != nil {
		err = fmt.Errorf("key %s: %w", id, ErrRevoked)
	}
	if err != nil {
		return "", APIKey{}, fmt.Errorf("rotate key %s of %s: %w", id, tenant, err)
	}
	secret, nk, err := s.CreateKeyWith(tenant, old.Role, old.Label, KeyOptions{Expires: expires})
	if err != nil {
		return "", APIKey{}, fmt.Errorf("rotate key %s of %s: %w", id, tenant, err)
	}
	end := s.now().UTC().Add(max(grace, 0))
	err = s.update(func(txn *badger.Txn) error {
		k, err := findKey(txn, old.ID)
		if err != nil {
			return err
		}
		if k.Expires == nil || end.Before(*k.Expires) {
			k.Expires = &end
		}
		return setJSON(txn, []byte(apiKeyPrefix+k.Hash), k)
	})
	if err != nil {
		return "", APIKey{}, fmt.Errorf("rotate key %s of %s: new key %s made, old key not expired: %w", id, tenant, nk.ID, err)
	}
	return secret, nk, nil
}
