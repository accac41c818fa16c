package registry

import (
	"fmt"
	"strconv"
	"strings"
)

// The key layout (see the package doc). Every component that comes from a caller passes
// validName first, so a name can never contain the separator and reach another tenant's keys.
const (
	tenantPrefix = "t/"
	auditPrefix  = "audit/"
	apiKeyPrefix = "key/"

	versionDigits = 10 // zero-padded so that byte order is numeric order
	chunkDigits   = 6
	seqDigits     = 10
	maxVersion    = 9_999_999_999
)

// validName reports whether s may be used as a tenant, model, alias, run or alert name:
// 1–64 characters of A–Z, a–z, 0–9, '.', '_' and '-', starting with a letter or digit.
func validName(what, s string) error {
	if s == "" {
		return invalidf("%s is empty", what)
	}
	if len(s) > 64 {
		return invalidf("%s %.20q… is longer than 64 characters", what, s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if alnum || i > 0 && (c == '.' || c == '_' || c == '-') {
			continue
		}
		return invalidf("%s %q: use letters, digits, '.', '_' and '-', starting with a letter or digit", what, s)
	}
	return nil
}

func validNames(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := validName(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func pad(n int64, digits int) string {
	s := strconv.FormatInt(n, 10)
	if len(s) < digits {
		s = strings.Repeat("0", digits-len(s)) + s
	}
	return s
}

func tenantKey(tenant, kind string) string { return tenantPrefix + tenant + "/" + kind + "/" }

// modelPrefix is t/<tenant>/model/ — every version record of every model of the tenant.
func modelPrefix(tenant string) []byte { return []byte(tenantKey(tenant, "model")) }

// versionPrefix is t/<tenant>/model/<name>/ — the version records of one model.
func versionPrefix(tenant, name string) []byte {
	return []byte(tenantKey(tenant, "model") + name + "/")
}

func versionKey(tenant, name string, v int) []byte {
	return []byte(tenantKey(tenant, "model") + name + "/" + pad(int64(v), versionDigits))
}

func chunkPrefix(tenant, name string, v int) []byte {
	return []byte(tenantKey(tenant, "artifact") + name + "/" + pad(int64(v), versionDigits) + "/")
}

func chunkKey(tenant, name string, v, i int) []byte {
	return append(chunkPrefix(tenant, name, v), pad(int64(i), chunkDigits)...)
}

// seqKey holds the last version number handed out for a model, so that numbers are never
// reused, even after the newest version is deleted.
func seqKey(tenant, name string) []byte { return []byte(tenantKey(tenant, "seq") + name) }

func aliasPrefix(tenant, name string) []byte {
	return []byte(tenantKey(tenant, "alias") + name + "/")
}

func aliasKey(tenant, name, alias string) []byte {
	return append(aliasPrefix(tenant, name), alias...)
}

func historyPrefix(tenant, name, alias string) []byte {
	return []byte(tenantKey(tenant, "aliaslog") + name + "/" + alias + "/")
}

func historyKey(tenant, name, alias string, seq int64) []byte {
	return append(historyPrefix(tenant, name, alias), pad(seq, seqDigits)...)
}

func recordPrefix(tenant, kind string) []byte { return []byte(tenantKey(tenant, kind)) }

func recordKey(tenant, kind, id string) []byte { return []byte(tenantKey(tenant, kind) + id) }

// lastComponent returns the part of key after the last '/', parsed as a version number.
func parseVersion(key []byte) (int, error) {
	s := string(key)
	i := strings.LastIndexByte(s, '/')
	v, err := strconv.Atoi(s[i+1:])
	if err != nil || v < 1 {
		return 0, fmt.Errorf("%w: bad version key %q", ErrCorrupt, s)
	}
	return v, nil
}

// prefixEnd returns the smallest key greater than every key with the prefix, for reverse seeks.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte{}, prefix...)
	return append(end, 0xff)
}
