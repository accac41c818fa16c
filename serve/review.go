package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve/review"
)

// The general manager's review page: GET /review shows the caller's tenant's quarter (package
// review builds and renders it from the same loaded models the API serves), POST /review
// runs a what-if from its form. A browser signs in at /signin by posting an API key of role
// gm or admin, which is exchanged for a session cookie: HttpOnly (no script reads it),
// SameSite=Strict (no other site's form or link carries it), Secure when the request came
// over TLS, expiring after SessionTTL. The key itself never appears in a URL or a cookie,
// and the server keeps only the SHA-256 of the session token. POSTs also carry a per-session
// CSRF token (a pre-session one for the sign-in form), so the pages do not rest on SameSite
// alone. These routes are not part of the JSON API and are not in the OpenAPI document.

// Cookie names and the session lifetime.
const (
	sessionCookie = "growthlens_session"
	signinCookie  = "growthlens_signin"
	// SessionTTL is how long a review session lasts after sign-in.
	SessionTTL = 8 * time.Hour
	// maxSessions bounds the session table; the oldest half is dropped when it is full.
	maxSessions = 10_000
	// maxFormBytes bounds a sign-in or what-if form.
	maxFormBytes = 8 << 10
)

// reviewRoles may open the review page: it shows people's incentive recommendations, so the
// role needs the people permission, and it is a GM's page.
var reviewRoles = []string{registry.RoleGM, registry.RoleAdmin}

type session struct {
	key     registry.APIKey
	csrf    string
	expires time.Time
}

// reviewPages holds the sessions and the indicator suggestions computed per dataset (they
// fit a bootstrap driver model: seconds, so once per dataset, not per page view).
type reviewPages struct {
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	sessions map[string]*session // by hex SHA-256 of the token

	// indicators memoizes the indicator suggestions of each tenant's current data, one entry
	// per data directory: a new dataset replaces its tenant's entry, so the cache holds no
	// dataset the tenant no longer serves.
	indMu      sync.Mutex
	indicators map[string]reviewIndicators
}

type reviewIndicators struct {
	data *tenantData
	// model is the company model the answer was computed with.
	model *company.Model
	f     func(context.Context) (*diagnose.IndicatorAnswer, error)
}

func (rp *reviewPages) resetIndicators() {
	rp.indMu.Lock()
	defer rp.indMu.Unlock()
	rp.indicators = map[string]reviewIndicators{}
}

func (rp *reviewPages) indicatorEntries() int {
	rp.indMu.Lock()
	defer rp.indMu.Unlock()
	return len(rp.indicators)
}

// mountReview registers the review page routes on e.
func (s *Server) mountReview(e *gin.Engine) {
	s.review = &reviewPages{ttl: SessionTTL, now: time.Now, sessions: map[string]*session{},
		indicators: map[string]reviewIndicators{}}
	e.GET("/signin", s.getSignIn)
	e.POST("/signin", s.postSignIn)
	e.POST("/signout", s.postSignOut)
	e.GET("/review", s.getReview)
	e.POST("/review", s.getReview)
}

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

func (rp *reviewPages) create(k registry.APIKey) (string, *session) {
	tok := newToken()
	ss := &session{key: k, csrf: newToken(), expires: rp.now().Add(rp.ttl)}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	now := rp.now()
	if len(rp.sessions) >= maxSessions {
		for h, old := range rp.sessions {
			if !old.expires.After(now) || len(rp.sessions) >= maxSessions/2 {
				delete(rp.sessions, h)
			}
		}
	}
	rp.sessions[tokenHash(tok)] = ss
	return tok, ss
}

// lookup returns the live session of a request's cookie, or nil.
func (rp *reviewPages) lookup(c *gin.Context) *session {
	tok, err := c.Cookie(sessionCookie)
	if err != nil || tok == "" || len(tok) > 128 {
		return nil
	}
	h := tokenHash(tok)
	rp.mu.Lock()
	defer rp.mu.Unlock()
	ss := rp.sessions[h]
	if ss == nil {
		return nil
	}
	if !ss.expires.After(rp.now()) {
		delete(rp.sessions, h)
		return nil
	}
	return ss
}

func (rp *reviewPages) drop(c *gin.Context) {
	if tok, err := c.Cookie(sessionCookie); err == nil {
		rp.mu.Lock()
		delete(rp.sessions, tokenHash(tok))
		rp.mu.Unlock()
	}
}

// setCookie writes an HttpOnly, SameSite=Strict cookie, Secure when the request came over
// TLS, to this server or to a trusted proxy (Config.TrustProxy). maxAge < 0 deletes it.
func setCookie(c *gin.Context, name, value, path string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge, HttpOnly: true,
		Secure: callOf(c).secure, SameSite: http.SameSiteStrictMode})
}

// pageHeaders are sent with every page: nothing is cached, nothing is loaded from elsewhere
// and no script runs (the pages have none), the page cannot be framed.
func pageHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

func writeHTML(c *gin.Context, status int, b []byte) {
	pageHeaders(c)
	c.Data(status, "text/html; charset=utf-8", b)
}

func (s *Server) message(c *gin.Context, status int, lang, title, msg, link, linkText string) {
	var buf bytes.Buffer
	if err := review.RenderMessage(&buf, lang, title, msg, link, linkText); err != nil {
		s.log.Error("render message page", "err", err)
		c.Status(http.StatusInternalServerError)
		return
	}
	writeHTML(c, status, buf.Bytes())
}

func langOf(c *gin.Context) string {
	if l := c.PostForm("lang"); l != "" {
		return review.ParseLang(l)
	}
	if l := c.Query("lang"); l != "" {
		return review.ParseLang(l)
	}
	return review.ParseLang(c.GetHeader("Accept-Language"))
}

func (s *Server) signInPage(c *gin.Context, status int, lang, msg string) {
	tok := newToken()
	setCookie(c, signinCookie, tok, "/signin", 600)
	var buf bytes.Buffer
	if err := review.RenderSignIn(&buf, review.SignInView{Lang: lang, Action: "/signin", CSRF: tok, Error: msg}); err != nil {
		s.log.Error("render sign-in page", "err", err)
		c.Status(http.StatusInternalServerError)
		return
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Cookie realm="growthlens review"`)
	}
	writeHTML(c, status, buf.Bytes())
}

func (s *Server) getSignIn(c *gin.Context) {
	if s.review.lookup(c) != nil {
		c.Redirect(http.StatusSeeOther, "/review?lang="+langOf(c))
		return
	}
	s.signInPage(c, http.StatusOK, langOf(c), "")
}

// postSignIn exchanges an API key for a session. Attempts are rate limited per client
// address with the API's per-key limits, and written to the audit log (the key's id only).
func (s *Server) postSignIn(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
	lang := langOf(c)
	if ok, wait := s.limiter.allow("signin:" + clientIP(c)); !ok {
		c.Header("Retry-After", retryAfter(wait))
		s.signInPage(c, http.StatusTooManyRequests, lang, "too many sign-in attempts: wait "+wait.Round(time.Second).String())
		return
	}
	want, err := c.Cookie(signinCookie)
	got := c.PostForm("csrf")
	if err != nil || want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
		s.signInPage(c, http.StatusForbidden, lang, "the sign-in form expired or did not come from this page: try again")
		return
	}
	secret := strings.TrimSpace(c.PostForm("key"))
	if secret == "" {
		s.signInPage(c, http.StatusBadRequest, lang, "enter an API key")
		return
	}
	k, err := s.keys.authenticate(s.store, secret)
	if err != nil {
		var ae *Error
		if errors.As(err, &ae) && ae.Code == EUnauthenticated {
			s.signInPage(c, http.StatusUnauthorized, lang, "invalid API key")
			return
		}
		s.log.Error("sign-in", "err", err)
		s.signInPage(c, http.StatusInternalServerError, lang, "the key could not be checked; try again later")
		return
	}
	entry := registry.AuditEntry{Who: k.ID, Role: k.Role, Tenant: k.Tenant, Action: "review.signin", Target: "/review", Outcome: "ok",
		RequestID: callOf(c).id}
	defer func() {
		if _, err := s.store.Audit(entry); err != nil {
			s.log.Warn("audit entry not written", "action", entry.Action, "err", err)
		}
	}()
	if !slices.Contains(reviewRoles, k.Role) {
		entry.Outcome, entry.Detail = "denied", "role "+k.Role+" may not open the review page"
		s.signInPage(c, http.StatusForbidden, lang, "a key of role "+k.Role+" may not open the review page: sign in with a key of role gm or admin")
		return
	}
	// The indicator suggestions and the diagnosis behind the causes (its driver model) take
	// a second or two the first time; start them now so the page the browser is sent to does
	// not wait for them.
	if d := s.tenant(k.Tenant).live.Load(); d != nil && d.data != nil && d.data.ds != nil && !s.closing.Load() {
		m, _ := d.champions.Company()
		f := s.review.indicatorsFor(d.data, m)
		s.bg.Add(2)
		go func() {
			defer s.bg.Done()
			f(context.Background())
		}()
		go func() {
			defer s.bg.Done()
			if co, err := d.company(context.Background()); err == nil {
				co.Model(context.Background(), datasets.Quarter)
			}
		}()
	}
	tok, _ := s.review.create(k)
	setCookie(c, sessionCookie, tok, "/", int(s.review.ttl/time.Second))
	setCookie(c, signinCookie, "", "/signin", -1)
	c.Redirect(http.StatusSeeOther, "/review?lang="+lang)
}

func (s *Server) postSignOut(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
	ss := s.review.lookup(c)
	if ss != nil && subtle.ConstantTimeCompare([]byte(ss.csrf), []byte(c.PostForm("csrf"))) != 1 {
		s.message(c, http.StatusForbidden, langOf(c), review.T(langOf(c), "forbidden"), "the sign-out form did not come from this session", "/review", "Back")
		return
	}
	s.review.drop(c)
	setCookie(c, sessionCookie, "", "/", -1)
	c.Redirect(http.StatusSeeOther, "/signin?lang="+langOf(c))
}

func clientIP(c *gin.Context) string {
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		return c.Request.RemoteAddr
	}
	return host
}

// getReview serves GET and POST /review. Without a session it redirects to the sign-in page;
// a session whose key was revoked since is ended; asking for another tenant is refused (403).
func (s *Server) getReview(c *gin.Context) {
	if c.Request.Method == http.MethodPost {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
	}
	lang := langOf(c)
	ss := s.review.lookup(c)
	if ss == nil {
		c.Redirect(http.StatusSeeOther, "/signin?lang="+lang)
		return
	}
	if !s.keyStillValid(ss.key) {
		s.review.drop(c)
		setCookie(c, sessionCookie, "", "/", -1)
		c.Redirect(http.StatusSeeOther, "/signin?lang="+lang)
		return
	}
	sc := review.DefaultScenario
	quarter := c.Query("quarter")
	if c.Request.Method == http.MethodPost {
		if subtle.ConstantTimeCompare([]byte(ss.csrf), []byte(c.PostForm("csrf"))) != 1 {
			s.message(c, http.StatusForbidden, lang, review.T(lang, "forbidden"), "the form did not come from this session: reload the page", "/review", "Reload")
			return
		}
		quarter = c.PostForm("quarter")
		var err error
		if sc.SpendPercent, err = formPercent(c, "spend", sc.SpendPercent); err == nil {
			sc.ResponsePercent, err = formPercent(c, "response", sc.ResponsePercent)
		}
		if err == nil {
			err = sc.Validate()
		}
		if err != nil {
			s.message(c, http.StatusBadRequest, lang, review.T(lang, "error"), err.Error(), "/review?quarter="+url.QueryEscape(quarter), "Back")
			return
		}
	}
	if t := c.Query("tenant"); t != "" && t != ss.key.Tenant {
		s.message(c, http.StatusForbidden, lang, review.T(lang, "forbidden"), "this session belongs to another tenant: sign in with a key of tenant "+clip.String(t, 64), "/signin", "Sign in")
		return
	}
	t := s.tenant(ss.key.Tenant)
	in := s.reviewInput(t)
	p, err := review.Build(c.Request.Context(), in, quarter, sc)
	switch {
	case errors.Is(err, review.ErrQuarter):
		s.message(c, http.StatusBadRequest, lang, review.T(lang, "error"), err.Error(), "/review", "Latest quarter")
		return
	case err != nil:
		s.message(c, http.StatusServiceUnavailable, lang, review.T(lang, "unavailable"), err.Error(), "/review", "Reload")
		return
	}
	var buf bytes.Buffer
	if err := review.Render(&buf, p, review.Options{Lang: lang, CSRF: ss.csrf}); err != nil {
		s.log.Error("render review", "tenant", ss.key.Tenant, "err", err)
		s.message(c, http.StatusInternalServerError, lang, review.T(lang, "error"), "the page could not be rendered (request "+callOf(c).id+")", "/review", "Reload")
		return
	}
	writeHTML(c, http.StatusOK, buf.Bytes())
}

func formPercent(c *gin.Context, name string, def float64) (float64, error) {
	v := strings.TrimSpace(c.PostForm(name))
	if v == "" {
		return def, nil
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, errors.New(name + ": want a number of percent")
	}
	return x, nil
}

// keyStillValid checks the store: a key revoked since sign-in ends its sessions.
func (s *Server) keyStillValid(k registry.APIKey) bool {
	keys, err := s.store.Keys(k.Tenant)
	if err != nil {
		s.log.Warn("check review session key", "err", err)
		return false
	}
	for _, sk := range keys {
		if sk.ID == k.ID {
			return sk.Revoked == nil
		}
	}
	return false
}

// reviewInput hands the tenant's current snapshot to package review: the same loaded models
// and data the API answers from.
func (s *Server) reviewInput(t *tenant) review.Input {
	sn := t.live.Load()
	if sn == nil {
		return review.Input{Tenant: t.name, Missing: map[string]string{}}
	}
	in := review.NewInput(sn.champions)
	if d := sn.data; d != nil && d.ds != nil {
		in.Dataset = d.ds
		m, _ := sn.champions.Company()
		in.Indicators = s.review.indicatorsFor(d, m)
		// The causes come from the diagnosis GET /v1/rootcauses answers from.
		in.Diagnosis = sn.company
		// The goal's cascade is GET /v1/cascade's, from the same cache.
		in.Cascade = func(ctx context.Context, g goal.Goal) (*goal.Plan, error) {
			e, err := s.cascade(ctx, sn, g)
			if err != nil {
				return nil, err
			}
			return e.plan, nil
		}
	}
	goals, err := review.LatestGoals(s.store, t.name)
	if err != nil {
		s.log.Warn("review: goals not read", "tenant", t.name, "err", err)
	}
	in.Goals = goals
	if in.Alerts, err = review.OpenAlerts(s.store, t.name, time.Now()); err != nil {
		s.log.Warn("review: alerts not read", "tenant", t.name, "err", err)
	}
	if in.Adjustments, err = s.currentAdjustments(t.name); err != nil {
		s.log.Warn("review: forecast adjustments not read", "tenant", t.name, "err", err)
	}
	return in
}

// indicatorsFor returns the memoized indicator suggestions of a tenant's dataset and company
// model. A dataset the tenant's directory did not have before, or a new champion, replaces
// the entry of the old one.
func (rp *reviewPages) indicatorsFor(d *tenantData, m *company.Model) func(context.Context) (*diagnose.IndicatorAnswer, error) {
	rp.indMu.Lock()
	defer rp.indMu.Unlock()
	if e, ok := rp.indicators[d.dir]; ok && e.data == d && e.model == m {
		return e.f
	}
	f := review.Indicators(d.ds, m, d.catalogue())
	rp.indicators[d.dir] = reviewIndicators{data: d, model: m, f: f}
	return f
}
