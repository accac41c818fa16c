package registry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
)

// Put stores a new version; see (*Badger).Put for the contract. Under the model's lock it
// takes the next number from the counter, writes the sealed artifact to the object store and
// then the version record, which is the commit: a crash before it leaves the number unused
// (never reused) and, at worst, an artifact without a version, which Check reports.
func (s *JetStream) Put(tenant, name string, artifact []byte, meta Metadata) (int, error) {
	rec, err := newVersion(tenant, name, artifact, meta, s.now)
	if err != nil {
		return 0, err
	}
	err = s.withModel(tenant, name, func(ctx context.Context) error {
		last, rev, err := s.readSeq(ctx, tenant, name)
		if err != nil {
			return err
		}
		if last >= maxVersion {
			return invalidf("model %s/%s has used every version number", tenant, name)
		}
		rec.Version = last + 1
		val := []byte(strconv.Itoa(rec.Version))
		if rev == 0 {
			_, err = s.versions.Create(ctx, seqKeyJS(tenant, name), val)
		} else {
			_, err = s.versions.Update(ctx, seqKeyJS(tenant, name), val, rev)
		}
		if err != nil {
			return err
		}
		obj := objectName(tenant, name, rec.Version)
		sealed, err := s.seal("artifact/"+obj, artifact)
		if err != nil {
			return err
		}
		if _, err := s.objects.PutBytes(ctx, obj, sealed); err != nil {
			return err
		}
		_, err = s.putJSON(ctx, s.versions, versionKeyJS(tenant, name, rec.Version), rec, 0)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("put model %s/%s: %w", tenant, name, err)
	}
	return rec.Version, nil
}

// readSeq returns the model's last version number and the counter's revision (0, 0 for a
// model never written).
func (s *JetStream) readSeq(ctx context.Context, tenant, name string) (int, uint64, error) {
	e, err := s.get(ctx, s.versions, seqKeyJS(tenant, name))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	n, err := parseSeq(e.Value())
	return n, e.Revision(), err
}

// Version returns the record of one version, or ErrNotFound.
func (s *JetStream) Version(tenant, name string, version int) (Version, error) {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return Version{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	v, err := s.version(ctx, tenant, name, version)
	if err != nil {
		return Version{}, fmt.Errorf("model %s/%s: %w", tenant, name, err)
	}
	return v, nil
}

func (s *JetStream) version(ctx context.Context, tenant, name string, version int) (Version, error) {
	if version < 1 || version > maxVersion {
		return Version{}, fmt.Errorf("version %d: %w", version, ErrNotFound)
	}
	var v Version
	if _, err := s.getJSON(ctx, s.versions, versionKeyJS(tenant, name, version), &v); err != nil {
		return Version{}, fmt.Errorf("version %d: %w", version, err)
	}
	return v, nil
}

// Versions returns every stored version of a model, newest first.
func (s *JetStream) Versions(tenant, name string) ([]Version, error) {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	out, err := s.versionList(ctx, "v."+tok(tenant)+"."+tok(name)+".*")
	if err != nil {
		return nil, fmt.Errorf("list versions of %s/%s: %w", tenant, name, err)
	}
	slices.SortFunc(out, func(a, b Version) int { return b.Version - a.Version })
	return out, nil
}

func (s *JetStream) versionList(ctx context.Context, filter string) ([]Version, error) {
	es, err := s.entries(ctx, s.versions, filter)
	if err != nil {
		return nil, err
	}
	out := []Version{}
	for _, e := range es {
		var v Version
		if err := s.decode(e.Bucket(), e.Key(), e.Value(), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Models lists the models of a tenant, sorted by name.
func (s *JetStream) Models(tenant string) ([]Model, error) {
	if err := validName("tenant", tenant); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	vs, err := s.versionList(ctx, "v."+tok(tenant)+".*.*")
	if err != nil {
		return nil, fmt.Errorf("list models of %s: %w", tenant, err)
	}
	byName := map[string]*Model{}
	for _, v := range vs {
		m := byName[v.Name]
		if m == nil {
			m = &Model{Name: v.Name, Aliases: map[string]int{}}
			byName[v.Name] = m
		}
		m.Versions++
		m.Latest = max(m.Latest, v.Version)
	}
	as, err := s.aliasList(ctx, "a."+tok(tenant)+".*.*")
	if err != nil {
		return nil, fmt.Errorf("list models of %s: %w", tenant, err)
	}
	for _, a := range as {
		if m := byName[a.Event.Model]; m != nil {
			m.Aliases[a.Alias.Alias] = a.Version
		}
	}
	out := []Model{}
	for _, m := range byName {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Model) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Tenants lists every tenant that has a model, run or alert in the store, sorted.
func (s *JetStream) Tenants() ([]string, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	set := map[string]bool{}
	for _, src := range []struct {
		b      jetstream.KeyValue
		filter string
		at     int // token holding the tenant
	}{{s.versions, "s.*.*", 1}, {s.runs, "*.*", 0}, {s.alerts, "*.*", 0}} {
		es, err := s.entries(ctx, src.b, src.filter)
		if err != nil {
			return nil, fmt.Errorf("list tenants: %w", err)
		}
		for _, e := range es {
			set[untok(strings.Split(e.Key(), ".")[src.at])] = true
		}
	}
	out := []string{}
	for t := range set {
		out = append(out, t)
	}
	slices.Sort(out)
	return out, nil
}

// Artifact returns a version's artifact and record, checked against the recorded SHA-256.
func (s *JetStream) Artifact(tenant, name string, version int) ([]byte, Version, error) {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return nil, Version{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	v, err := s.version(ctx, tenant, name, version)
	if err != nil {
		return nil, Version{}, fmt.Errorf("model %s/%s: %w", tenant, name, err)
	}
	b, err := s.artifact(ctx, v)
	if err != nil {
		return nil, Version{}, err
	}
	return b, v, nil
}

func (s *JetStream) artifact(ctx context.Context, v Version) ([]byte, error) {
	what := fmt.Sprintf("artifact of %s/%s version %d", v.Tenant, v.Name, v.Version)
	obj := objectName(v.Tenant, v.Name, v.Version)
	sealed, err := s.readObject(ctx, obj)
	if errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("%w: %s is missing", ErrCorrupt, what)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	data, err := s.open("artifact/"+obj, sealed)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if err := verifyArtifact(data, v, what); err != nil {
		return nil, err
	}
	return data, nil
}

// Delete removes a version and its artifact; ErrInUse while an alias points at it.
func (s *JetStream) Delete(tenant, name string, version int) error {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return err
	}
	err := s.withModel(tenant, name, func(ctx context.Context) error {
		if _, err := s.version(ctx, tenant, name, version); err != nil {
			return err
		}
		as, err := s.aliasList(ctx, "a."+tok(tenant)+"."+tok(name)+".*")
		if err != nil {
			return err
		}
		var holders []string
		for _, a := range as {
			if a.Version == version {
				holders = append(holders, a.Alias.Alias)
			}
		}
		if len(holders) > 0 {
			slices.Sort(holders)
			return fmt.Errorf("%w: it is %s; move the alias first", ErrInUse, strings.Join(holders, ", "))
		}
		if err := s.versions.Delete(ctx, versionKeyJS(tenant, name, version)); err != nil {
			return err
		}
		if err := s.objects.Delete(ctx, objectName(tenant, name, version)); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
			s.log.Warn("artifact of a deleted version not removed", "tenant", tenant, "model", name, "version", version, "err", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete %s/%s v%d: %w", tenant, name, version, err)
	}
	return nil
}

// Promote points the champion alias of a model at version.
func (s *JetStream) Promote(tenant, name string, version int, ch Change) (AliasEvent, error) {
	return s.SetAlias(tenant, name, Champion, version, ch)
}

// Rollback moves the champion alias back to the version before its last move.
func (s *JetStream) Rollback(tenant, name string, ch Change) (AliasEvent, error) {
	return s.RollbackAlias(tenant, name, Champion, ch)
}

// SetAlias points alias at a version; see (*Badger).SetAlias. Under the model's lock the
// history event is written first and the alias (compare-and-set on its revision) second,
// which is the commit: History shows no event newer than the alias, so a crash between the
// two writes leaves no trace of the move.
func (s *JetStream) SetAlias(tenant, name, alias string, version int, ch Change) (AliasEvent, error) {
	if err := checkMove(tenant, name, alias, ch); err != nil {
		return AliasEvent{}, err
	}
	var ev AliasEvent
	err := s.withModel(tenant, name, func(ctx context.Context) error {
		if _, err := s.version(ctx, tenant, name, version); err != nil {
			return err
		}
		var cur aliasRecord
		rev, err := s.getJSON(ctx, s.aliases, aliasKeyJS(tenant, name, alias), &cur)
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
		ev, err = s.moveAlias(ctx, tenant, name, alias, "set", cur.Alias, rev, version, stack, ch)
		return err
	})
	if err != nil {
		return AliasEvent{}, fmt.Errorf("move %s of %s/%s to v%d: %w", alias, tenant, name, version, err)
	}
	s.notify(ev)
	return ev, nil
}

// RollbackAlias moves alias back to the version it pointed at before its last move; see
// (*Badger).RollbackAlias.
func (s *JetStream) RollbackAlias(tenant, name, alias string, ch Change) (AliasEvent, error) {
	if err := checkMove(tenant, name, alias, ch); err != nil {
		return AliasEvent{}, err
	}
	var ev AliasEvent
	err := s.withModel(tenant, name, func(ctx context.Context) error {
		var cur aliasRecord
		rev, err := s.getJSON(ctx, s.aliases, aliasKeyJS(tenant, name, alias), &cur)
		if err != nil {
			return fmt.Errorf("no %s: %w", alias, err)
		}
		stack := append([]int{}, cur.Stack...)
		if len(stack) > 0 {
			stack = stack[:len(stack)-1]
		}
		for len(stack) > 0 {
			_, err := s.version(ctx, tenant, name, stack[len(stack)-1])
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
		ev, err = s.moveAlias(ctx, tenant, name, alias, "rollback", cur.Alias, rev, stack[len(stack)-1], stack, ch)
		return err
	})
	if err != nil {
		return AliasEvent{}, fmt.Errorf("roll back %s of %s/%s: %w", alias, tenant, name, err)
	}
	s.notify(ev)
	return ev, nil
}

func (s *JetStream) moveAlias(ctx context.Context, tenant, name, alias, action string, cur Alias, rev uint64, to int, stack []int, ch Change) (AliasEvent, error) {
	now := s.now().UTC()
	next := Alias{Alias: alias, Version: to, Moved: now, Change: ch, Seq: cur.Seq + 1, Stack: stack}
	ev := AliasEvent{Seq: next.Seq, Tenant: tenant, Model: name, Alias: alias, Action: action,
		From: cur.Version, To: to, Change: ch, Time: now}
	hkey := historyKeyJS(tenant, name, alias, ev.Seq)
	val, err := s.encode(s.aliases, hkey, ev)
	if err != nil {
		return AliasEvent{}, err
	}
	// Put, not Create: an event of this number left by a move that crashed before its alias
	// was written never happened, and is replaced.
	if _, err := s.aliases.Put(ctx, hkey, val); err != nil {
		return AliasEvent{}, err
	}
	if _, err := s.putJSON(ctx, s.aliases, aliasKeyJS(tenant, name, alias), aliasRecord{Alias: next, Event: ev}, rev); err != nil {
		return AliasEvent{}, err
	}
	return ev, nil
}

// Alias returns one alias of a model, or ErrNotFound.
func (s *JetStream) Alias(tenant, name, alias string) (Alias, error) {
	if err := validNames("tenant", tenant, "model name", name, "alias", alias); err != nil {
		return Alias{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	var a aliasRecord
	if _, err := s.getJSON(ctx, s.aliases, aliasKeyJS(tenant, name, alias), &a); err != nil {
		return Alias{}, fmt.Errorf("alias %s of %s/%s: %w", alias, tenant, name, err)
	}
	return a.Alias, nil
}

func (s *JetStream) aliasList(ctx context.Context, filter string) ([]aliasRecord, error) {
	es, err := s.entries(ctx, s.aliases, filter)
	if err != nil {
		return nil, err
	}
	out := []aliasRecord{}
	for _, e := range es {
		var a aliasRecord
		if err := s.decode(e.Bucket(), e.Key(), e.Value(), &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Aliases returns the aliases of a model, sorted by alias name.
func (s *JetStream) Aliases(tenant, name string) ([]Alias, error) {
	if err := validNames("tenant", tenant, "model name", name); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	as, err := s.aliasList(ctx, "a."+tok(tenant)+"."+tok(name)+".*")
	if err != nil {
		return nil, fmt.Errorf("aliases of %s/%s: %w", tenant, name, err)
	}
	out := []Alias{}
	for _, a := range as {
		out = append(out, a.Alias)
	}
	slices.SortFunc(out, func(a, b Alias) int { return strings.Compare(a.Alias, b.Alias) })
	return out, nil
}

// History returns the moves of an alias, newest first; limit ≤ 0 means all.
func (s *JetStream) History(tenant, name, alias string, limit int) ([]AliasEvent, error) {
	if err := validNames("tenant", tenant, "model name", name, "alias", alias); err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	out, err := s.history(ctx, tenant, name, alias)
	if err != nil {
		return nil, fmt.Errorf("history of %s of %s/%s: %w", alias, tenant, name, err)
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// history returns the committed events of an alias, newest first: those numbered up to the
// alias's own Seq (a later one was left by a move that did not commit).
func (s *JetStream) history(ctx context.Context, tenant, name, alias string) ([]AliasEvent, error) {
	var cur aliasRecord
	if _, err := s.getJSON(ctx, s.aliases, aliasKeyJS(tenant, name, alias), &cur); errors.Is(err, ErrNotFound) {
		return []AliasEvent{}, nil
	} else if err != nil {
		return nil, err
	}
	es, err := s.entries(ctx, s.aliases, "h."+tok(tenant)+"."+tok(name)+"."+tok(alias)+".*")
	if err != nil {
		return nil, err
	}
	out := []AliasEvent{}
	for _, e := range es {
		var ev AliasEvent
		if err := s.decode(e.Bucket(), e.Key(), e.Value(), &ev); err != nil {
			return nil, err
		}
		if ev.Seq <= cur.Seq {
			out = append(out, ev)
		}
	}
	slices.SortFunc(out, func(a, b AliasEvent) int { return int(b.Seq - a.Seq) })
	return out, nil
}

// LoadAlias returns the artifact and record of the version an alias points at. JetStream has
// no multi-key snapshot, so when the alias moved (and its old version was deleted) between
// the reads, it reads again.
func (s *JetStream) LoadAlias(tenant, name, alias string) ([]byte, Version, error) {
	if err := validNames("tenant", tenant, "model name", name, "alias", alias); err != nil {
		return nil, Version{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	for attempt := 0; ; attempt++ {
		var a aliasRecord
		if _, err := s.getJSON(ctx, s.aliases, aliasKeyJS(tenant, name, alias), &a); err != nil {
			return nil, Version{}, fmt.Errorf("alias %s of %s/%s: %w", alias, tenant, name, err)
		}
		v, err := s.version(ctx, tenant, name, a.Version)
		var data []byte
		if err == nil {
			data, err = s.artifact(ctx, v)
			if err == nil {
				return data, v, nil
			}
		}
		var now aliasRecord
		if _, aerr := s.getJSON(ctx, s.aliases, aliasKeyJS(tenant, name, alias), &now); aerr == nil && now.Seq != a.Seq && attempt < 3 {
			continue
		}
		if errors.Is(err, ErrNotFound) {
			return nil, Version{}, fmt.Errorf("%w: alias %s of %s/%s points at a missing %v", ErrCorrupt, alias, tenant, name, err)
		}
		return nil, Version{}, err
	}
}
