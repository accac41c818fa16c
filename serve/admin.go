package serve

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/growthlens/growthlens/models/registry"
)

// The admin channel lets the CLI manage a store that a running server holds (Badger allows
// one process). The server listens on <store>/admin.sock, a unix socket created with mode
// 0600 inside the store directory (mode 0700): whoever may open the socket could have opened
// the store itself, so the channel trusts filesystem permissions and asks for no key, exactly
// as the CLI acts as admin on a store it opens. Each call is a POST of JSON arguments to
// /admin/<method>, answered with JSON or {"error":{"kind","message"}}; the kinds let
// AdminClient return errors that match the registry's sentinels (errors.Is).

const adminPrefix = "/admin/"

// listenAdmin opens the admin socket. A socket file left by a server that died is removed;
// one that answers means another server runs, which the store's lock already prevents.
func (s *Server) listenAdmin() error {
	path := AdminSocketPath(s.cfg.Store)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("admin socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("admin socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("admin socket: %w", err)
	}
	mux := http.NewServeMux()
	for name, h := range s.adminMethods() {
		mux.HandleFunc("POST "+adminPrefix+name, h)
	}
	s.adminLn = ln
	s.adminSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		if err := s.adminSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("admin socket", "err", err)
		}
	}()
	return nil
}

// adminArgs are the arguments of every admin method (each uses some).
type adminArgs struct {
	Tenant  string              `json:"tenant,omitempty"`
	Name    string              `json:"name,omitempty"`
	Alias   string              `json:"alias,omitempty"`
	Version int                 `json:"version,omitempty"`
	Limit   int                 `json:"limit,omitempty"`
	Change  registry.Change     `json:"change,omitempty"`
	Role    string              `json:"role,omitempty"`
	Label   string              `json:"label,omitempty"`
	ID      string              `json:"id,omitempty"`
	Entry   registry.AuditEntry `json:"entry,omitempty"`
	Key     string              `json:"key,omitempty"` // backup key, base64
	By      string              `json:"by,omitempty"`
	Params  TrainParams         `json:"params,omitempty"`
	Expires time.Time           `json:"expires,omitzero"`
	Grace   time.Duration       `json:"grace,omitempty"`
}

// adminError kinds, one per registry sentinel plus conflict for the job table.
var adminKinds = []struct {
	kind string
	err  error
}{
	{"not_found", registry.ErrNotFound},
	{"invalid", registry.ErrInvalid},
	{"in_use", registry.ErrInUse},
	{"corrupt", registry.ErrCorrupt},
	{"unchanged", registry.ErrUnchanged},
	{"no_history", registry.ErrNoHistory},
	{"revoked", registry.ErrRevoked},
	{"expired", registry.ErrExpired},
	{"no_store", registry.ErrNoStore},
	{"not_empty", registry.ErrNotEmpty},
}

type adminErrorBody struct {
	Error struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
}

func adminFail(w http.ResponseWriter, err error) {
	var body adminErrorBody
	body.Error.Kind, body.Error.Message = "error", err.Error()
	for _, k := range adminKinds {
		if errors.Is(err, k.err) {
			body.Error.Kind = k.kind
			break
		}
	}
	var e *Error
	if errors.As(err, &e) {
		body.Error.Message = e.Message
		switch e.Code {
		case EInvalid:
			body.Error.Kind = "invalid"
		case ENotFound:
			body.Error.Kind = "not_found"
		case EConflict:
			body.Error.Kind = "conflict"
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnprocessableEntity)
	json.NewEncoder(w).Encode(body)
}

func adminOK(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// adminMethods maps method names to handlers.
func (s *Server) adminMethods() map[string]http.HandlerFunc {
	call := func(fn func(a adminArgs) (any, error)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var a adminArgs
			dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&a); err != nil {
				adminFail(w, fmt.Errorf("%w: admin request: %v", registry.ErrInvalid, err))
				return
			}
			v, err := fn(a)
			if err != nil {
				adminFail(w, err)
				return
			}
			adminOK(w, v)
		}
	}
	st := s.store
	return map[string]http.HandlerFunc{
		"ping": call(func(a adminArgs) (any, error) {
			return map[string]any{"pid": os.Getpid(), "addr": s.Addr()}, nil
		}),
		"models":   call(func(a adminArgs) (any, error) { return st.Models(a.Tenant) }),
		"versions": call(func(a adminArgs) (any, error) { return st.Versions(a.Tenant, a.Name) }),
		"version":  call(func(a adminArgs) (any, error) { return st.Version(a.Tenant, a.Name, a.Version) }),
		"aliases":  call(func(a adminArgs) (any, error) { return st.Aliases(a.Tenant, a.Name) }),
		"history":  call(func(a adminArgs) (any, error) { return st.History(a.Tenant, a.Name, a.Alias, a.Limit) }),
		"set-alias": call(func(a adminArgs) (any, error) {
			ev, err := st.SetAlias(a.Tenant, a.Name, a.Alias, a.Version, a.Change)
			if err == nil {
				s.afterAdminMove(ev)
			}
			return ev, err
		}),
		"rollback-alias": call(func(a adminArgs) (any, error) {
			ev, err := st.RollbackAlias(a.Tenant, a.Name, a.Alias, a.Change)
			if err == nil {
				s.afterAdminMove(ev)
			}
			return ev, err
		}),
		"delete": call(func(a adminArgs) (any, error) { return struct{}{}, st.Delete(a.Tenant, a.Name, a.Version) }),
		"keys-create": call(func(a adminArgs) (any, error) {
			secret, k, err := st.CreateKeyWith(a.Tenant, a.Role, a.Label, registry.KeyOptions{Expires: a.Expires})
			return map[string]any{"secret": secret, "key": k}, err
		}),
		"keys-rotate": call(func(a adminArgs) (any, error) {
			secret, k, err := st.RotateKey(a.Tenant, a.ID, a.Grace, a.Expires)
			if err == nil {
				s.keys.forget(a.ID) // the old key's new expiry applies at once
			}
			return map[string]any{"secret": secret, "key": k}, err
		}),
		"keys": call(func(a adminArgs) (any, error) { return st.Keys(a.Tenant) }),
		"keys-revoke": call(func(a adminArgs) (any, error) {
			k, err := st.RevokeKey(a.Tenant, a.ID)
			if err == nil {
				s.keys.forget(k.ID)
			}
			return k, err
		}),
		"audit": call(func(a adminArgs) (any, error) { return st.Audit(a.Entry) }),
		"runs":  call(func(a adminArgs) (any, error) { return st.Runs(a.Tenant, a.Limit) }),
		"run":   call(func(a adminArgs) (any, error) { return st.Run(a.Tenant, a.ID) }),
		"train": call(func(a adminArgs) (any, error) {
			if !validTenant(a.Tenant) {
				return nil, fmt.Errorf("%w: tenant %q", registry.ErrInvalid, a.Tenant)
			}
			by := a.By
			if by == "" {
				by = "cli"
			}
			jb, err := s.startTraining(a.Tenant, by, a.Params)
			if err != nil {
				return nil, err
			}
			return jb.snapshot(), nil
		}),
		"job": call(func(a adminArgs) (any, error) {
			s.jobs.mu.Lock()
			jb := s.jobs.byID[a.ID]
			s.jobs.mu.Unlock()
			if jb == nil {
				return nil, fmt.Errorf("job %s: %w", a.ID, registry.ErrNotFound)
			}
			return jb.snapshot(), nil
		}),
		"cancel": call(func(a adminArgs) (any, error) {
			s.jobs.mu.Lock()
			jb := s.jobs.byID[a.ID]
			s.jobs.mu.Unlock()
			if jb == nil {
				return nil, fmt.Errorf("job %s: %w", a.ID, registry.ErrNotFound)
			}
			jb.cancel()
			return jb.snapshot(), nil
		}),
		"backup": s.adminBackup,
	}
}

// afterAdminMove swaps a moved champion in before the CLI is answered, as the API does.
func (s *Server) afterAdminMove(ev registry.AliasEvent) {
	if ev.Alias != registry.Champion {
		return
	}
	t, _ := s.tenants.get(ev.Tenant)
	if err := s.reload(t); err != nil {
		s.log.Error("reload after alias move", "tenant", ev.Tenant, "model", ev.Model, "err", err)
	}
}

// Trailers of a backup response: the backup's info when it completed, its error otherwise.
const (
	trailerBackupInfo  = "Growthlens-Backup-Info"
	trailerBackupError = "Growthlens-Backup-Error"
)

// adminBackup streams a backup of the store as the response body; the outcome follows in a
// trailer, since it is known only at the end.
func (s *Server) adminBackup(w http.ResponseWriter, r *http.Request) {
	var a adminArgs
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&a); err != nil {
		adminFail(w, fmt.Errorf("%w: admin request: %v", registry.ErrInvalid, err))
		return
	}
	var key []byte
	if a.Key != "" {
		var err error
		if key, err = base64.StdEncoding.DecodeString(a.Key); err != nil {
			adminFail(w, fmt.Errorf("%w: backup key: not base64", registry.ErrInvalid))
			return
		}
	}
	w.Header().Set("Trailer", trailerBackupInfo+", "+trailerBackupError)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	info, err := s.store.Backup(w, registry.BackupOptions{Key: key})
	if err != nil {
		w.Header().Set(trailerBackupError, strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	b, _ := json.Marshal(info)
	w.Header().Set(trailerBackupInfo, string(b))
}

// AdminClient talks to a running server over its admin socket. It has the store methods the
// CLI's models, keys, backup, runs and train commands need, so they work the same whether
// they open the store themselves or reach it through the server.
type AdminClient struct {
	store string
	hc    *http.Client
	// Addr is the HTTP address of the server, as it reported it.
	Addr string
}

// DialAdmin connects to the server that holds the store in dir. It fails when no server
// answers on the socket.
func DialAdmin(dir string) (*AdminClient, error) {
	path := AdminSocketPath(dir)
	c := &AdminClient{store: dir, hc: &http.Client{Transport: &http.Transport{
		Dial: func(_, _ string) (net.Conn, error) { return net.Dial("unix", path) },
	}}}
	var ping struct {
		PID  int    `json:"pid"`
		Addr string `json:"addr"`
	}
	if err := c.call("ping", adminArgs{}, &ping); err != nil {
		return nil, fmt.Errorf("no server answers on %s: %w", path, err)
	}
	c.Addr = ping.Addr
	return c, nil
}

// adminErr is an error reported by the server; it matches the registry sentinel of its kind.
type adminErr struct {
	kind, msg string
}

func (e *adminErr) Error() string { return e.msg }

func (e *adminErr) Is(target error) bool {
	for _, k := range adminKinds {
		if k.kind == e.kind && k.err == target {
			return true
		}
	}
	return false
}

func (c *AdminClient) call(method string, a adminArgs, out any) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	resp, err := c.hc.Post("http://admin"+adminPrefix+method, "application/json", strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeAdmin(resp, out)
}

func decodeAdmin(resp *http.Response, out any) error {
	if resp.StatusCode != http.StatusOK {
		var body adminErrorBody
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return fmt.Errorf("admin socket: status %d", resp.StatusCode)
		}
		return &adminErr{kind: body.Error.Kind, msg: body.Error.Message}
	}
	if out == nil {
		_, err := io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (c *AdminClient) Models(tenant string) (out []registry.Model, err error) {
	return out, c.call("models", adminArgs{Tenant: tenant}, &out)
}

func (c *AdminClient) Versions(tenant, name string) (out []registry.Version, err error) {
	return out, c.call("versions", adminArgs{Tenant: tenant, Name: name}, &out)
}

func (c *AdminClient) Version(tenant, name string, version int) (out registry.Version, err error) {
	return out, c.call("version", adminArgs{Tenant: tenant, Name: name, Version: version}, &out)
}

func (c *AdminClient) Aliases(tenant, name string) (out []registry.Alias, err error) {
	return out, c.call("aliases", adminArgs{Tenant: tenant, Name: name}, &out)
}

func (c *AdminClient) History(tenant, name, alias string, limit int) (out []registry.AliasEvent, err error) {
	return out, c.call("history", adminArgs{Tenant: tenant, Name: name, Alias: alias, Limit: limit}, &out)
}

func (c *AdminClient) SetAlias(tenant, name, alias string, version int, ch registry.Change) (out registry.AliasEvent, err error) {
	return out, c.call("set-alias", adminArgs{Tenant: tenant, Name: name, Alias: alias, Version: version, Change: ch}, &out)
}

func (c *AdminClient) RollbackAlias(tenant, name, alias string, ch registry.Change) (out registry.AliasEvent, err error) {
	return out, c.call("rollback-alias", adminArgs{Tenant: tenant, Name: name, Alias: alias, Change: ch}, &out)
}

func (c *AdminClient) Delete(tenant, name string, version int) error {
	return c.call("delete", adminArgs{Tenant: tenant, Name: name, Version: version}, nil)
}

func (c *AdminClient) CreateKey(tenant, role, label string) (string, registry.APIKey, error) {
	return c.CreateKeyWith(tenant, role, label, registry.KeyOptions{})
}

func (c *AdminClient) CreateKeyWith(tenant, role, label string, opt registry.KeyOptions) (string, registry.APIKey, error) {
	var out struct {
		Secret string          `json:"secret"`
		Key    registry.APIKey `json:"key"`
	}
	err := c.call("keys-create", adminArgs{Tenant: tenant, Role: role, Label: label, Expires: opt.Expires}, &out)
	return out.Secret, out.Key, err
}

func (c *AdminClient) RotateKey(tenant, id string, grace time.Duration, expires time.Time) (string, registry.APIKey, error) {
	var out struct {
		Secret string          `json:"secret"`
		Key    registry.APIKey `json:"key"`
	}
	err := c.call("keys-rotate", adminArgs{Tenant: tenant, ID: id, Grace: grace, Expires: expires}, &out)
	return out.Secret, out.Key, err
}

func (c *AdminClient) Keys(tenant string) (out []registry.APIKey, err error) {
	return out, c.call("keys", adminArgs{Tenant: tenant}, &out)
}

func (c *AdminClient) RevokeKey(tenant, id string) (out registry.APIKey, err error) {
	return out, c.call("keys-revoke", adminArgs{Tenant: tenant, ID: id}, &out)
}

func (c *AdminClient) Audit(e registry.AuditEntry) (out registry.AuditEntry, err error) {
	return out, c.call("audit", adminArgs{Entry: e}, &out)
}

func (c *AdminClient) Runs(tenant string, limit int) (out []registry.Record, err error) {
	return out, c.call("runs", adminArgs{Tenant: tenant, Limit: limit}, &out)
}

func (c *AdminClient) Run(tenant, id string) (out registry.Record, err error) {
	return out, c.call("run", adminArgs{Tenant: tenant, ID: id}, &out)
}

// Backup streams a backup of the store from the server into w.
func (c *AdminClient) Backup(w io.Writer, opt registry.BackupOptions) (registry.BackupInfo, error) {
	var info registry.BackupInfo
	a := adminArgs{}
	if len(opt.Key) > 0 {
		a.Key = base64.StdEncoding.EncodeToString(opt.Key)
	}
	b, err := json.Marshal(a)
	if err != nil {
		return info, err
	}
	resp, err := c.hc.Post("http://admin"+adminPrefix+"backup", "application/json", strings.NewReader(string(b)))
	if err != nil {
		return info, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return info, decodeAdmin(resp, nil)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return info, fmt.Errorf("backup stream: %w", err)
	}
	if msg := resp.Trailer.Get(trailerBackupError); msg != "" {
		return info, errors.New(msg)
	}
	raw := resp.Trailer.Get(trailerBackupInfo)
	if raw == "" {
		return info, errors.New("backup stream ended without the server's confirmation")
	}
	return info, json.Unmarshal([]byte(raw), &info)
}

// StartTraining starts a training run on the server and returns its job.
func (c *AdminClient) StartTraining(tenant, by string, p TrainParams) (Job, error) {
	var j Job
	return j, c.call("train", adminArgs{Tenant: tenant, By: by, Params: p}, &j)
}

// Job returns a training job's current state.
func (c *AdminClient) Job(id string) (Job, error) {
	var j Job
	return j, c.call("job", adminArgs{ID: id}, &j)
}

// CancelJob cancels a training job; the run stops at its next step.
func (c *AdminClient) CancelJob(id string) (Job, error) {
	var j Job
	return j, c.call("cancel", adminArgs{ID: id}, &j)
}

// Close releases the client's connections.
func (c *AdminClient) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// FinishedJob reports whether a job's status is final.
func FinishedJob(j Job) bool { return j.Status != jobQueued && j.Status != jobRunning }
