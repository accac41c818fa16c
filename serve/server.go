package serve

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/buildinfo"
	"github.com/growthlens/growthlens/internal/clip"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve/apidocs"
)

// Server is the growthlens HTTP service: it owns the store while it runs, serves every
// tenant's champion models, swaps them when an alias moves, and answers the CLI on the admin
// socket. New opens the store; Start listens; Shutdown drains and closes.
type Server struct {
	cfg     Config
	log     *slog.Logger
	store   registry.Store
	engine  *gin.Engine
	routes  []route
	metrics *metrics
	keys    *keyCache
	limiter *limiter
	people  *keySlots
	// refusals aggregates the audit entries of refused mutations (refusals.go).
	refusals *refusals
	tenants  *tenants
	jobs     *jobs
	openapi  []byte
	docs     *apidocs.Pages
	review   *reviewPages // the GM's review page and its sessions (review.go)

	httpSrv  *http.Server
	ln       net.Listener
	adminSrv *http.Server
	adminLn  net.Listener
	metSrv   *http.Server
	metLn    net.Listener

	bg          sync.WaitGroup // reloads, training jobs, watchers
	moveMu      sync.Mutex
	lastMove    map[string]int64 // tenant/model → seq of the newest champion move seen (confirmMove)
	trainCtx    context.Context
	cancelTrain context.CancelFunc
	stop        chan struct{}
	wake        chan struct{} // tells the deliverer an alert was raised (notify.go)
	unsubscribe func()
	closing     atomic.Bool
	loaded      atomic.Bool
	shutOnce    sync.Once
	shutErr     error
}

// New opens the store named by cfg and builds the server. It fails with the registry's
// *InUseError when another process holds the store, and with a *KeyError when the encryption
// key does not fit it. With an encryption key the data root is sealed too (see sealData).
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	store, err := openStore(cfg, log)
	if err != nil {
		return nil, err
	}
	if err := sealData(cfg, log); err != nil {
		store.Close()
		return nil, err
	}
	api, doc, err := openAPIJSON()
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("openapi document: %w", err)
	}
	docs, err := apidocs.New(api, "/openapi.json", docsAssets, !cfg.PlainDocs)
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("reference page: %w", err)
	}
	s := &Server{
		cfg: cfg, log: log, store: store, metrics: newMetrics(cfg.MetricsKPITenants), keys: newKeyCache(cfg.KeyCacheTTL),
		limiter: newLimiter(cfg.RateLimit, cfg.RateBurst), people: newKeySlots(cfg.PeopleConcurrency), refusals: newRefusals(), tenants: &tenants{m: map[string]*tenant{}}, jobs: newJobs(),
		openapi: doc, docs: docs, stop: make(chan struct{}), wake: make(chan struct{}, 1),
	}
	s.trainCtx, s.cancelTrain = context.WithCancel(context.Background())
	if cfg.Cluster == "" || cfg.Queue != nil {
		// In a cluster only the queue can tell a run no worker will finish (markInterrupted).
		s.markInterrupted()
	}
	s.routes = s.routeTable()
	s.engine = s.buildEngine()
	return s, nil
}

// openStore opens the Badger directory cfg.Store or, with cfg.Cluster, the JetStream store.
func openStore(cfg Config, log *slog.Logger) (registry.Store, error) {
	opt := registry.Options{EncryptionKey: cfg.EncryptionKey, Logger: log, MaxBytes: cfg.StoreQuota}
	if cfg.Cluster != "" {
		return registry.DialJetStream(cfg.Cluster, opt, registry.JetStreamOptions{Prefix: cfg.ClusterPrefix, Replicas: cfg.ClusterReplicas})
	}
	return registry.Open(cfg.Store, opt)
}

// Handler returns the server's HTTP handler (for tests that drive it without a listener).
func (s *Server) Handler() http.Handler { return s.engine }

// Addr returns the address the server listens on (with the port chosen for ":0"), or ""
// before Start.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Start listens on cfg.Addr and, with cfg.AdminSocket, on the admin socket, starts watching
// the store for alias moves and loads every tenant's champions in the background (/readyz
// answers 200 once they are loaded). It returns once the listeners are open.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	// The cap counts TCP connections; TLS wraps them outside it, so that net/http sees
	// *tls.Conn (and fills Request.TLS).
	ln = newLimitListener(ln, s.cfg.MaxConns)
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("tls: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
			NextProtos: []string{"http/1.1"}})
	}
	s.ln = ln
	s.httpSrv = &http.Server{
		Handler:           s.engine,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       s.cfg.UploadReadTimeout, // the longest a body may take; JSON routes set less (admit)
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.cfg.MetricsAddr != "" {
		if err := s.listenMetrics(); err != nil {
			ln.Close()
			return err
		}
	}
	if s.cfg.AdminSocket && s.cfg.Cluster == "" { // in a cluster the CLI opens the store itself
		if err := s.listenAdmin(); err != nil {
			ln.Close()
			if s.metLn != nil {
				s.metLn.Close()
			}
			return err
		}
	}
	ch, unsub := s.store.Subscribe(256)
	s.unsubscribe = unsub
	s.bg.Add(4)
	go func() {
		defer s.bg.Done()
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				s.flushRefusals(false)
			}
		}
	}()
	go func() {
		defer s.bg.Done()
		if err := s.httpSrv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server", "err", err)
		}
	}()
	go func() {
		defer s.bg.Done()
		s.watch(ch)
	}()
	go func() {
		defer s.bg.Done()
		s.loadAll()
	}()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		s.runDeliverer()
	}()
	s.log.Info("serving", "addr", s.Addr(), "metrics_addr", s.MetricsAddr(), "store", s.cfg.Store, "data_root", s.cfg.DataRoot)
	return nil
}

// loadAll loads every tenant the store knows, and the default tenant.
func (s *Server) loadAll() {
	names, err := s.store.Tenants()
	if err != nil {
		s.log.Error("list tenants", "err", err)
	}
	if !slices.Contains(names, s.cfg.DefaultTenant) {
		names = append(names, s.cfg.DefaultTenant)
	}
	for _, n := range names {
		if s.closing.Load() {
			return
		}
		s.tenant(n)
	}
	s.loaded.Store(true)
}

// watch reloads a tenant when one of its champions moves. Subscribe drops events when its
// buffer is full, so the store's generation is also polled: when it moved without an event
// every loaded tenant is reloaded.
func (s *Server) watch(ch <-chan registry.AliasEvent) {
	tick := time.NewTicker(s.cfg.ReloadPoll)
	defer tick.Stop()
	seen := s.store.Generation()
	polls := 0
	for {
		select {
		case <-s.stop:
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			seen = s.store.Generation()
			if ev.Alias == registry.Champion && slices.Contains(champion.Names(), ev.Model) {
				t, _ := s.tenants.get(ev.Tenant)
				s.requestReload(t)
				s.confirmMove(t, ev)
			}
		case <-tick.C:
			if g := s.store.Generation(); g != seen {
				seen = g
				for _, t := range s.tenants.all() {
					s.requestReload(t)
				}
			}
			if s.cfg.Cluster != "" {
				if polls++; polls%resyncPolls == 0 {
					s.resync()
				}
			}
		}
	}
}

// resyncPolls is how many ReloadPolls pass between two resyncs in cluster mode.
const resyncPolls = 5

// resync compares the champion each loaded tenant serves with the store's and reloads the
// tenants that differ. In cluster mode the alias watch is the fast path; this is the safety
// net for a move it delivered late or not at all (its consumer was on a NATS server that
// died), so that every replica serves every move within a few seconds whatever happened.
func (s *Server) resync() {
	for _, t := range s.tenants.all() {
		sn := t.live.Load()
		if sn == nil {
			continue
		}
		for _, name := range champion.Names() {
			a, err := s.store.Alias(t.name, name, registry.Champion)
			if err != nil {
				continue // none yet, or NATS failing over: the next resync tries again
			}
			if s.servedVersion(sn, name) != a.Version && sn.problems[name] == "" { // a champion that fails to load is not retried here
				s.log.Info("champion out of date: reloading", "tenant", t.name, "model", name, "serving", s.servedVersion(sn, name), "champion", a.Version)
				s.requestReload(t)
				break
			}
		}
	}
}

// confirmMove makes sure a champion move is served. On a JetStream store the watch may
// announce a move before every server that answers reads has it (a follower catching up
// after a NATS server failed), so a reload may still read the old champion: it is asked for
// again, a few times over a few seconds, until the moved version is served or a newer move
// of the model has come.
func (s *Server) confirmMove(t *tenant, ev registry.AliasEvent) {
	key := ev.Tenant + "/" + ev.Model
	s.moveMu.Lock()
	if s.lastMove == nil {
		s.lastMove = map[string]int64{}
	}
	s.lastMove[key] = ev.Seq
	s.moveMu.Unlock()
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		for range 40 {
			select {
			case <-s.stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
			s.moveMu.Lock()
			latest := s.lastMove[key] == ev.Seq
			s.moveMu.Unlock()
			if !latest {
				return
			}
			if sn := t.live.Load(); sn != nil && s.servedVersion(sn, ev.Model) == ev.To {
				return
			}
			s.requestReload(t)
		}
		s.log.Warn("champion move not served after 10 s of reloads", "tenant", ev.Tenant, "model", ev.Model, "version", ev.To)
	}()
}

// Shutdown stops accepting connections, waits up to ctx for requests in flight to finish,
// cancels training runs, and closes the store. It is safe to call more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutOnce.Do(func() {
		s.closing.Store(true)
		// Training is cancelled first, so that its stages stop while requests drain.
		s.cancelTrain()
		var errs []error
		if s.httpSrv != nil {
			if err := s.httpSrv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("drain requests: %w", err))
			}
		}
		if s.metSrv != nil {
			if err := s.metSrv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("drain metrics requests: %w", err))
			}
		}
		if s.adminSrv != nil {
			if err := s.adminSrv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("drain admin requests: %w", err))
			}
			os.Remove(AdminSocketPath(s.cfg.Store))
		}
		s.cancelTrain()
		close(s.stop)
		if s.unsubscribe != nil {
			s.unsubscribe()
		}
		// Wait for training and the watchers within what is left of ctx. A training stage that
		// does not notice the cancellation is left running: the store is not closed under it,
		// and the process may exit; Badger recovers at the next open as after kill -9, and the
		// run is marked interrupted then.
		waited := make(chan struct{})
		go func() {
			s.bg.Wait()
			close(waited)
		}()
		select {
		case <-waited:
			s.flushRefusals(true)
			if err := s.store.Close(); err != nil {
				errs = append(errs, err)
			}
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("training did not stop within the drain timeout; the store was left open for recovery at the next start"))
		}
		s.shutErr = errors.Join(errs...)
		s.log.Info("stopped")
	})
	return s.shutErr
}

// Close shuts down with the configured drain timeout.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	return s.Shutdown(ctx)
}

// Run starts a server with cfg and serves until ctx ends, then shuts it down gracefully.
// ready, when not nil, is called once the server listens.
func Run(ctx context.Context, cfg Config, ready func(*Server)) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	if err := s.Start(); err != nil {
		s.store.Close()
		return err
	}
	if ready != nil {
		ready(s)
	}
	<-ctx.Done()
	s.log.Info("shutting down", "drain_timeout", cfg.ShutdownTimeout)
	return s.Close()
}

// Store returns the store the server owns (for tests and the admin channel).
func (s *Server) Store() registry.Store { return s.store }

func (s *Server) buildEngine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// X-Forwarded-For names the client only when a trusted proxy set it.
	if s.cfg.TrustProxy {
		_ = e.SetTrustedProxies([]string{"127.0.0.1", "::1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"})
	} else {
		_ = e.SetTrustedProxies(nil)
	}
	e.HandleMethodNotAllowed = true
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.Use(s.begin)
	for _, rt := range s.routes {
		e.Handle(rt.method, rt.path, s.handle(rt))
	}
	s.mountReview(e)
	s.mountDocs(e)
	e.NoRoute(func(c *gin.Context) {
		s.fail(c, callOf(c), errorf(ENotFound, "path", "no route %s %s; GET /openapi.json lists them", c.Request.Method, clip.String(c.Request.URL.Path, 128)))
	})
	e.NoMethod(func(c *gin.Context) {
		s.fail(c, callOf(c), errorf(EMethod, "method", "%s is not allowed on %s", c.Request.Method, clip.String(c.Request.URL.Path, 128)))
	})
	return e
}

// begin runs first for every request: it assigns the request id, turns a panic into a clean
// 500, and records the request's metrics and log line.
func (s *Server) begin(c *gin.Context) {
	rq := callOf(c)
	if id, ok := clientRequestID(c.GetHeader("X-Request-ID")); ok {
		rq.id = id
	}
	c.Header("X-Request-ID", rq.id)
	rq.secure = c.Request.TLS != nil || s.cfg.TrustProxy && strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("panic", "request_id", rq.id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				s.fail(c, rq, fmt.Errorf("panic: %v", p))
			}
			c.Abort()
		}
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		elapsed := time.Since(rq.start)
		s.metrics.observe(route, c.Request.Method, status, elapsed.Seconds())
		// A 503 is a state (no model yet, shutting down), not a fault; a 500 is a fault.
		level := slog.LevelDebug
		if s.cfg.AccessLog {
			level = slog.LevelInfo
		}
		switch {
		case status == http.StatusInternalServerError:
			level = slog.LevelError
		case status > 500:
			level = slog.LevelInfo
		}
		if s.log.Enabled(context.Background(), level) {
			attrs := []any{"request_id", rq.id, "method", c.Request.Method, "route", route, "status", status,
				"ms", float64(elapsed.Microseconds()) / 1000, "tenant", rq.key.Tenant, "key_id", rq.key.ID}
			if rq.err != nil {
				attrs = append(attrs, "err", rq.err)
			}
			s.log.Log(context.Background(), level, "request", attrs...)
		}
	}()
	c.Next()
}

// handle wraps a route's handler with authentication, rate limiting, the permission check,
// query and body checks, error responses and the audit entry of a mutation.
func (s *Server) handle(rt route) gin.HandlerFunc {
	return func(c *gin.Context) {
		rq := callOf(c)
		err := s.admit(c, rq, rt)
		if err == nil {
			err = rt.fn(c, rq)
		}
		if cerr := c.Request.Context().Err(); err != nil && cerr != nil {
			// The client left: whatever failed, the work stopped for that reason (a model call
			// that saw the cancelled context may have wrapped it as a bad input).
			err = fmt.Errorf("%w (%v)", cerr, err)
		}
		if rq.release != nil {
			rq.release()
		}
		if err != nil {
			s.fail(c, rq, err)
		}
		if rt.action != "" {
			s.auditCall(c, rq, rt, err)
		}
	}
}

// admit checks everything about a request that does not depend on its route's meaning.
func (s *Server) admit(c *gin.Context, rq *call, rt route) error {
	var err error
	if rt.perm != permPublic {
		secret, ok := bearer(c.GetHeader("Authorization"))
		if !ok {
			return errorf(EUnauthenticated, "Authorization", "send an API key: Authorization: Bearer <key> (growthlens keys create makes one)")
		}
		k, aerr := s.keys.authenticate(s.store, secret)
		if aerr != nil {
			rq.refusedKey = k
			return aerr
		}
		rq.key = k
		if ok, wait := s.limiter.allow(rq.key.ID); !ok {
			c.Header("Retry-After", retryAfter(wait))
			return errorf(ERateLimited, "", "rate limit of %g requests per second exceeded for this key; retry in %s", s.cfg.RateLimit, wait.Round(time.Millisecond))
		}
		if !allowed(rq.key.Role, rt.perm) {
			return errorf(EPermission, "", "role %s may not %s %s: it needs the %s permission (roles %s)",
				rq.key.Role, rt.method, rt.path, rt.perm, strings.Join(rolesWith(rt.perm), ", "))
		}
		if rt.perm == permPeople {
			release, ok := s.people.acquire(rq.key.ID)
			if !ok {
				c.Header("Retry-After", "1")
				return errorf(ERateLimited, "", "this key already has %d recommendation or allocation requests in flight; wait for one to finish", s.cfg.PeopleConcurrency)
			}
			rq.release = release
		}
	}
	if rq.query, err = checkQuery(c.Request.URL.RawQuery, rt.query); err != nil {
		return err
	}
	switch rt.body {
	case bodyJSON:
		if err := checkJSONType(c.Request); err != nil {
			return err
		}
		// A JSON body is small: a client that takes longer than this to send it holds a
		// connection for nothing. (Best effort: a test's recorder has no deadline to set.)
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(s.cfg.JSONReadTimeout))
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxBodyBytes)
	case bodyUpload:
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.MaxUploadBytes)
	}
	if rt.perm != permPublic {
		rq.t = s.tenant(rq.key.Tenant)
	}
	return nil
}

// fail writes err as the API's error shape. Internal errors are logged with their cause and
// answered with the request id only.
func (s *Server) fail(c *gin.Context, rq *call, err error) {
	e := asError(err, rq.id)
	if e.Code == ECanceled && c.Request.Context().Err() == nil {
		// The client is still waiting: the deadline that passed was the store's own (a NATS
		// server failing over in cluster mode), not the request's.
		e = &Error{Code: EUnavailable, Message: "the store did not answer in time; try again in a moment", Err: err}
	}
	rq.err = err
	if e.Code == EInternal {
		s.log.Error("internal error", "request_id", rq.id, "route", c.FullPath(), "err", err)
	}
	if e.Code == EUnauthenticated {
		c.Header("WWW-Authenticate", `Bearer realm="growthlens"`)
	}
	if c.Writer.Written() {
		return
	}
	if c.Request.ContentLength != 0 {
		// The body may be unread (refused before it was needed). net/http drains up to 256 KiB
		// of it before it answers; the read deadline gives that drain refusedBodyGrace, so a
		// client that sends one byte a minute is answered after it, and the connection is
		// closed. The drain is still needed: a socket closed with unread bytes in it sends a
		// TCP reset, which can destroy the answer before a client whose small body was on its
		// way reads it (TestEndToEnd's refused uploads failed with "connection reset by peer").
		c.Header("Connection", "close")
		_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(refusedBodyGrace))
	}
	if werr := writeJSON(c, e.Status(), errorBody{Error: e}); werr != nil {
		s.log.Error("write error response", "request_id", rq.id, "err", werr)
	}
}

// refusedBodyGrace is how long a refused request's unread body is drained before the answer.
const refusedBodyGrace = time.Second

// auditCall writes the audit entry of a mutation: who (key id and role), what (action and
// target), when, its outcome and the request id. Refused attempts, failed authentication
// among them, are written too, aggregated per key, action and outcome per minute.
func (s *Server) auditCall(c *gin.Context, rq *call, rt route, err error) {
	e := registry.AuditEntry{Who: rq.key.ID, Role: rq.key.Role, Tenant: rq.key.Tenant, Action: rt.action, Target: rq.target,
		Outcome: "ok", RequestID: rq.id, Detail: rq.detail}
	if e.Who == "" && rq.refusedKey.ID != "" {
		// A revoked or expired key names its tenant: the attempt belongs in that tenant's log.
		// An unknown secret names none (the store holds only hashes of issued keys).
		e.Who, e.Role, e.Tenant = rq.refusedKey.ID, rq.refusedKey.Role, rq.refusedKey.Tenant
	}
	if e.Who == "" {
		e.Who = unauthenticatedWho
	}
	if e.Target == "" {
		e.Target = clip.String(c.Request.URL.Path, 200)
	}
	if err != nil {
		ae := asError(err, rq.id)
		switch {
		case ae.Code == EPermission:
			e.Outcome = "denied"
		case ae.Code == ECanceled:
			e.Outcome = "canceled"
		case ae.Code == EUnauthenticated:
			e.Outcome = "unauthenticated"
		case ae.Code == ERateLimited:
			e.Outcome = "rate_limited"
		case ae.Status() >= 500:
			e.Outcome = "error"
		default:
			e.Outcome = "rejected"
		}
		e.Detail = clip.String(ae.Error(), 3000)
		switch {
		case errors.Is(err, registry.ErrRevoked):
			e.Detail += " (the key is revoked)"
		case errors.Is(err, registry.ErrExpired):
			e.Detail += " (the key has expired)"
		}
		if e.Outcome != "error" {
			s.refused(e, c.ClientIP())
			return
		}
	}
	if _, aerr := s.store.Audit(e); aerr != nil {
		s.log.Warn("audit entry not written", "action", e.Action, "request_id", rq.id, "err", aerr)
	}
}

// healthz answers while the process is up, with the code it runs (buildinfo).
func (s *Server) healthz(c *gin.Context, rq *call) error {
	info := buildinfo.Read()
	return writeJSON(c, 200, struct {
		Status string `json:"status"`
		buildinfo.Info
	}{"ok", info})
}

// readyz answers 200 once the initial load is done and at least one model is served.
func (s *Server) readyz(c *gin.Context, rq *call) error {
	if s.closing.Load() {
		return errorf(EUnavailable, "", "shutting down")
	}
	if !s.loaded.Load() {
		return errorf(EUnavailable, "", "loading models")
	}
	n := 0
	for _, t := range s.tenants.all() {
		if sn := t.live.Load(); sn != nil {
			for _, name := range champion.Names() {
				if sn.champions.Model(name) != nil {
					n++
				}
			}
		}
	}
	if n == 0 {
		return errorf(EUnavailable, "", "no models loaded: train first (growthlens train, or POST /v1/training-runs)")
	}
	return writeJSON(c, 200, map[string]any{"status": "ready", "models": n})
}

// serveMetrics answers /metrics on the API listener only to a scraper that presents the
// scrape token; without one configured the metrics are on the metrics listener alone.
func (s *Server) serveMetrics(c *gin.Context, rq *call) error {
	if s.cfg.MetricsToken == "" {
		return errorf(ENotFound, "path", "metrics are served on the metrics listener (--metrics-addr), or here with a scrape token (--metrics-token-file)")
	}
	secret, ok := bearer(c.GetHeader("Authorization"))
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.MetricsToken)) != 1 {
		return errorf(EUnauthenticated, "Authorization", "send the scrape token: Authorization: Bearer <token>")
	}
	s.metrics.handler().ServeHTTP(c.Writer, c.Request)
	return nil
}

// listenMetrics opens the metrics listener (Config.MetricsAddr): GET /metrics only.
func (s *Server) listenMetrics() error {
	ln, err := net.Listen("tcp", s.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics listener on %s: %w", s.cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler())
	s.metLn = newLimitListener(ln, 64)
	s.metSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: time.Minute, IdleTimeout: time.Minute, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		if err := s.metSrv.Serve(s.metLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("metrics server", "err", err)
		}
	}()
	return nil
}

// MetricsAddr returns the address of the metrics listener, or "" when there is none.
func (s *Server) MetricsAddr() string {
	if s.metLn == nil {
		return ""
	}
	return s.metLn.Addr().String()
}

func (s *Server) serveOpenAPI(c *gin.Context, rq *call) error {
	writeRaw(c, 200, s.openapi)
	return nil
}

// sealData encrypts the data root when the store is encrypted: the tables the server writes
// (uploads, their rejects and temporary files) are sealed with a key derived from the store
// key and read back transparently (datasets.Seal), and the plaintext CSV files already in the
// tenants' directories — written before the store had a key, or copied in — are encrypted in
// place now, so that no employee table stays readable beside an encrypted store.
func sealData(cfg Config, log *slog.Logger) error {
	if len(cfg.EncryptionKey) == 0 {
		return nil
	}
	var dirs []string
	if cfg.DefaultData != "" {
		dirs = append(dirs, cfg.DefaultData)
		if err := datasets.Seal(cfg.DefaultData, cfg.EncryptionKey); err != nil {
			return err
		}
	}
	if cfg.DataRoot != "" {
		if err := datasets.Seal(cfg.DataRoot, cfg.EncryptionKey); err != nil {
			return err
		}
		entries, err := os.ReadDir(cfg.DataRoot)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("data root: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
				dirs = append(dirs, filepath.Join(cfg.DataRoot, e.Name()))
			}
		}
	}
	for _, d := range dirs {
		n, err := datasets.SealFiles(d)
		if err != nil {
			return fmt.Errorf("encrypt the data in %s: %w", d, err)
		}
		if n > 0 {
			log.Info("data encrypted at rest", "dir", d, "files", n)
		}
	}
	return nil
}
