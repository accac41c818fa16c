package serve

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/notify"
	"github.com/growthlens/growthlens/models/registry"
)

// Alert delivery (models/notify): alerts reach the people who can act. Subscriptions say who
// gets which alerts (by role, team or scope) by webhook or e-mail; raising an alert records it
// and the deliveries it needs in one store transaction (the outbox), and the deliverer sends
// them with retries and backoff, keeps a delivery log, and turns what keeps failing into dead
// letters that can be retried. Acknowledging an alert (or muting a scope's metric) keeps it
// quiet: its pending deliveries are cancelled and it is raised no more.

// recordAlerts keeps newly raised alerts and queues their deliveries, leaving out (as quiet)
// those acknowledged or muted. It wakes the deliverer.
func (s *Server) recordAlerts(tenant string, raised []alert.Alert) (kept, quiet []alert.Alert, err error) {
	states, err := s.alertStates(tenant)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	recs := []registry.AlertRecord{}
	kept = []alert.Alert{}
	for _, a := range raised {
		if q, _ := notify.Quiet(&a, states, now); q {
			quiet = append(quiet, a)
			continue
		}
		b, err := json.Marshal(a)
		if err != nil {
			return nil, nil, fmt.Errorf("encode alert %s: %w", a.ID, err)
		}
		recs = append(recs, registry.AlertRecord{ID: a.ID, Data: b})
		kept = append(kept, a)
	}
	if len(kept) == 0 {
		return kept, quiet, nil
	}
	subs, err := s.subscriptions(tenant)
	if err != nil {
		return nil, nil, err
	}
	if _, err := s.store.RecordAlerts(tenant, recs, notify.Deliveries(kept, subs)); err != nil {
		return nil, nil, err
	}
	s.wakeDeliverer()
	return kept, quiet, nil
}

func (s *Server) wakeDeliverer() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// runDeliverer sends the outbox's deliveries until the server stops.
func (s *Server) runDeliverer() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stop
		cancel()
	}()
	d := &notify.Deliverer{Store: s.store, SMTP: s.cfg.SMTP, Policy: s.cfg.Delivery, Log: s.log, BaseURL: s.cfg.PublicURL}
	d.Run(ctx, s.wake, s.cfg.DeliveryPoll)
}

func (s *Server) subscriptions(tenant string) ([]notify.Subscription, error) {
	recs, err := s.store.Subscriptions(tenant)
	if err != nil {
		return nil, err
	}
	out := make([]notify.Subscription, 0, len(recs))
	for _, r := range recs {
		var sub notify.Subscription
		if err := json.Unmarshal(r.Data, &sub); err != nil {
			return nil, fmt.Errorf("stored subscription %s: %w", r.ID, err)
		}
		out = append(out, sub)
	}
	return out, nil
}

func (s *Server) alertStates(tenant string) (map[string]notify.State, error) {
	recs, err := s.store.AlertStates(tenant)
	if err != nil {
		return nil, err
	}
	out := make(map[string]notify.State, len(recs))
	for _, r := range recs {
		var st notify.State
		if err := json.Unmarshal(r.Data, &st); err != nil {
			return nil, fmt.Errorf("stored alert state %s: %w", r.ID, err)
		}
		out[r.ID] = st
	}
	return out, nil
}

// subscriptionJSON is a subscription as the API shows it: the webhook secret never.
type subscriptionJSON struct {
	notify.Subscription
	Webhook *webhookJSON `json:"webhook,omitempty"`
}

type webhookJSON struct {
	URL       string `json:"url"`
	SecretSet bool   `json:"secret_set"`
}

func showSubscription(sub notify.Subscription) subscriptionJSON {
	out := subscriptionJSON{Subscription: sub}
	if sub.Webhook != nil {
		out.Webhook = &webhookJSON{URL: sub.Webhook.URL, SecretSet: sub.Webhook.Secret != ""}
	}
	for _, p := range []*[]string{&out.Roles, &out.Teams, &out.Scopes} {
		if *p == nil {
			*p = []string{}
		}
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) postSubscription(c *gin.Context, rq *call) error {
	var sub notify.Subscription
	if err := decodeJSON(c.Request, &sub); err != nil {
		return err
	}
	if !sub.Created.IsZero() || sub.ID != "" || sub.By != "" {
		return invalid("id", "id, created and by are set by the server")
	}
	made := ""
	if sub.Webhook != nil && sub.Webhook.Secret == "" {
		made = randomHex(32)
		sub.Webhook.Secret = made
	}
	if err := sub.Validate(); err != nil {
		var fe *notify.FieldError
		if errors.As(err, &fe) {
			return invalid(fe.Field, "%s", fe.Msg)
		}
		return err
	}
	if sub.Email != nil && s.cfg.SMTP == nil {
		return errorf(EUnavailable, "email", "this server has no SMTP server configured (growthlens serve --smtp-addr): use a webhook, or ask the operator")
	}
	sub.ID, sub.Created, sub.By = "sub-"+randomHex(8), time.Now().UTC(), rq.key.ID
	b, err := json.Marshal(sub)
	if err != nil {
		return err
	}
	if _, err := s.store.PutSubscription(rq.key.Tenant, sub.ID, b); err != nil {
		return err
	}
	rq.target = "subscription " + sub.ID
	rq.detail = clip.String(fmt.Sprintf("%s: roles %v, teams %v, scopes %v, webhook %v, email %v", sub.Name, sub.Roles, sub.Teams, sub.Scopes, sub.Webhook != nil, sub.Email != nil), 2000)
	resp := map[string]any{"subscription": showSubscription(sub)}
	if made != "" {
		resp["secret"] = made // shown this once: the receiver verifies signatures with it
	}
	return writeJSON(c, 201, resp)
}

func (s *Server) getSubscriptions(c *gin.Context, rq *call) error {
	subs, err := s.subscriptions(rq.key.Tenant)
	if err != nil {
		return err
	}
	out := make([]subscriptionJSON, len(subs))
	for i, sub := range subs {
		out[i] = showSubscription(sub)
	}
	return writeJSON(c, 200, map[string]any{"subscriptions": out})
}

func (s *Server) deleteSubscription(c *gin.Context, rq *call) error {
	id := c.Param("id")
	rq.target = "subscription " + clip.String(id, 80)
	err := s.store.DeleteSubscription(rq.key.Tenant, id)
	if errors.Is(err, registry.ErrNotFound) || errors.Is(err, registry.ErrInvalid) {
		return errorf(ENotFound, "id", "no subscription %s; GET /v1/subscriptions lists them", clip.String(id, 80))
	}
	if err != nil {
		return err
	}
	return writeJSON(c, 200, map[string]any{"deleted": id})
}

type deliveryJSON struct {
	registry.Delivery
	Data   *struct{}     `json:"data,omitempty"`
	Target notify.Target `json:"target"`
}

func (s *Server) getDeliveries(c *gin.Context, rq *call) error {
	status, err := queryEnum(rq.query, "status", "", registry.Pending, registry.Delivered, registry.Dead, registry.Cancelled)
	if err != nil {
		return err
	}
	limit, err := queryInt(rq.query, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	ds, err := s.store.Deliveries(rq.key.Tenant, status, limit)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, len(ds))
	for i, d := range ds {
		out[i] = deliveryJSON{Delivery: d}
		json.Unmarshal(d.Data, &out[i].Target)
	}
	return writeJSON(c, 200, map[string]any{"deliveries": out})
}

func (s *Server) retryDelivery(c *gin.Context, rq *call) error {
	id := c.Param("id")
	rq.target = "delivery " + clip.String(id, 80)
	d, err := s.store.RetryDelivery(rq.key.Tenant, id)
	if errors.Is(err, registry.ErrNotFound) || errors.Is(err, registry.ErrInvalid) {
		return errorf(ENotFound, "id", "no dead delivery %s; GET /v1/deliveries?status=dead lists them", clip.String(id, 80))
	}
	if err != nil {
		return err
	}
	s.wakeDeliverer()
	out := deliveryJSON{Delivery: d}
	json.Unmarshal(d.Data, &out.Target)
	return writeJSON(c, 200, map[string]any{"delivery": out})
}

type ackRequest struct {
	Note string `json:"note"`
}

type muteRequest struct {
	Until string `json:"until"`
	Days  *int   `json:"days"`
	Note  string `json:"note"`
}

// alertRecord reads one of the tenant's alerts, or ENotFound.
func (s *Server) alertRecord(tenant, id string) (alert.Alert, error) {
	rec, err := s.store.Alert(tenant, id)
	if errors.Is(err, registry.ErrNotFound) || errors.Is(err, registry.ErrInvalid) {
		return alert.Alert{}, errorf(ENotFound, "id", "no alert %s; GET /v1/alerts lists them", clip.String(id, 80))
	}
	if err != nil {
		return alert.Alert{}, err
	}
	var a alert.Alert
	if err := json.Unmarshal(rec.Data, &a); err != nil {
		return alert.Alert{}, fmt.Errorf("stored alert %s: %w", id, err)
	}
	return a, nil
}

// quiet stores a state and cancels the pending deliveries of the alerts it quiets.
func (s *Server) quiet(tenant, stateID string, st notify.State) (int, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	if _, err := s.store.PutAlertState(tenant, stateID, b); err != nil {
		return 0, err
	}
	recs, err := s.store.Alerts(tenant, 0)
	if err != nil {
		return 0, err
	}
	states := map[string]notify.State{stateID: st}
	var ids []string
	for _, r := range recs {
		var a alert.Alert
		if json.Unmarshal(r.Data, &a) == nil {
			if q, _ := notify.Quiet(&a, states, time.Now()); q {
				ids = append(ids, a.ID)
			}
		}
	}
	return s.store.CancelDeliveries(tenant, ids)
}

func (s *Server) ackAlert(c *gin.Context, rq *call) error {
	var req ackRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	if len(req.Note) > 1000 {
		return invalid("note", "%d bytes: at most 1000", len(req.Note))
	}
	a, err := s.alertRecord(rq.key.Tenant, c.Param("id"))
	if err != nil {
		return err
	}
	st := notify.State{Key: a.Key, AlertID: a.ID, Acked: true, AckedAt: time.Now().UTC(), By: rq.key.ID, Note: req.Note}
	n, err := s.quiet(rq.key.Tenant, notify.StateID(a.Key), st)
	if err != nil {
		return err
	}
	rq.target = "alert " + a.ID
	rq.detail = fmt.Sprintf("acknowledged %s; %d pending deliveries cancelled", a.Key, n)
	return writeJSON(c, 200, map[string]any{"state": st, "cancelled": n})
}

func (s *Server) muteAlert(c *gin.Context, rq *call) error {
	var req muteRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	if len(req.Note) > 1000 {
		return invalid("note", "%d bytes: at most 1000", len(req.Note))
	}
	until := time.Now().UTC().Add(7 * 24 * time.Hour)
	switch {
	case req.Until != "" && req.Days != nil:
		return invalid("days", "give until or days, not both")
	case req.Until != "":
		t, err := time.Parse(time.RFC3339, req.Until)
		if err != nil || !t.After(time.Now()) || t.After(time.Now().AddDate(1, 0, 0)) {
			return invalid("until", "%q: want an RFC 3339 time within the next year", clip.String(req.Until, 40))
		}
		until = t.UTC()
	case req.Days != nil:
		if *req.Days < 1 || *req.Days > 365 {
			return invalid("days", "%d: want 1 to 365", *req.Days)
		}
		until = time.Now().UTC().AddDate(0, 0, *req.Days)
	}
	a, err := s.alertRecord(rq.key.Tenant, c.Param("id"))
	if err != nil {
		return err
	}
	st := notify.State{Key: "mute|" + a.Scope + "|" + a.Metric, AlertID: a.ID, MutedUntil: until, By: rq.key.ID, Note: req.Note}
	n, err := s.quiet(rq.key.Tenant, notify.MuteID(a.Scope, a.Metric), st)
	if err != nil {
		return err
	}
	rq.target = "alert " + a.ID
	rq.detail = fmt.Sprintf("muted %s %s until %s; %d pending deliveries cancelled", a.Scope, a.Metric, until.Format(time.RFC3339), n)
	return writeJSON(c, 200, map[string]any{"state": st, "cancelled": n})
}

type checkRequest struct {
	Period string `json:"period"`
}

// postAlertCheck raises alerts for the role KPIs that have fallen behind their targets in the
// cascade of the current goal (goal.KPIAlerts), deduplicated against the alerts raised before
// and delivered like revenue alerts.
func (s *Server) postAlertCheck(c *gin.Context, rq *call) error {
	var req checkRequest
	if err := decodeJSON(c.Request, &req); err != nil {
		return err
	}
	sn := rq.t.live.Load()
	co, err := sn.company(c.Request.Context())
	if err != nil {
		return err
	}
	var p goal.Period
	if req.Period != "" {
		if p, err = goal.ParsePeriod(req.Period); err != nil {
			return invalid("period", "%v", err)
		}
	} else {
		// The goal of the quarter holding the data's last day, else of its year.
		q := datasets.QuarterOf(co.AsOf().Add(-time.Nanosecond))
		p = goal.Period{First: q, Quarters: 1}
		if _, err := s.currentGoal(rq.key.Tenant, p, goal.MetricGrowthYoY); err != nil {
			p, _ = goal.ParsePeriod(fmt.Sprint(q.Year()))
		}
	}
	g, err := s.currentGoal(rq.key.Tenant, p, goal.MetricGrowthYoY)
	if err != nil {
		return err
	}
	e, err := s.cascade(c.Request.Context(), sn, g)
	if err != nil {
		return err
	}
	cfg, _ := alert.Config{}.Validate()
	raised, notes, err := goal.KPIAlerts(co, e.plan, cfg)
	if err != nil {
		return err
	}
	rq.t.alertMu.Lock()
	defer rq.t.alertMu.Unlock()
	raise, suppressed, err := alert.Keep(raised, cfg, &alertLog{s: s, tenant: rq.key.Tenant})
	if err != nil {
		return err
	}
	ids := make([]string, len(raise))
	for i, a := range raise {
		ids[i] = a.ID
		s.metrics.alerts.WithLabelValues(rq.key.Tenant, a.Severity).Inc()
	}
	rq.target = "KPI check of " + g.Period
	rq.detail = clip.String(fmt.Sprintf("%d alerts raised (%s), %d suppressed", len(raise), strings.Join(ids, " "), len(suppressed)), 2000)
	return writeJSON(c, 200, map[string]any{"period": g.Period, "goal_version": g.Version, "alerts": nonNil(raise),
		"suppressed": nonNil(suppressed), "notes": nonNil(notes)})
}
