package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPutAndRead(t *testing.T) { eachBackend(t, testPutAndRead) }

func testPutAndRead(t *testing.T, b backend) {
	clock := newFakeClock()
	s := b.open(t, Options{Now: clock.Now})
	art := []byte(`{"model":"ets","alpha":0.3}`)
	meta := Metadata{
		Kind: "forecast.ets/v1", DataHash: "sha256:abc", FeatureSpec: json.RawMessage(`{"lags":[1,4]}`),
		Metrics: map[string]float64{"mase": 0.81, "smape": 7.5}, Backtest: json.RawMessage(`{"origins":8}`),
		CodeVersion: "deadbeef", Seed: 7, RunID: "run-1", Labels: map[string]string{"scope": "company"},
	}
	v, err := s.Put("acme", "forecast", art, meta)
	if err != nil {
		t.Fatal(err)
	}
	if v != 1 {
		t.Errorf("first version = %d, want 1", v)
	}
	got, rec, err := s.Artifact("acme", "forecast", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, art) {
		t.Errorf("artifact = %q, want %q", got, art)
	}
	sum := sha256.Sum256(art)
	if rec.ArtifactSHA256 != hex.EncodeToString(sum[:]) || rec.Size != int64(len(art)) {
		t.Errorf("sha256, size = %s, %d; want %x, %d", rec.ArtifactSHA256, rec.Size, sum, len(art))
	}
	if rec.Created.IsZero() || rec.Created.Location() != time.UTC {
		t.Errorf("created = %v, want the clock's time in UTC", rec.Created)
	}
	if rec.Kind != meta.Kind || rec.DataHash != meta.DataHash || rec.Seed != 7 || rec.RunID != "run-1" ||
		rec.Metrics["mase"] != 0.81 || string(rec.FeatureSpec) != `{"lags":[1,4]}` || string(rec.Backtest) != `{"origins":8}` ||
		rec.Labels["scope"] != "company" || rec.CodeVersion != "deadbeef" {
		t.Errorf("metadata did not round-trip: %+v", rec)
	}
	if rec.Tenant != "acme" || rec.Name != "forecast" || rec.Version != 1 || rec.Chunks != 1 {
		t.Errorf("record identity = %s/%s v%d (%d chunks)", rec.Tenant, rec.Name, rec.Version, rec.Chunks)
	}

	for want := 2; want <= 3; want++ {
		if v := mustPut(t, s, "acme", "forecast", []byte{byte(want)}); v != want {
			t.Errorf("version = %d, want %d", v, want)
		}
	}
	mustPut(t, s, "acme", "attrition", []byte("x"))
	mustPut(t, s, "other", "forecast", []byte("y"))

	vs, err := s.Versions("acme", "forecast")
	if err != nil {
		t.Fatal(err)
	}
	var nums []int
	for _, v := range vs {
		nums = append(nums, v.Version)
	}
	if !slices.Equal(nums, []int{3, 2, 1}) {
		t.Errorf("versions = %v, want newest first [3 2 1]", nums)
	}
	models, err := s.Models("acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 2 || models[0].Name != "attrition" || models[1].Name != "forecast" ||
		models[1].Versions != 3 || models[1].Latest != 3 {
		t.Errorf("models = %+v, want attrition (1) and forecast (3, latest 3)", models)
	}
	tenants, err := s.Tenants()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tenants, []string{"acme", "other"}) {
		t.Errorf("tenants = %v, want [acme other]", tenants)
	}
	// Another tenant's model of the same name is a different model.
	if _, err := s.Version("other", "forecast", 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("other/forecast v2: err = %v, want ErrNotFound", err)
	}
}

func TestPutRejectsBadInput(t *testing.T) { eachBackend(t, testPutRejectsBadInput) }

func testPutRejectsBadInput(t *testing.T, b backend) {
	s := b.open(t, Options{})
	art := []byte("artifact")
	tests := []struct {
		name         string
		tenant, mdl  string
		artifact     []byte
		meta         Metadata
		wantInMesage string
	}{
		{"slash in tenant", "acme/x", "forecast", art, Metadata{}, "tenant"},
		{"dot-dot tenant", "..", "forecast", art, Metadata{}, "tenant"},
		{"empty name", "acme", "", art, Metadata{}, "model name is empty"},
		{"slash in name", "acme", "a/b", art, Metadata{}, "model name"},
		{"long name", "acme", strings.Repeat("n", 65), art, Metadata{}, "longer than 64"},
		{"empty artifact", "acme", "forecast", nil, Metadata{}, "empty artifact"},
		{"wrong sha", "acme", "forecast", art, Metadata{ArtifactSHA256: strings.Repeat("0", 64)}, "hash to"},
		{"wrong size", "acme", "forecast", art, Metadata{Size: 3}, "size 3"},
		{"NaN metric", "acme", "forecast", art, Metadata{Metrics: map[string]float64{"mase": math.NaN()}}, `metric "mase"`},
		{"Inf metric", "acme", "forecast", art, Metadata{Metrics: map[string]float64{"mase": math.Inf(1)}}, `metric "mase"`},
		{"bad feature spec", "acme", "forecast", art, Metadata{FeatureSpec: json.RawMessage(`{`)}, "feature spec"},
		{"bad backtest", "acme", "forecast", art, Metadata{Backtest: json.RawMessage(`nope`)}, "backtest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Put(tt.tenant, tt.mdl, tt.artifact, tt.meta)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.wantInMesage) {
				t.Errorf("err = %v, want ErrInvalid mentioning %q", err, tt.wantInMesage)
			}
		})
	}
	if ms, _ := s.Models("acme"); len(ms) != 0 {
		t.Errorf("rejected Puts stored %d models", len(ms))
	}
	// A correct sha256 and size given by the caller are accepted.
	sum := sha256.Sum256(art)
	if _, err := s.Put("acme", "forecast", art, Metadata{ArtifactSHA256: hex.EncodeToString(sum[:]), Size: int64(len(art))}); err != nil {
		t.Errorf("Put with matching sha256 and size: %v", err)
	}
}

func TestVersionsAreImmutable(t *testing.T) { eachBackend(t, testVersionsAreImmutable) }

func testVersionsAreImmutable(t *testing.T, b backend) {
	s := b.open(t, Options{})
	art := []byte("version one")
	v1 := mustPut(t, s, "acme", "forecast", art)
	art[0] = 'X' // the caller reusing its buffer must not change the stored version
	before, rec1, err := s.Artifact("acme", "forecast", v1)
	if err != nil {
		t.Fatal(err)
	}
	if string(before) != "version one" {
		t.Fatalf("stored artifact changed with the caller's buffer: %q", before)
	}
	before[0] = 'Y' // nor the reader changing what it got
	v2 := mustPut(t, s, "acme", "forecast", []byte("version two"))
	if err := s.Delete("acme", "forecast", v2); err != nil {
		t.Fatal(err)
	}
	// A deleted number is never handed out again: version 2 keeps meaning what it meant.
	if v3 := mustPut(t, s, "acme", "forecast", []byte("version three")); v3 != 3 {
		t.Errorf("Put after deleting v2 = v%d, want v3", v3)
	}
	after, rec1again, err := s.Artifact("acme", "forecast", v1)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != "version one" || rec1again.ArtifactSHA256 != rec1.ArtifactSHA256 || !rec1again.Created.Equal(rec1.Created) {
		t.Errorf("v1 changed: %q %+v", after, rec1again)
	}
	if _, err := s.Version("acme", "forecast", 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted v2: err = %v, want ErrNotFound", err)
	}
}

func TestConcurrentPutsGetDistinctNumbers(t *testing.T) {
	eachBackend(t, testConcurrentPutsGetDistinctNumbers)
}

func testConcurrentPutsGetDistinctNumbers(t *testing.T, b backend) {
	s := b.open(t, Options{})
	const writers, each = 8, 6
	var mu sync.Mutex
	sent := map[int][]byte{} // version → the bytes the Put that got it sent
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				art := artifactBytes(uint64(w*100+i), 1000+w*37+i)
				v, err := s.Put("acme", "forecast", art, Metadata{Seed: int64(w*100 + i)})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if _, dup := sent[v]; dup {
					errs <- errors.New("version handed out twice")
				}
				sent[v] = art
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(sent) != writers*each {
		t.Fatalf("%d distinct versions, want %d", len(sent), writers*each)
	}
	for v := 1; v <= writers*each; v++ {
		want, ok := sent[v]
		if !ok {
			t.Fatalf("version %d was never handed out; versions must be 1..%d", v, writers*each)
		}
		got, _, err := s.Artifact("acme", "forecast", v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("version %d holds other bytes than its Put sent", v)
		}
	}
}

func TestLargeArtifact(t *testing.T) { eachBackend(t, testLargeArtifact) }

func testLargeArtifact(t *testing.T, b backend) {
	s := b.open(t, Options{})
	const size = 40<<20 + 12345 // tens of MB, not a whole number of chunks
	art := artifactBytes(42, size)
	v := mustPut(t, s, "acme", "attrition", art)
	got, rec, err := s.Artifact("acme", "attrition", v)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, art) {
		t.Fatal("40 MB artifact did not round-trip")
	}
	if want := size/ChunkSize + 1; rec.Chunks != want {
		t.Errorf("chunks = %d, want %d", rec.Chunks, want)
	}
}

func TestArtifactChecksumOnRead(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		damage func(t *testing.T, s *Badger, v int)
	}{
		{"flipped byte in the only chunk", 5000, func(t *testing.T, s *Badger, v int) { corruptChunk(t, s, "acme", "forecast", v, 0) }},
		{"flipped byte in a middle chunk", 3*ChunkSize + 10, func(t *testing.T, s *Badger, v int) { corruptChunk(t, s, "acme", "forecast", v, 1) }},
		{"missing last chunk", 2*ChunkSize + 10, func(t *testing.T, s *Badger, v int) { dropChunk(t, s, "acme", "forecast", v, 2) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, Options{})
			v := mustPut(t, s, "acme", "forecast", artifactBytes(1, tt.size))
			if _, err := s.Promote("acme", "forecast", v, Change{By: "test"}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := s.Artifact("acme", "forecast", v); err != nil {
				t.Fatalf("before damage: %v", err)
			}
			tt.damage(t, s, v)
			_, _, err := s.Artifact("acme", "forecast", v)
			wantErr(t, err, ErrCorrupt)
			_, _, err = s.LoadAlias("acme", "forecast", Champion)
			wantErr(t, err, ErrCorrupt)
			rep, err := s.Check()
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Problems) == 0 {
				t.Error("Check found no problem with a damaged artifact")
			}
		})
	}
}

// TestArtifactCorruptOnDisk flips a byte of the value log file itself, as a failing disk
// would; Badger's value CRC or the registry's SHA-256 must catch it.
func TestArtifactCorruptOnDisk(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	art := bytes.Repeat([]byte("growthlens-model-bytes-"), 20000) // 460 KB, lands in the value log
	v := mustPut(t, s, "acme", "forecast", art)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	vlogs, _ := filepath.Glob(filepath.Join(dir, "*.vlog"))
	flipped := false
	for _, f := range vlogs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if i := bytes.Index(b, art[:4096]); i >= 0 {
			b[i+100000] ^= 0x20
			if err := os.WriteFile(f, b, 0o600); err != nil {
				t.Fatal(err)
			}
			flipped = true
		}
	}
	if !flipped {
		t.Fatalf("artifact bytes not found in value log files %v", vlogs)
	}
	s = openAt(t, dir, Options{})
	_, _, err = s.Artifact("acme", "forecast", v)
	wantErr(t, err, ErrCorrupt)
}

func TestDeleteRefusesAliasedVersion(t *testing.T) { eachBackend(t, testDeleteRefusesAliasedVersion) }

func testDeleteRefusesAliasedVersion(t *testing.T, b backend) {
	s := b.open(t, Options{})
	v1 := mustPut(t, s, "acme", "forecast", []byte("one"))
	v2 := mustPut(t, s, "acme", "forecast", []byte("two"))
	if _, err := s.Promote("acme", "forecast", v1, Change{By: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetAlias("acme", "forecast", Challenger, v2, Change{By: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, v := range []int{v1, v2} {
		err := s.Delete("acme", "forecast", v)
		if !errors.Is(err, ErrInUse) {
			t.Errorf("Delete(v%d) err = %v, want ErrInUse", v, err)
		}
		if _, _, err := s.Artifact("acme", "forecast", v); err != nil {
			t.Errorf("v%d after refused delete: %v", v, err)
		}
	}
	if err := s.Delete("acme", "forecast", 9); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete(v9) err = %v, want ErrNotFound", err)
	}
	v3 := mustPut(t, s, "acme", "forecast", []byte("three"))
	if err := s.Delete("acme", "forecast", v3); err != nil {
		t.Errorf("Delete of an unaliased version: %v", err)
	}
	rep, err := s.Check()
	if err != nil || len(rep.Problems) > 0 {
		t.Errorf("Check after delete: %v %v", err, rep.Problems)
	}
}
