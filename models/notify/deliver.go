package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"mime"
	"net"
	"net/http"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/registry"
)

// Store is what a Deliverer needs from the store (registry.Store has it).
type Store interface {
	DueDeliveries(now time.Time, limit int) ([]registry.Delivery, error)
	AttemptDelivery(tenant, id string, a registry.Attempt, next time.Time) (registry.Delivery, error)
	Alert(tenant, id string) (registry.Record, error)
	Subscriptions(tenant string) ([]registry.Record, error)
}

// Policy is how often a delivery is tried: MaxAttempts times at most, the n-th retry Base ×
// 2^(n−1) after the failure before it (at most Max), then it is a dead letter.
type Policy struct {
	MaxAttempts int
	Base, Max   time.Duration
}

// DefaultPolicy retries eight times over about 21 minutes: 5 s, 10 s, 20 s, … 10 min.
func DefaultPolicy() Policy { return Policy{MaxAttempts: 8, Base: 5 * time.Second, Max: time.Hour} }

// Next is when to try again after the attempts-th failed attempt, or zero when no attempt is
// left.
func (p Policy) Next(attempts int, now time.Time) time.Time {
	if attempts >= p.MaxAttempts {
		return time.Time{}
	}
	d := time.Duration(float64(p.Base) * math.Pow(2, float64(attempts-1)))
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	return now.Add(d)
}

// SMTP is the operator's mail server. Addr is host:port; From the sender address; Username
// and Password, when set, authenticate with PLAIN, which net/smtp allows only over TLS or to
// localhost (STARTTLS is used whenever the server offers it).
type SMTP struct {
	Addr, From         string
	Username, Password string
	Timeout            time.Duration
}

// Deliverer works the outbox: it sends each due delivery and records the attempt.
type Deliverer struct {
	Store  Store
	HTTP   *http.Client
	SMTP   *SMTP // nil: e-mail deliveries fail ("no SMTP server configured") until one is
	Policy Policy
	Log    *slog.Logger
	Now    func() time.Time
	// BaseURL, when set, is the server's address for the links in e-mails (acknowledge).
	BaseURL string
	// Grace is how long a send under way may finish once ctx ends, so that a stopping server
	// records what the receiver answered instead of sending it again after a restart
	// (default 5 s; a send still unfinished then is cancelled and stays due).
	Grace time.Duration
}

// Run delivers until ctx ends: whenever wake says there is something new, and every poll.
func (d *Deliverer) Run(ctx context.Context, wake <-chan struct{}, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := d.Flush(ctx); err != nil && ctx.Err() == nil {
			d.log().Warn("deliveries", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
		}
	}
}

// Flush tries every delivery due now once and returns how many it tried.
func (d *Deliverer) Flush(ctx context.Context) (int, error) {
	due, err := d.Store.DueDeliveries(d.now(), 100)
	if err != nil {
		return 0, err
	}
	for i, dl := range due {
		if ctx.Err() != nil {
			return i, ctx.Err()
		}
		cancelled, err := d.sendWithGrace(ctx, dl)
		if cancelled {
			return i, ctx.Err() // stopped mid-send: not an attempt, it stays due
		}
		a := registry.Attempt{Time: d.now().UTC(), OK: err == nil, Detail: "sent"}
		if err != nil {
			a.Detail = err.Error()
		}
		var next time.Time
		if err != nil && !errors.Is(err, errPermanent) {
			next = d.policy().Next(len(dl.Attempts)+1, a.Time)
		}
		got, rerr := d.Store.AttemptDelivery(dl.Tenant, dl.ID, a, next)
		switch {
		case errors.Is(rerr, registry.ErrNotFound):
			// Cancelled while it was being sent (the alert was acknowledged).
		case rerr != nil:
			return i, rerr
		case got.Status == registry.Dead:
			d.log().Warn("delivery failed for good; it is a dead letter", "tenant", dl.Tenant, "delivery", dl.ID, "alert", dl.AlertID, "attempts", len(got.Attempts), "err", a.Detail)
		case !a.OK:
			d.log().Info("delivery failed; it will be retried", "tenant", dl.Tenant, "delivery", dl.ID, "next", next, "err", a.Detail)
		}
	}
	return len(due), nil
}

// sendWithGrace sends dl; when ctx ends during the send, the send has Grace more to finish.
// cancelled reports a send cut short, whose outcome is unknown.
func (d *Deliverer) sendWithGrace(ctx context.Context, dl registry.Delivery) (cancelled bool, err error) {
	grace := d.Grace
	if grace <= 0 {
		grace = 5 * time.Second
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(grace, cancel)
		context.AfterFunc(sctx, func() { t.Stop() })
	})
	defer stop()
	err = d.send(sctx, dl)
	return err != nil && sctx.Err() != nil, err
}

// errPermanent marks a failure that retrying cannot fix (the subscription is gone).
var errPermanent = errors.New("permanent failure")

func (d *Deliverer) send(ctx context.Context, dl registry.Delivery) error {
	var tg Target
	if err := json.Unmarshal(dl.Data, &tg); err != nil {
		return fmt.Errorf("%w: delivery data: %v", errPermanent, err)
	}
	sub, err := d.subscription(dl.Tenant, tg.Subscription)
	if err != nil {
		return err
	}
	rec, err := d.Store.Alert(dl.Tenant, dl.AlertID)
	if err != nil {
		return fmt.Errorf("%w: alert %s: %v", errPermanent, dl.AlertID, err)
	}
	switch {
	case tg.Channel == ChannelWebhook && sub.Webhook != nil:
		return d.webhook(ctx, dl, sub, rec.Data)
	case tg.Channel == ChannelEmail && sub.Email != nil:
		return d.email(ctx, dl, sub, rec.Data)
	}
	return fmt.Errorf("%w: subscription %s has no %s any more", errPermanent, sub.ID, tg.Channel)
}

func (d *Deliverer) subscription(tenant, id string) (*Subscription, error) {
	recs, err := d.Store.Subscriptions(tenant)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if r.ID == id {
			var s Subscription
			if err := json.Unmarshal(r.Data, &s); err != nil {
				return nil, fmt.Errorf("%w: subscription %s: %v", errPermanent, id, err)
			}
			return &s, nil
		}
	}
	return nil, fmt.Errorf("%w: subscription %s was deleted", errPermanent, id)
}

// webhook posts the signed payload; any 2xx is a delivery.
func (d *Deliverer) webhook(ctx context.Context, dl registry.Delivery, sub *Subscription, alertJSON json.RawMessage) error {
	body, err := json.Marshal(Payload{Event: "alert", DeliveryID: dl.ID, Tenant: dl.Tenant, Subscription: sub.ID, Alert: alertJSON})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", errPermanent, err)
	}
	ts := strconv.FormatInt(d.now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "growthlens-webhook/1")
	req.Header.Set(HeaderDelivery, dl.ID)
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(sub.Webhook.Secret, ts, body))
	client := d.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// email sends the alert as a plain-text message.
func (d *Deliverer) email(ctx context.Context, dl registry.Delivery, sub *Subscription, alertJSON json.RawMessage) error {
	if d.SMTP == nil || d.SMTP.Addr == "" {
		return errors.New("no SMTP server is configured (growthlens serve --smtp-addr)")
	}
	var a alert.Alert
	if err := json.Unmarshal(alertJSON, &a); err != nil {
		return fmt.Errorf("%w: alert %s: %v", errPermanent, dl.AlertID, err)
	}
	subject, text := Message(&a, dl.Tenant, d.BaseURL)
	return d.SMTP.Send(ctx, sub.Email.To, subject, text, dl.ID+"@growthlens", d.now())
}

// Message is an alert as an e-mail's subject and plain text.
func Message(a *alert.Alert, tenant, baseURL string) (subject, text string) {
	subject = fmt.Sprintf("[growthlens %s] %s: %s of %s at %s of its pace in %s", tenant, a.Severity, a.Metric, a.Scope, pct(a.Pace), a.Period)
	var b strings.Builder
	fmt.Fprintf(&b, "%s of %s in %s is at %s of its pace (the alert fires below %s).\n", a.Metric, a.Scope, a.Period, pct(a.Pace), pct(a.Threshold))
	fmt.Fprintf(&b, "Actual to %s: %s; expected by then: %s; target for the period: %s.\n",
		a.AsOf.AddDate(0, 0, -1).Format(time.DateOnly), numfmt.Plain(a.Actual), numfmt.Plain(a.Expected), numfmt.Plain(a.Target))
	if len(a.Causes) > 0 {
		b.WriteString("\nCauses:\n")
		for _, c := range a.Causes {
			fmt.Fprintf(&b, "- %s (%s)\n", c.Detail, c.Role)
		}
	} else if a.NoDominantCause {
		b.WriteString("\nNo dominant cause was found.\n")
	}
	fmt.Fprintf(&b, "\nSent to: %s.\n", strings.Join(a.Notify, ", "))
	ack := "POST /v1/alerts/" + a.ID + "/ack"
	if baseURL != "" {
		ack = "POST " + strings.TrimRight(baseURL, "/") + "/v1/alerts/" + a.ID + "/ack"
	}
	fmt.Fprintf(&b, "Acknowledge it (it then stays quiet): %s\n", ack)
	return subject, b.String()
}

func pct(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return numfmt.Plain(100*x) + " %"
}

// Send sends one plain-text message to the addresses, in UTF-8, with the message id given.
func (c *SMTP) Send(ctx context.Context, to []string, subject, text, msgID string, now time.Time) error {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	dl := net.Dialer{Timeout: timeout}
	conn, err := dl.DialContext(ctx, "tcp", c.Addr)
	if err != nil {
		return err
	}
	conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(c.Addr)
	cl, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer cl.Close()
	if ok, _ := cl.Extension("STARTTLS"); ok {
		if err := cl.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	}
	if c.Username != "" {
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, host)); err != nil {
			return err
		}
	}
	if err := cl.Mail(c.From); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := cl.Rcpt(rcpt); err != nil {
			return err
		}
	}
	w, err := cl.Data()
	if err != nil {
		return err
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		c.From, strings.Join(to, ", "), mime.QEncoding.Encode("utf-8", subject), now.UTC().Format(time.RFC1123Z), msgID)
	msg.WriteString(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\n", "\r\n"))
	if _, err := io.WriteString(w, msg.String()); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return cl.Quit()
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deliverer) policy() Policy {
	if d.Policy.MaxAttempts == 0 {
		return DefaultPolicy()
	}
	return d.Policy
}

func (d *Deliverer) log() *slog.Logger {
	if d.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Log
}
