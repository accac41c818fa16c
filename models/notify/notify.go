package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/registry"
)

// Subscription says who gets which alerts, and how: a webhook, e-mail, or both.
type Subscription struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Roles, Teams and Scopes select the alerts: an alert that notifies one of the roles, is
	// about one of the teams (scope team:ID) or about one of the scopes (company,
	// region:East …). With none given, every alert. MinSeverity is warning (default) or
	// critical.
	Roles       []string `json:"roles"`
	Teams       []string `json:"teams"`
	Scopes      []string `json:"scopes"`
	MinSeverity string   `json:"min_severity"`
	Webhook     *Webhook `json:"webhook,omitempty"`
	Email       *Email   `json:"email,omitempty"`
	// Created and By (an API key id) are set when it is stored.
	Created time.Time `json:"created"`
	By      string    `json:"by,omitempty"`
}

// Webhook is an HTTPS (or, for a receiver on the same host, HTTP) endpoint that gets each
// alert as JSON, signed with Secret (see Sign).
type Webhook struct {
	URL    string `json:"url"`
	Secret string `json:"secret,omitempty"`
}

// Email is a list of addresses that get each alert as a plain-text message through the
// operator's SMTP server.
type Email struct {
	To []string `json:"to"`
}

// FieldError names the field of a subscription that cannot be accepted.
type FieldError struct{ Field, Msg string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// MinSecretLen is the shortest webhook secret accepted.
const MinSecretLen = 16

// Validate checks a subscription as a client sends it and fills the defaults. It returns a
// *FieldError naming the field at fault.
func (s *Subscription) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
	}
	if s.MinSeverity == "" {
		s.MinSeverity = alert.Warning
	}
	switch {
	case s.Name == "" || len(s.Name) > 200:
		return bad("name", "required: up to 200 characters saying who this is (\"customer service on-call\")")
	case s.MinSeverity != alert.Warning && s.MinSeverity != alert.Critical:
		return bad("min_severity", "%q: want warning or critical", s.MinSeverity)
	case s.Webhook == nil && s.Email == nil:
		return bad("webhook", "give a webhook, an email, or both")
	case len(s.Roles)+len(s.Teams)+len(s.Scopes) > 200:
		return bad("roles", "at most 200 roles, teams and scopes together")
	}
	for i, sc := range s.Scopes {
		if sc != "company" && !strings.HasPrefix(sc, "region:") && !strings.HasPrefix(sc, "team:") {
			return bad(fmt.Sprintf("scopes[%d]", i), "%q: want company, region:<id> or team:<id>", sc)
		}
	}
	if w := s.Webhook; w != nil {
		u, err := url.Parse(w.URL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			return bad("webhook.url", "%q: want an http or https URL", w.URL)
		case u.User != nil:
			return bad("webhook.url", "credentials in the URL would be logged: use the secret")
		case len(w.Secret) < MinSecretLen:
			return bad("webhook.secret", "want at least %d characters (leave it out to have one made)", MinSecretLen)
		}
	}
	if e := s.Email; e != nil {
		if len(e.To) == 0 || len(e.To) > 50 {
			return bad("email.to", "give 1 to 50 addresses")
		}
		for i, to := range e.To {
			if a, err := mail.ParseAddress(to); err != nil || a.Name != "" {
				return bad(fmt.Sprintf("email.to[%d]", i), "%q is not an e-mail address", to)
			}
		}
	}
	return nil
}

// Matches reports whether the subscription wants the alert.
func (s *Subscription) Matches(a *alert.Alert) bool {
	if s.MinSeverity == alert.Critical && a.Severity != alert.Critical {
		return false
	}
	if len(s.Roles)+len(s.Teams)+len(s.Scopes) == 0 {
		return true
	}
	for _, r := range a.Notify {
		if slices.Contains(s.Roles, r) {
			return true
		}
	}
	if team, ok := strings.CutPrefix(a.Scope, "team:"); ok && slices.Contains(s.Teams, team) {
		return true
	}
	return slices.Contains(s.Scopes, a.Scope)
}

// Channels of a delivery.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// Target is what a delivery's Data holds: the subscription and channel it goes to. The
// payload is built when it is sent, from the alert record and the subscription as they are
// then (a rotated secret applies to deliveries still pending).
type Target struct {
	Subscription string `json:"subscription"`
	Channel      string `json:"channel"`
}

// Deliveries returns the deliveries the alerts need: one per alert, matching subscription and
// channel, each with an id made from the three, so that queueing them again is a no-op.
func Deliveries(alerts []alert.Alert, subs []Subscription) []registry.Delivery {
	var out []registry.Delivery
	for i := range alerts {
		a := &alerts[i]
		for k := range subs {
			s := &subs[k]
			if !s.Matches(a) {
				continue
			}
			for _, ch := range s.channels() {
				b, _ := json.Marshal(Target{Subscription: s.ID, Channel: ch})
				out = append(out, registry.Delivery{ID: DeliveryID(a.ID, s.ID, ch), AlertID: a.ID, Data: b})
			}
		}
	}
	return out
}

func (s *Subscription) channels() []string {
	var out []string
	if s.Webhook != nil {
		out = append(out, ChannelWebhook)
	}
	if s.Email != nil {
		out = append(out, ChannelEmail)
	}
	return out
}

// DeliveryID is the id of the delivery of an alert to a subscription's channel.
func DeliveryID(alertID, subID, channel string) string {
	h := sha256.Sum256([]byte(alertID + "|" + subID + "|" + channel))
	return hex.EncodeToString(h[:12])
}

// Headers of a webhook request.
const (
	HeaderSignature = "X-Growthlens-Signature"
	HeaderTimestamp = "X-Growthlens-Timestamp"
	HeaderDelivery  = "X-Growthlens-Delivery"
)

// Sign is a webhook request's signature: "sha256=" and the hex HMAC-SHA256, keyed by the
// subscription's secret, of the timestamp header's value, a dot and the body. A receiver
// recomputes it (Verify) and refuses a stale timestamp, so a captured request cannot be
// replayed later; the delivery header lets it drop a delivery it has already processed.
func Sign(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is Sign's for the secret, timestamp and body (in constant
// time).
func Verify(secret, timestamp string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, timestamp, body)), []byte(signature))
}

// Payload is the JSON body of a webhook request.
type Payload struct {
	Event        string          `json:"event"` // "alert"
	DeliveryID   string          `json:"delivery_id"`
	Tenant       string          `json:"tenant"`
	Subscription string          `json:"subscription"`
	Alert        json.RawMessage `json:"alert"`
}

// State is what people did about an alert's key (its scope, metric and period): acknowledged
// it (it stays quiet: no delivery, not open), or muted its scope and metric until a time.
type State struct {
	Key     string    `json:"key"`
	AlertID string    `json:"alert_id"`
	Acked   bool      `json:"acked"`
	AckedAt time.Time `json:"acked_at,omitzero"`
	// MutedUntil quiets every alert of the key's scope and metric, whatever the period, until
	// then.
	MutedUntil time.Time `json:"muted_until,omitzero"`
	By         string    `json:"by"`
	Note       string    `json:"note,omitempty"`
}

// StateID is the store id of a key's state.
func StateID(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:12])
}

// MuteID is the store id of a scope and metric's mute.
func MuteID(scope, metric string) string { return StateID("mute|" + scope + "|" + metric) }

// Quiet reports whether an alert is quiet at now: its key acknowledged, or its scope and
// metric muted until later. states are by StateID (acks) and MuteID (mutes).
func Quiet(a *alert.Alert, states map[string]State, now time.Time) (bool, string) {
	if st, ok := states[StateID(a.Key)]; ok && st.Acked {
		return true, "acknowledged on " + st.AckedAt.UTC().Format(time.DateOnly)
	}
	if st, ok := states[MuteID(a.Scope, a.Metric)]; ok && st.MutedUntil.After(now) {
		return true, "muted until " + st.MutedUntil.UTC().Format(time.RFC3339)
	}
	return false, ""
}
