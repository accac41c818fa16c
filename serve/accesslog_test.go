package serve

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer the server's goroutines may write to at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAccessLog: with AccessLog every request is one info line with its request id, route
// template, status, latency, tenant and key id, and never the key itself; without it, none
// at info level.
func TestAccessLog(t *testing.T) {
	for _, on := range []bool{true, false} {
		var buf lockedBuffer
		ts := startServer(t, func(c *Config) {
			c.AccessLog = on
			c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
		})
		key := acme + "/viewer"
		r := ts.do(t, "GET", "/v1/models/forecast", key, "", nil)
		if r.status != 200 {
			t.Fatalf("GET /v1/models/forecast: %s", r)
		}
		// The line is written as the handler returns, which may be after the client has the
		// answer: wait for it (a liveness bound). With AccessLog off the handler's level
		// (info) filters it out whenever it comes.
		find := func() string {
			for _, l := range strings.Split(buf.String(), "\n") {
				if strings.Contains(l, "msg=request ") && strings.Contains(l, "route=/v1/models/:name") {
					return l
				}
			}
			return ""
		}
		line := find()
		for deadline := time.Now().Add(5 * time.Second); on && line == "" && time.Now().Before(deadline); line = find() {
			time.Sleep(10 * time.Millisecond)
		}
		if !on {
			if line != "" {
				t.Errorf("AccessLog off: a request logged at info level: %s", line)
			}
			continue
		}
		for _, want := range []string{"level=INFO", "request_id=", "method=GET", "status=200", "ms=", "tenant=" + acme, "key_id=" + ts.keyIDs[key]} {
			if !strings.Contains(line, want) {
				t.Errorf("access log line %q lacks %s", line, want)
			}
		}
		if secret := ts.keys[key]; secret == "" || strings.Contains(buf.String(), secret) {
			t.Errorf("the log holds the API key's secret (or the test has none: %q)", secret)
		}
	}
}
