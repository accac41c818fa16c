package serve

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/registry"
)

// Models: list, show and promote or roll back by moving an alias. A move is committed in the
// store, then the tenant's snapshot is reloaded before the response, so the caller's next
// request is answered by the version it promoted; requests in flight finish on the version
// they started with.

// servedVersion is the version of a model the tenant serves now, 0 when none.
func (s *Server) servedVersion(sn *snapshot, name string) int { return sn.champions.Version(name) }

type modelSummary struct {
	registry.Model
	Serving int    `json:"serving"`
	Problem string `json:"problem,omitempty"`
}

func (s *Server) listModels(c *gin.Context, rq *call) error {
	ms, err := s.store.Models(rq.key.Tenant)
	if err != nil {
		return err
	}
	sn := rq.t.live.Load()
	out := make([]modelSummary, len(ms))
	for i, m := range ms {
		out[i] = modelSummary{Model: m, Serving: s.servedVersion(sn, m.Name), Problem: sn.problems[m.Name]}
	}
	return writeJSON(c, 200, map[string]any{"models": out})
}

// modelName reads the :name path parameter and checks the model exists in the tenant.
func (s *Server) modelName(c *gin.Context, rq *call) (string, []registry.Version, error) {
	name := c.Param("name")
	if !validTenant(name) {
		return "", nil, errorf(ENotFound, "name", "no model %q in this tenant", clip.String(name, 64))
	}
	vs, err := s.store.Versions(rq.key.Tenant, name)
	if err != nil {
		return "", nil, err
	}
	if len(vs) == 0 {
		return "", nil, errorf(ENotFound, "name", "no model %q in this tenant", name)
	}
	return name, vs, nil
}

func (s *Server) getModel(c *gin.Context, rq *call) error {
	name, vs, err := s.modelName(c, rq)
	if err != nil {
		return err
	}
	limit, err := queryInt(rq.query, "history", 10, 0, 1000)
	if err != nil {
		return err
	}
	as, err := s.store.Aliases(rq.key.Tenant, name)
	if err != nil {
		return err
	}
	hist := map[string][]registry.AliasEvent{}
	for _, al := range as {
		if hist[al.Alias], err = s.store.History(rq.key.Tenant, name, al.Alias, limit); err != nil {
			return err
		}
	}
	return writeJSON(c, 200, map[string]any{
		"model": name, "serving": s.servedVersion(rq.t.live.Load(), name), "versions": vs, "aliases": nonNil(as), "history": hist,
	})
}

func (s *Server) getModelVersion(c *gin.Context, rq *call) error {
	name, _, err := s.modelName(c, rq)
	if err != nil {
		return err
	}
	v, err := parseVersionParam(c.Param("version"))
	if err != nil {
		return err
	}
	ver, err := s.store.Version(rq.key.Tenant, name, v)
	if errors.Is(err, registry.ErrNotFound) {
		return errorf(ENotFound, "version", "model %s has no version %d", name, v)
	}
	if err != nil {
		return err
	}
	return writeJSON(c, 200, ver)
}

func parseVersionParam(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "v"))
	if err != nil || n < 1 {
		return 0, errorf(ENotFound, "version", "%q is not a version number", clip.String(s, 32))
	}
	return n, nil
}

type promoteRequest struct {
	Version int    `json:"version"`
	Alias   string `json:"alias"`
	Reason  string `json:"reason"`
}

type rollbackRequest struct {
	Alias  string `json:"alias"`
	Reason string `json:"reason"`
}

func checkReason(reason string) error {
	switch {
	case strings.TrimSpace(reason) == "":
		return invalid("reason", "required: say why; it is kept in the alias history")
	case len(reason) > 1024:
		return invalid("reason", "at most 1024 characters")
	}
	return nil
}

func checkAlias(alias string) (string, error) {
	if alias == "" {
		return registry.Champion, nil
	}
	if !validTenant(alias) {
		return "", invalid("alias", "%q: use 1–64 letters, digits, '.', '_' and '-'", clip.String(alias, 64))
	}
	return alias, nil
}

func (s *Server) postPromote(c *gin.Context, rq *call) error {
	name, _, err := s.modelName(c, rq)
	if err != nil {
		return err
	}
	var req promoteRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	if req.Version < 1 {
		return invalid("version", "required: a version number ≥ 1")
	}
	alias, err := checkAlias(req.Alias)
	if err != nil {
		return err
	}
	if err := checkReason(req.Reason); err != nil {
		return err
	}
	rq.target, rq.detail = fmt.Sprintf("%s@%d as %s", name, req.Version, alias), req.Reason
	ch := registry.Change{By: rq.key.ID, Role: rq.key.Role, Reason: req.Reason, RequestID: rq.id}
	ev, err := s.store.SetAlias(rq.key.Tenant, name, alias, req.Version, ch)
	if errors.Is(err, registry.ErrNotFound) {
		return errorf(ENotFound, "version", "model %s has no version %d", name, req.Version)
	}
	if errors.Is(err, registry.ErrUnchanged) {
		return errorf(EConflict, "version", "%s of %s already points at version %d", alias, name, req.Version)
	}
	if err != nil {
		return err
	}
	return s.afterMove(c, rq, name, ev)
}

func (s *Server) postRollback(c *gin.Context, rq *call) error {
	name, _, err := s.modelName(c, rq)
	if err != nil {
		return err
	}
	var req rollbackRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	alias, err := checkAlias(req.Alias)
	if err != nil {
		return err
	}
	if err := checkReason(req.Reason); err != nil {
		return err
	}
	rq.target, rq.detail = name+" "+alias, req.Reason
	ch := registry.Change{By: rq.key.ID, Role: rq.key.Role, Reason: req.Reason, RequestID: rq.id}
	ev, err := s.store.RollbackAlias(rq.key.Tenant, name, alias, ch)
	if errors.Is(err, registry.ErrNotFound) {
		return errorf(ENotFound, "alias", "model %s has no alias %s", name, alias)
	}
	if errors.Is(err, registry.ErrNoHistory) {
		return errorf(EConflict, "alias", "%s of %s has no earlier version to roll back to", alias, name)
	}
	if err != nil {
		return err
	}
	return s.afterMove(c, rq, name, ev)
}

// afterMove reloads the tenant when the champion moved and answers with the move and the
// version now served.
func (s *Server) afterMove(c *gin.Context, rq *call, name string, ev registry.AliasEvent) error {
	if ev.Alias == registry.Champion {
		if err := s.reload(rq.t); err != nil {
			s.log.Error("reload after alias move", "tenant", rq.key.Tenant, "model", name, "err", err, "request_id", rq.id)
		}
	}
	return writeJSON(c, 200, map[string]any{"move": ev, "serving": s.servedVersion(rq.t.live.Load(), name)})
}

func (s *Server) getAudit(c *gin.Context, rq *call) error {
	s.flushRefusals(true) // a reader sees the refusals counted so far
	q := rq.query
	limit, err := queryInt(q, "limit", registry.DefaultAuditLimit, 1, registry.MaxAuditLimit)
	if err != nil {
		return err
	}
	since, err := queryTime(q, "since")
	if err != nil {
		return err
	}
	until, err := queryTime(q, "until")
	if err != nil {
		return err
	}
	outcome, err := queryEnum(q, "outcome", "", "ok", "denied", "rejected", "unauthenticated", "rate_limited", "error", "failed", "canceled")
	if err != nil {
		return err
	}
	for _, f := range []string{"who", "action", "cursor"} {
		if len(q.Get(f)) > 512 {
			return invalid(f, "at most 512 characters")
		}
	}
	// The tenant is the caller's: an admin reads their own tenant's log only.
	page, err := s.store.AuditLog(registry.AuditQuery{Tenant: rq.key.Tenant, Who: q.Get("who"), Action: q.Get("action"),
		Outcome: outcome, Since: since, Until: until, Limit: limit, Cursor: q.Get("cursor")})
	if errors.Is(err, registry.ErrInvalid) {
		return invalid("cursor", "not a cursor this server returned")
	}
	if err != nil {
		return err
	}
	return writeJSON(c, 200, page)
}
