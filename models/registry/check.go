package registry

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// CheckReport is the result of Check.
type CheckReport struct {
	Tenants  int      `json:"tenants"`
	Models   int      `json:"models"`
	Versions int      `json:"versions"`
	Aliases  int      `json:"aliases"`
	Bytes    int64    `json:"bytes"`    // artifact bytes read and verified
	Problems []string `json:"problems"` // empty when the store is sound
}

// Check reads the whole store from one snapshot and verifies what the registry promises:
// every version's artifact is complete and matches its SHA-256; every alias points at a stored
// version, its rollback stack ends at that version, and its newest history entry is the move
// that set it; no version number exceeds its model's counter; no artifact piece is left
// without its version. Problems are listed, not returned as errors; the error is for a store
// that cannot be read at all. Restore runs it before committing, and so does the crash test.
func (s *Badger) Check() (CheckReport, error) {
	rep := CheckReport{Problems: []string{}}
	tenants, err := s.Tenants()
	if err != nil {
		return rep, err
	}
	rep.Tenants = len(tenants)
	err = s.db.View(func(txn *badger.Txn) error {
		for _, tenant := range tenants {
			if err := checkTenant(txn, tenant, &rep); err != nil {
				return err
			}
		}
		return nil
	})
	return rep, err
}

func checkTenant(txn *badger.Txn, tenant string, rep *CheckReport) error {
	problem := func(format string, args ...any) {
		rep.Problems = append(rep.Problems, tenant+": "+fmt.Sprintf(format, args...))
	}
	versions := map[string]map[int]bool{} // model → versions present
	it := txn.NewIterator(badger.IteratorOptions{Prefix: modelPrefix(tenant)})
	for it.Rewind(); it.Valid(); it.Next() {
		key := it.Item().KeyCopy(nil)
		rest := strings.TrimPrefix(string(key), string(modelPrefix(tenant)))
		name, _, _ := strings.Cut(rest, "/")
		n, err := parseVersion(key)
		if err != nil {
			problem("%v", err)
			continue
		}
		if versions[name] == nil {
			versions[name] = map[int]bool{}
		}
		versions[name][n] = true
	}
	it.Close()

	for name, vs := range versions {
		rep.Models++
		last, err := readSeq(txn, tenant, name)
		if err != nil {
			problem("%s: counter: %v", name, err)
		}
		for n := range vs {
			rep.Versions++
			if n > last {
				problem("%s v%d is above the version counter %d", name, n, last)
			}
			v, err := getVersion(txn, tenant, name, n)
			if err != nil {
				problem("%s v%d: %v", name, n, err)
				continue
			}
			if v.Tenant != tenant || v.Name != name || v.Version != n {
				problem("%s v%d: record names %s/%s v%d", name, n, v.Tenant, v.Name, v.Version)
			}
			if _, err := readArtifact(txn, v); err != nil {
				problem("%s v%d: %v", name, n, err)
				continue
			}
			rep.Bytes += v.Size
		}
		aliases, err := listAliases(txn, tenant, name)
		if err != nil {
			problem("%s: %v", name, err)
			continue
		}
		for _, a := range aliases {
			rep.Aliases++
			checkAlias(txn, tenant, name, a, vs, problem)
		}
	}

	// Artifact pieces whose version record is gone would mean a torn write or delete.
	ap := []byte(tenantKey(tenant, "artifact"))
	it = txn.NewIterator(badger.IteratorOptions{Prefix: ap})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		rest := strings.TrimPrefix(string(it.Item().Key()), string(ap)) // <name>/<version>/<chunk>
		parts := strings.Split(rest, "/")
		if len(parts) != 3 {
			problem("malformed artifact key %q", it.Item().Key())
			continue
		}
		n, err := parseVersion([]byte(parts[0] + "/" + parts[1]))
		if err != nil || !versions[parts[0]][n] {
			problem("artifact piece %q has no version record", rest)
		}
	}
	return nil
}

func checkAlias(txn *badger.Txn, tenant, name string, a Alias, present map[int]bool, problem func(string, ...any)) {
	if !present[a.Version] {
		problem("%s alias %s points at missing version %d", name, a.Alias, a.Version)
	}
	if len(a.Stack) == 0 || a.Stack[len(a.Stack)-1] != a.Version {
		problem("%s alias %s: rollback stack %v does not end at version %d", name, a.Alias, a.Stack, a.Version)
	}
	// The history must be the chain of moves 1..Seq, each starting where the previous one
	// ended, the last one ending at the alias's version.
	prefix := historyPrefix(tenant, name, a.Alias)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var seq int64
	prevTo := 0
	for it.Rewind(); it.Valid(); it.Next() {
		var ev AliasEvent
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &ev) }); err != nil {
			problem("%s alias %s: history record %s: %v", name, a.Alias, it.Item().Key(), err)
			return
		}
		seq++
		if ev.Seq != seq || ev.From != prevTo {
			problem("%s alias %s: history entry %d (seq %d) moves %d→%d after a move to %d", name, a.Alias, seq, ev.Seq, ev.From, ev.To, prevTo)
			return
		}
		prevTo = ev.To
	}
	if seq != a.Seq || prevTo != a.Version {
		problem("%s alias %s: history ends at entry %d (version %d), the alias says entry %d (version %d)", name, a.Alias, seq, prevTo, a.Seq, a.Version)
	}
}
