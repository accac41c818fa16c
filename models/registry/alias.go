package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Well-known aliases. Any valid name can be an alias; these two are the ones the pipeline and
// the server use.
const (
	Champion   = "champion"   // the version the server serves
	Challenger = "challenger" // a candidate evaluated beside the champion
)

// stackLimit bounds how many earlier versions an alias remembers for Rollback.
const stackLimit = 64

// Change says who moves an alias and why; it is kept in the alias and its history.
type Change struct {
	By        string `json:"by"`   // who: an API key id, "cli:<user>", "train:<run id>"
	Role      string `json:"role"` // the role they acted in, if any
	Reason    string `json:"reason,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// Alias is a named pointer to a version of a model.
type Alias struct {
	Alias   string    `json:"alias"`
	Version int       `json:"version"`
	Moved   time.Time `json:"moved"`
	Change
	// Seq is the number of the history event that set the alias (1 for its first move).
	Seq int64 `json:"seq"`
	// Stack holds the versions the alias has pointed at that Rollback can return to, oldest
	// first, ending with Version. A rollback pops it; a move pushes onto it.
	Stack []int `json:"stack"`
}

// AliasEvent records one move of an alias. The events of an alias are its history; the
// store also sends them to subscribers (see Subscribe).
type AliasEvent struct {
	Seq    int64  `json:"seq"`
	Tenant string `json:"tenant"`
	Model  string `json:"model"`
	Alias  string `json:"alias"`
	Action string `json:"action"` // "set" or "rollback"
	From   int    `json:"from"`   // 0 when the alias is new
	To     int    `json:"to"`
	Change
	Time time.Time `json:"time"`
}

// Promote points the champion alias of a model at version. See SetAlias.
func (s *Badger) Promote(tenant, name string, version int, ch Change) (AliasEvent, error) {
	return s.SetAlias(tenant, name, Champion, version, ch)
}

// Rollback moves the champion alias back to the version it pointed at before its last move.
// See RollbackAlias.
func (s *Badger) Rollback(tenant, name string, ch Change) (AliasEvent, error) {
	return s.RollbackAlias(tenant, name, Champion, ch)
}

// SetAlias points alias at a version of a model, in one transaction with its history entry,
// and notifies subscribers after the commit. ch.By is required. It returns ErrNotFound for a
// missing version and ErrUnchanged when the alias already points there.
func (s *Badger) SetAlias(tenant, name, alias string, version int, ch Change) (AliasEvent, error) {
	if err := checkMove(tenant, name, alias, ch); err != nil {
		return AliasEvent{}, err
	}
	var ev AliasEvent
	err := s.update(func(txn *badger.Txn) error {
		if err := touchModel(txn, tenant, name); err != nil {
			return err
		}
		if _, err := getVersion(txn, tenant, name, version); err != nil {
			return err
		}
		cur, err := getAlias(txn, tenant, name, alias)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err == nil && cur.Version == version {
			return fmt.Errorf("%w: it already points there", ErrUnchanged)
		}
		stack := append(cur.Stack, version)
		if len(stack) > stackLimit {
			stack = stack[len(stack)-stackLimit:]
		}
		ev, err = s.moveAlias(txn, tenant, name, alias, "set", cur, version, stack, ch)
		return err
	})
	if err != nil {
		return AliasEvent{}, fmt.Errorf("move %s of %s/%s to v%d: %w", alias, tenant, name, version, err)
	}
	s.notify(ev)
	return ev, nil
}

// RollbackAlias moves alias back to the version it pointed at before its last move, skipping
// versions deleted since. It returns ErrNotFound when the alias does not exist and
// ErrNoHistory when there is no earlier version to return to.
func (s *Badger) RollbackAlias(tenant, name, alias string, ch Change) (AliasEvent, error) {
	if err := checkMove(tenant, name, alias, ch); err != nil {
		return AliasEvent{}, err
	}
	var ev AliasEvent
	err := s.update(func(txn *badger.Txn) error {
		if err := touchModel(txn, tenant, name); err != nil {
			return err
		}
		cur, err := getAlias(txn, tenant, name, alias)
		if err != nil {
			return fmt.Errorf("no %s: %w", alias, err)
		}
		stack := append([]int{}, cur.Stack...)
		if len(stack) > 0 {
			stack = stack[:len(stack)-1] // the current version
		}
		for len(stack) > 0 {
			_, err := getVersion(txn, tenant, name, stack[len(stack)-1])
			if err == nil {
				break
			}
			if !errors.Is(err, ErrNotFound) {
				return err
			}
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			return fmt.Errorf("%w to roll back to", ErrNoHistory)
		}
		ev, err = s.moveAlias(txn, tenant, name, alias, "rollback", cur, stack[len(stack)-1], stack, ch)
		return err
	})
	if err != nil {
		return AliasEvent{}, fmt.Errorf("roll back %s of %s/%s: %w", alias, tenant, name, err)
	}
	s.notify(ev)
	return ev, nil
}

// checkMove checks the arguments of an alias move; who moves it (Change.By) is required.
func checkMove(tenant, name, alias string, ch Change) error {
	if err := validNames("tenant", tenant, "model name", name, "alias", alias); err != nil {
		return err
	}
	if ch.By == "" {
		return invalidf("who moves the alias (Change.By) is required")
	}
	return nil
}

// moveAlias writes the alias and its history event in txn.
func (s *Badger) moveAlias(txn *badger.Txn, tenant, name, alias, action string, cur Alias, to int, stack []int, ch Change) (AliasEvent, error) {
	now := s.now().UTC()
	next := Alias{Alias: alias, Version: to, Moved: now, Change: ch, Seq: cur.Seq + 1, Stack: stack}
	ev := AliasEvent{Seq: next.Seq, Tenant: tenant, Model: name, Alias: alias, Action: action,
		From: cur.Version, To: to, Change: ch, Time: now}
	if err := setJSON(txn, aliasKey(tenant, name, alias), next); err != nil {
		return AliasEvent{}, err
	}
	if err := setJSON(txn, historyKey(tenant, name, alias, ev.Seq), ev); err != nil {
		return AliasEvent{}, err
	}
	return ev, nil
}

// Alias returns one alias of a model, or ErrNotFound.
func (s *Badger) Alias(tenant, name, alias string) (Alias, error) {
	if err := validNames("tenant", tenant, "model name", name, "alias", alias); err != nil {
		return Alias{}, err
	}
	var a Alias
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		a, err = getAlias(txn, tenant, name, alias)
		return err
	})
	if err != nil {
		return Alias{}, fmt.Errorf("alias %s of %s/%s: %w", alias, tenant, name, err)
	}
	return a, nil
}

func getAlias(txn *badger.Txn, tenant, name, alias string) (Alias, error) {
	var a Alias
	err := getJSON(txn, aliasKey(tenant, name, alias), &a)
	return a, err
}

// Aliases returns the aliases of a model, sorted by alias name.
func (s *Badger) Aliases(tenant, name string) ([]Alias, error) {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return nil, err
	}
	var out []Alias
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		out, err = listAliases(txn, tenant, name)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("aliases of %s/%s: %w", tenant, name, err)
	}
	return out, nil
}

func listAliases(txn *badger.Txn, tenant, name string) ([]Alias, error) {
	out := []Alias{}
	prefix := aliasPrefix(tenant, name)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var a Alias
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &a) }); err != nil {
			return nil, fmt.Errorf("%w: alias record %s: %v", ErrCorrupt, it.Item().Key(), err)
		}
		out = append(out, a)
	}
	return out, nil
}

// History returns the moves of an alias, newest first; limit ≤ 0 means all.
func (s *Badger) History(tenant, name, alias string, limit int) ([]AliasEvent, error) {
	if err := validNames("tenant", tenant, "model name", name, "alias", alias); err != nil {
		return nil, err
	}
	out := []AliasEvent{}
	err := s.db.View(func(txn *badger.Txn) error {
		prefix := historyPrefix(tenant, name, alias)
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
		defer it.Close()
		for it.Seek(prefixEnd(prefix)); it.Valid() && (limit <= 0 || len(out) < limit); it.Next() {
			var ev AliasEvent
			if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &ev) }); err != nil {
				return fmt.Errorf("%w: history record %s: %v", ErrCorrupt, it.Item().Key(), err)
			}
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s of %s/%s: %w", alias, tenant, name, err)
	}
	return out, nil
}

// LoadAlias returns the artifact and record of the version an alias points at, read from one
// snapshot, so that a concurrent move cannot pair one version's record with another's bytes.
// It is what a server calls to (re)load a model after a notification.
func (s *Badger) LoadAlias(tenant, name, alias string) ([]byte, Version, error) {
	if err := validNames("tenant", tenant, "model name", name, "alias", alias); err != nil {
		return nil, Version{}, err
	}
	var (
		data []byte
		v    Version
	)
	err := s.db.View(func(txn *badger.Txn) error {
		a, err := getAlias(txn, tenant, name, alias)
		if err != nil {
			return fmt.Errorf("alias %s of %s/%s: %w", alias, tenant, name, err)
		}
		if v, err = getVersion(txn, tenant, name, a.Version); err != nil {
			return fmt.Errorf("%w: alias %s of %s/%s points at a missing %v", ErrCorrupt, alias, tenant, name, err)
		}
		data, err = readArtifact(txn, v)
		return err
	})
	if err != nil {
		return nil, Version{}, err
	}
	return data, v, nil
}

// Subscribe returns a channel that receives every alias move committed after the call, and a
// function that ends the subscription and closes the channel. Moves of one model are
// serialized, but two moves committed in quick succession may be delivered in either order:
// order them by Seq, or simply reload the alias's current version on each event.
// Sends never block a move: when the buffer (at least 1; 16 if buffer < 1) is full the event
// is dropped, so a subscriber that may fall behind should compare Generation with the last
// value it saw and reload everything when it jumped. Close ends every subscription.
func (s *Badger) Subscribe(buffer int) (<-chan AliasEvent, func()) { return s.subs.subscribe(buffer) }

// Generation counts the alias moves committed through this Store since it was opened. It is
// a cheap check for a server that polls: if it changed, some alias moved.
func (s *Badger) Generation() uint64 { return s.subs.gen.Load() }

func (s *Badger) notify(ev AliasEvent) { s.subs.notify(ev) }

// subscribers hands alias events to the channels of Subscribe, for either store.
type subscribers struct {
	log     *slog.Logger
	gen     atomic.Uint64
	mu      sync.Mutex // guards the fields below
	chans   map[int]chan AliasEvent
	nextSub int
	seen    map[string]int64 // alias → newest Seq sent, when each move must be sent once
	closed  bool
}

// newSubscribers makes the subscriber list of a store; with once, an event is sent only if
// it is newer than the last one sent for its alias (a store that hears its own moves again).
func newSubscribers(log *slog.Logger, once bool) *subscribers {
	s := &subscribers{log: log, chans: map[int]chan AliasEvent{}}
	if once {
		s.seen = map[string]int64{}
	}
	return s
}

func (s *subscribers) subscribe(buffer int) (<-chan AliasEvent, func()) {
	if buffer < 1 {
		buffer = 16
	}
	ch := make(chan AliasEvent, buffer)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		close(ch)
		return ch, func() {}
	}
	id := s.nextSub
	s.nextSub++
	s.chans[id] = ch
	return ch, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if c, ok := s.chans[id]; ok {
			close(c)
			delete(s.chans, id)
		}
	}
}

// notify sends ev to every subscriber (see newSubscribers for the events it skips).
func (s *subscribers) notify(ev AliasEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen != nil {
		k := ev.Tenant + "/" + ev.Model + "/" + ev.Alias
		if ev.Seq <= s.seen[k] {
			return
		}
		s.seen[k] = ev.Seq
	}
	s.gen.Add(1)
	for _, ch := range s.chans {
		select {
		case ch <- ev:
		default:
			s.log.Warn("alias event dropped: subscriber is behind", "tenant", ev.Tenant, "model", ev.Model, "alias", ev.Alias, "seq", ev.Seq)
		}
	}
}

// close ends every subscription; it reports false when it was closed already.
func (s *subscribers) close() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed = true
	for id, ch := range s.chans {
		close(ch)
		delete(s.chans, id)
	}
	return true
}
