package registry

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
)

func TestRunsAndAlerts(t *testing.T) { eachBackend(t, testRunsAndAlerts) }

func testRunsAndAlerts(t *testing.T, b backend) {
	type kind struct {
		name string
		put  func(Store, string, string, json.RawMessage) (Record, error)
		get  func(Store, string, string) (Record, error)
		list func(Store, string, int) ([]Record, error)
	}
	kinds := []kind{
		{"runs", Store.PutRun, Store.Run, Store.Runs},
		{"alerts", Store.PutAlert, Store.Alert, Store.Alerts},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			s := b.open(t, Options{Now: newFakeClock().Now})
			// Ids that sort the other way from time: listing must follow Created.
			for _, id := range []string{"zeta", "alpha", "mid"} {
				if _, err := k.put(s, "acme", id, json.RawMessage(`{"status":"running"}`)); err != nil {
					t.Fatal(err)
				}
			}
			first, err := k.get(s, "acme", "zeta")
			if err != nil {
				t.Fatal(err)
			}
			upd, err := k.put(s, "acme", "zeta", json.RawMessage(`{"status":"done"}`))
			if err != nil {
				t.Fatal(err)
			}
			if !upd.Created.Equal(first.Created) || !upd.Updated.After(first.Updated) {
				t.Errorf("update: created %v → %v, updated %v → %v; want created kept, updated later", first.Created, upd.Created, first.Updated, upd.Updated)
			}
			got, err := k.get(s, "acme", "zeta")
			if err != nil || string(got.Data) != `{"status":"done"}` {
				t.Errorf("get after update = %s, %v", got.Data, err)
			}
			recs, err := k.list(s, "acme", 0)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range recs {
				ids = append(ids, r.ID)
			}
			if !slices.Equal(ids, []string{"mid", "alpha", "zeta"}) {
				t.Errorf("list = %v, want newest first [mid alpha zeta]", ids)
			}
			if recs, _ := k.list(s, "acme", 2); len(recs) != 2 {
				t.Errorf("list(limit 2) returned %d", len(recs))
			}
			if recs, _ := k.list(s, "beta", 0); len(recs) != 0 {
				t.Errorf("another tenant sees %d records", len(recs))
			}
			if _, err := k.get(s, "beta", "zeta"); !errors.Is(err, ErrNotFound) {
				t.Errorf("another tenant's get: err = %v, want ErrNotFound", err)
			}
			if _, err := k.put(s, "acme", "bad", json.RawMessage(`{"unterminated`)); !errors.Is(err, ErrInvalid) {
				t.Errorf("invalid JSON: err = %v, want ErrInvalid", err)
			}
			if _, err := k.put(s, "acme", "a/b", json.RawMessage(`{}`)); !errors.Is(err, ErrInvalid) {
				t.Errorf("bad id: err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestDeleteAlert(t *testing.T) { eachBackend(t, testDeleteAlert) }

func testDeleteAlert(t *testing.T, b backend) {
	s := b.open(t, Options{})
	if _, err := s.PutAlert("acme", "completion-east", json.RawMessage(`{"kpi":"completion","value":0.72}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAlert("beta", "completion-east"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete from another tenant: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteAlert("acme", "completion-east"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Alert("acme", "completion-east"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: err = %v, want ErrNotFound", err)
	}
	if err := s.DeleteAlert("acme", "completion-east"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: err = %v, want ErrNotFound", err)
	}
}

func TestCreateRunGivesEachRunItsOwnID(t *testing.T) {
	eachBackend(t, testCreateRunGivesEachRunItsOwnID)
}

func testCreateRunGivesEachRunItsOwnID(t *testing.T, b backend) {
	s := b.open(t, Options{Now: newFakeClock().Now})
	body := func(id string) (json.RawMessage, error) { return json.Marshal(map[string]string{"id": id}) }
	var got []string
	for range 3 {
		id, err := s.CreateRun("acme", "20261127T092639Z-8c73afe8", body)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
	}
	want := []string{"20261127T092639Z-8c73afe8", "20261127T092639Z-8c73afe8-2", "20261127T092639Z-8c73afe8-3"}
	if !slices.Equal(got, want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
	for _, id := range want {
		rec, err := s.Run("acme", id)
		if err != nil {
			t.Fatal(err)
		}
		if w, _ := body(id); string(rec.Data) != string(w) {
			t.Errorf("run %s holds %s, want %s", id, rec.Data, w)
		}
	}
	// Another tenant's runs do not take the id.
	if id, err := s.CreateRun("globex", "20261127T092639Z-8c73afe8", body); err != nil || id != want[0] {
		t.Errorf("other tenant: id %q, %v; want %q", id, err, want[0])
	}
	// What the builder fails with comes back, and nothing is stored.
	boom := errors.New("boom")
	if _, err := s.CreateRun("acme", "r1", func(string) (json.RawMessage, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("builder error: %v, want %v", err, boom)
	}
	if _, err := s.Run("acme", "r1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a failed create stored a run: %v", err)
	}
	if _, err := s.CreateRun("acme", "bad id", body); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad id: %v, want ErrInvalid", err)
	}
}
