package registry

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestAuditLog(t *testing.T) {
	clock := newFakeClock()
	s := openStore(t, Options{Now: clock.Now})
	// 25 entries, one second apart: tenants alternate, every fifth is denied.
	var times []time.Time
	for i := 0; i < 25; i++ {
		e := AuditEntry{Who: fmt.Sprint("key", i%3), Role: RoleAdmin, Tenant: []string{"acme", "beta"}[i%2],
			Action: "models.promote", Target: fmt.Sprintf("forecast@%d", i), Outcome: "ok", RequestID: fmt.Sprint("req-", i)}
		if i%5 == 0 {
			e.Outcome = "denied"
		}
		got, err := s.Audit(e)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID == "" || got.Time.IsZero() {
			t.Fatalf("Audit returned %+v without id or time", got)
		}
		times = append(times, got.Time)
	}
	targets := func(es []AuditEntry) string {
		var out []string
		for _, e := range es {
			out = append(out, strings.TrimPrefix(e.Target, "forecast@"))
		}
		return strings.Join(out, ",")
	}

	tests := []struct {
		name string
		q    AuditQuery
		want string
	}{
		{"newest first", AuditQuery{Limit: 5}, "24,23,22,21,20"},
		{"tenant", AuditQuery{Tenant: "beta", Limit: 4}, "23,21,19,17"},
		{"outcome", AuditQuery{Outcome: "denied"}, "20,15,10,5,0"},
		{"who and tenant", AuditQuery{Who: "key0", Tenant: "acme"}, "24,18,12,6,0"},
		{"since", AuditQuery{Since: times[21]}, "24,23,22,21"},
		{"until is exclusive", AuditQuery{Until: times[3]}, "2,1,0"},
		{"window", AuditQuery{Since: times[10], Until: times[13]}, "12,11,10"},
		{"no match", AuditQuery{Action: "keys.create"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.AuditLog(tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := targets(page.Entries); got != tt.want {
				t.Errorf("targets = %s, want %s", got, tt.want)
			}
		})
	}

	t.Run("pages", func(t *testing.T) {
		var all []string
		q := AuditQuery{Tenant: "acme", Limit: 4}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
			page, err := s.AuditLog(q)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, targets(page.Entries))
			if page.Next == "" {
				break
			}
			q.Cursor = page.Next
		}
		if got, want := strings.Join(all, "|"), "24,22,20,18|16,14,12,10|8,6,4,2|0"; got != want {
			t.Errorf("pages = %s, want %s", got, want)
		}
	})
	t.Run("exact last page has no next", func(t *testing.T) {
		page, err := s.AuditLog(AuditQuery{Outcome: "denied", Limit: 5})
		if err != nil || page.Next != "" {
			t.Errorf("next = %q, err %v; want no next page", page.Next, err)
		}
	})
	t.Run("bad queries", func(t *testing.T) {
		for _, q := range []AuditQuery{{Cursor: "not-a-cursor!"}, {Cursor: "a2V5L2FiYw"}, {Limit: -1}, {Limit: MaxAuditLimit + 1}} {
			if _, err := s.AuditLog(q); !errors.Is(err, ErrInvalid) {
				t.Errorf("AuditLog(%+v): err = %v, want ErrInvalid", q, err)
			}
		}
	})
}

func TestAuditRejects(t *testing.T) {
	s := openStore(t, Options{})
	ok := AuditEntry{Who: "k", Action: "a", Outcome: "ok"}
	tests := []struct {
		name string
		edit func(*AuditEntry)
	}{
		{"no who", func(e *AuditEntry) { e.Who = "" }},
		{"no action", func(e *AuditEntry) { e.Action = "" }},
		{"no outcome", func(e *AuditEntry) { e.Outcome = "" }},
		{"huge target", func(e *AuditEntry) { e.Target = strings.Repeat("x", 300) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ok
			tt.edit(&e)
			_, err := s.Audit(e)
			wantErr(t, err, ErrInvalid)
		})
	}
	if page, _ := s.AuditLog(AuditQuery{}); len(page.Entries) != 0 {
		t.Errorf("rejected entries were written: %d", len(page.Entries))
	}
}

// A long detail is cut, not refused, at a character boundary: the outcome of a mutation is
// always recorded.
func TestAuditCutsALongDetail(t *testing.T) {
	s := openStore(t, Options{})
	long := strings.Repeat("错", 2000) // 6,000 bytes of 3-byte characters
	e, err := s.Audit(AuditEntry{Who: "k", Action: "train.finish", Outcome: "failed", Detail: long})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Detail) > MaxAuditDetail || !utf8.ValidString(e.Detail) || !strings.HasSuffix(e.Detail, "…") {
		t.Errorf("detail of %d bytes (valid UTF-8 %v), want at most %d ending in …", len(e.Detail), utf8.ValidString(e.Detail), MaxAuditDetail)
	}
	if short := "a short reason"; ClipDetail(short) != short {
		t.Errorf("a short detail changed: %q", ClipDetail(short))
	}
}
