package registry

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
)

// Environment variables that carry keys. Their values are never logged.
const (
	// EnvEncryptionKey holds the store's encryption key, in hex or base64 (see ParseKey).
	EnvEncryptionKey = "GROWTHLENS_ENCRYPTION_KEY"
	// EnvBackupKey holds an explicit backup key, in hex or base64, for backups that must not
	// depend on the store key.
	EnvBackupKey = "GROWTHLENS_BACKUP_KEY"
)

// ParseKey decodes an encryption key written as text. The key must decode to 16, 24 or 32
// bytes (AES-128, -192, -256); 32 random bytes are recommended, e.g. `openssl rand -hex 32`.
//
// Accepted forms, leading and trailing white space ignored:
//   - "hex:" followed by hex digits, or "base64:" followed by standard or URL-safe base64
//     (padding optional);
//   - without a prefix, hex digits are read as hex (32, 48 or 64 of them), anything else as
//     base64. A base64 key that happens to consist only of hex digits needs the "base64:"
//     prefix.
//
// Errors never echo the text, which may be most of a key.
func ParseKey(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	var (
		key []byte
		err error
	)
	switch {
	case strings.HasPrefix(text, "hex:"):
		key, err = hex.DecodeString(text[len("hex:"):])
		if err != nil {
			return nil, invalidf("encryption key: not valid hex")
		}
	case strings.HasPrefix(text, "base64:"):
		if key, err = decodeBase64(text[len("base64:"):]); err != nil {
			return nil, invalidf("encryption key: not valid base64")
		}
	case isHex(text) && len(text)%2 == 0:
		key, _ = hex.DecodeString(text)
	default:
		if key, err = decodeBase64(text); err != nil {
			return nil, invalidf("encryption key: neither hex nor base64 (%d characters)", len(text))
		}
	}
	if err := checkKeyLen(key); err != nil {
		return nil, err
	}
	if len(key) == 0 {
		return nil, invalidf("encryption key is empty")
	}
	return key, nil
}

// LoadKey returns the key from file if file is not empty, otherwise from the environment
// variable env, otherwise nil (no key). The file holds the key as text, in the forms ParseKey
// accepts. Giving both is an error, so that it is never unclear which key a store was
// encrypted with.
func LoadKey(env, file string) ([]byte, error) {
	fromEnv := os.Getenv(env)
	switch {
	case file != "" && fromEnv != "":
		return nil, invalidf("both %s and a key file are set; use one", env)
	case file != "":
		text, err := ReadSecretFile(file)
		if err != nil {
			return nil, err
		}
		key, err := ParseKey(text)
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", file, err)
		}
		return key, nil
	case fromEnv != "":
		key, err := ParseKey(fromEnv)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", env, err)
		}
		return key, nil
	}
	return nil, nil
}

func checkKeyLen(key []byte) error {
	switch len(key) {
	case 0, 16, 24, 32:
		return nil
	}
	return invalidf("encryption key is %d bytes; want 16, 24 or 32 (AES-128, -192, -256)", len(key))
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// ReadSecretFile reads a file holding a secret (an encryption key, a scrape token), trimmed
// of white space. A file that its group or other users may read or write is refused, so that
// a key left readable by everyone is noticed rather than used.
func ReadSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read secret file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("read secret file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", invalidf("secret file %s has mode %04o: others may read it; chmod 600 %s", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read secret file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
