package registry

import (
	"errors"
	"fmt"
)

// Errors a caller can test for with errors.Is. Every error the store returns wraps at most one
// of them, with context saying which tenant, model, version or key was involved.
var (
	// ErrNotFound: no such model version, alias, run, alert, audit cursor or API key.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: a name, role, key or argument is malformed; the message says which and why.
	ErrInvalid = errors.New("invalid argument")
	// ErrInUse: the version is the target of an alias and cannot be deleted.
	ErrInUse = errors.New("in use")
	// ErrCorrupt: stored bytes do not match their checksum, or a backup failed verification.
	ErrCorrupt = errors.New("corrupt")
	// ErrUnchanged: the alias already points at that version.
	ErrUnchanged = errors.New("unchanged")
	// ErrNoHistory: a rollback has no earlier version left to move the alias back to.
	ErrNoHistory = errors.New("no earlier version")
	// ErrRevoked: the API key exists but was revoked.
	ErrRevoked = errors.New("revoked")
	// ErrExpired: the API key exists but its expiry time has passed.
	ErrExpired = errors.New("expired")
	// ErrNoStore: Options.MustExist was set and the directory holds no store.
	ErrNoStore = errors.New("no store")
	// ErrNotEmpty: a restore target already holds data and Force was not set.
	ErrNotEmpty = errors.New("not empty")
	// ErrUnsupported: this store does not offer the operation.
	ErrUnsupported = errors.New("not supported by this store")
	// ErrNoSpace: the store refused a write because its disk (or its quota,
	// Options.MaxBytes) has less than Options.MinFreeBytes left. Reads still work.
	ErrNoSpace = errors.New("no space left for the store")
)

// InUseError is returned by Open when another process holds the store's lock. Only one
// process may open a store: the server while it runs, otherwise the CLI.
type InUseError struct {
	Dir string
	PID int // 0 when the holder's pid could not be read
}

func (e *InUseError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("store %s is in use by another growthlens process (pid %d); stop it, or use the running server's API", e.Dir, e.PID)
	}
	return fmt.Sprintf("store %s is in use by another process; stop it, or use the running server's API", e.Dir)
}

// KeyProblem says how an encryption key failed to match a store or backup.
type KeyProblem int

const (
	// KeyMissing: the store (or backup) is encrypted and no key was given.
	KeyMissing KeyProblem = iota + 1
	// KeyUnexpected: a key was given for a plaintext store.
	KeyUnexpected
	// KeyWrong: a key was given but it is not the one the data was encrypted with.
	KeyWrong
)

// KeyError is returned by Open and Restore when the encryption key does not fit the data. It
// never contains key material.
type KeyError struct {
	Dir     string // store directory or backup name
	Problem KeyProblem
	Hint    string // what to do, e.g. which variable or flag to set
}

func (e *KeyError) Error() string {
	var msg string
	switch e.Problem {
	case KeyMissing:
		msg = fmt.Sprintf("%s is encrypted and no encryption key was given", e.Dir)
	case KeyUnexpected:
		msg = fmt.Sprintf("%s is not encrypted but an encryption key was given", e.Dir)
	default:
		msg = fmt.Sprintf("%s: wrong encryption key", e.Dir)
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}
