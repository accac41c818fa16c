package serve

import (
	"fmt"
	"sync"
	"time"

	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/registry"
)

// Refused requests (denied, rejected, rate limited, failed authentication) on mutating routes
// are audited, but one client can make thousands a second: written one by one they filled
// the store by gigabytes a day. refusals folds them into one entry per key, action and
// outcome per minute, with a count, the first time and the last reason; each accepted
// mutation still gets its own entry (Server.auditCall).

// unauthenticatedWho is the Who of refused requests that presented no valid key.
const unauthenticatedWho = "unauthenticated"

// maxRefusalGroups bounds the groups held between flushes; past it they are written at once.
const maxRefusalGroups = 10_000

type refusalKey struct {
	tenant, who, role, action, outcome string
	minute                             int64
}

type refusal struct {
	first registry.AuditEntry
	count int
	last  string
}

type refusals struct {
	now func() time.Time

	mu sync.Mutex
	m  map[refusalKey]*refusal
}

func newRefusals() *refusals { return &refusals{now: time.Now, m: map[refusalKey]*refusal{}} }

// add counts a refused attempt. It reports whether the attempt opened a new group (the first
// of its kind this minute), so that the caller logs once per group, and whether the groups
// are over their bound and should be flushed now.
func (r *refusals) add(e registry.AuditEntry) (first, full bool) {
	now := r.now().UTC()
	k := refusalKey{e.Tenant, e.Who, e.Role, e.Action, e.Outcome, now.Unix() / 60}
	r.mu.Lock()
	defer r.mu.Unlock()
	g, ok := r.m[k]
	if !ok {
		e.Time = now
		g = &refusal{first: e}
		r.m[k] = g
	}
	g.count++
	g.last = e.Detail
	return !ok, len(r.m) > maxRefusalGroups
}

// take removes and returns the groups of minutes that have ended, or all of them.
func (r *refusals) take(all bool) []registry.AuditEntry {
	cur := r.now().Unix() / 60
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []registry.AuditEntry
	for k, g := range r.m {
		if !all && k.minute >= cur {
			continue
		}
		delete(r.m, k)
		e := g.first
		e.Count = g.count
		if g.count > 1 {
			e.Detail = clip.String(fmt.Sprintf("%d refused in the minute from %s; last: %s", g.count, e.Time.Format("15:04:05"), g.last), 4000)
		}
		out = append(out, e)
	}
	return out
}

// flushRefusals writes the aggregated refusals of ended minutes (all of them with all).
func (s *Server) flushRefusals(all bool) {
	for _, e := range s.refusals.take(all) {
		if e.Count > 1 {
			s.log.Warn("refused requests", "tenant", e.Tenant, "who", e.Who, "action", e.Action, "outcome", e.Outcome, "count", e.Count)
		}
		if _, err := s.store.Audit(e); err != nil {
			s.log.Warn("audit entry not written", "action", e.Action, "count", e.Count, "err", err)
		}
	}
}

// refused records a refused mutation: aggregated in the audit log, and, unless it was only a
// bad request, logged at warning level once per group (failed authentication, denials and
// rate limiting are what an operator watches for).
func (s *Server) refused(e registry.AuditEntry, remote string) {
	first, full := s.refusals.add(e)
	if first && e.Outcome != "rejected" {
		s.log.Warn("request refused", "action", e.Action, "outcome", e.Outcome, "tenant", e.Tenant,
			"who", e.Who, "remote", remote, "request_id", e.RequestID, "detail", e.Detail)
	}
	if full {
		s.flushRefusals(true)
	}
}
