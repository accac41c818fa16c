package champion

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/registry"
)

const tenant = "acme"

func openStore(t *testing.T) registry.Store {
	t.Helper()
	st, err := registry.Open(t.TempDir(), registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// putChampion stores artifact as a new version of name and makes it champion.
func putChampion(t *testing.T, st registry.Store, name string, artifact []byte) int {
	t.Helper()
	v, err := st.Put(tenant, name, artifact, registry.Metadata{DataHash: "d"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Promote(tenant, name, v, registry.Change{By: "test", Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	return v
}

func forecastArtifact(t *testing.T, asOf string) []byte {
	t.Helper()
	b, err := (&forecast.Set{Grain: "quarter", Period: 4, Horizon: 1, AsOf: asOf}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadWithoutChampions(t *testing.T) {
	st := openStore(t)
	set, err := Load(st, tenant, Data{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range Names() {
		if set.Model(name) != nil || set.Version(name) != 0 {
			t.Errorf("%s: loaded %+v, want none", name, set.Model(name))
		}
		if !strings.Contains(set.Missing[name], "train first") {
			t.Errorf("%s: missing %q, want a hint to train", name, set.Missing[name])
		}
	}
}

func TestLoadDecodesAndRecordsFailures(t *testing.T) {
	st := openStore(t)
	putChampion(t, st, Forecast, forecastArtifact(t, "2026-01-01"))
	putChampion(t, st, Driver, []byte("not a driver model"))
	putChampion(t, st, Incentive, []byte("not read: no HR data"))

	set, err := Load(st, tenant, Data{Problem: "no dataset has been uploaded"})
	if err == nil || !strings.Contains(err.Error(), "decode driver v1") {
		t.Fatalf("err = %v, want the driver's decode error", err)
	}
	if f, v := set.Forecast(); f == nil || f.AsOf != "2026-01-01" || v.Version != 1 {
		t.Errorf("forecast: %+v v%d", f, v.Version)
	}
	if d, _ := set.Driver(); d != nil || set.Errors[Driver] == "" {
		t.Errorf("driver: %v, error %q; want none and the reason", d, set.Errors[Driver])
	}
	if in, _ := set.Incentive(); in != nil || !strings.Contains(set.Missing[Incentive], "no dataset has been uploaded") {
		t.Errorf("incentive: %v, missing %q; want none for lack of data", in, set.Missing[Incentive])
	}
	if _, ok := set.Errors[Incentive]; ok {
		t.Errorf("lack of data is an error: %q", set.Errors[Incentive])
	}
	if !slices.Equal(set.Decoded, []string{Forecast}) {
		t.Errorf("decoded %v, want [forecast]", set.Decoded)
	}
}

func TestReloadReusesAndKeepsThePrevious(t *testing.T) {
	st := openStore(t)
	putChampion(t, st, Forecast, forecastArtifact(t, "2026-01-01"))
	first, err := Load(st, tenant, Data{})
	if err != nil {
		t.Fatal(err)
	}

	same, err := Reload(st, tenant, Data{}, first, true)
	if err != nil {
		t.Fatal(err)
	}
	if same.Model(Forecast) != first.Model(Forecast) || len(same.Decoded) != 0 {
		t.Errorf("unchanged champion decoded again (decoded %v)", same.Decoded)
	}

	v2 := putChampion(t, st, Forecast, forecastArtifact(t, "2026-04-01"))
	moved, err := Reload(st, tenant, Data{}, same, false)
	if err != nil {
		t.Fatal(err)
	}
	if f, v := moved.Forecast(); f == nil || f.AsOf != "2026-04-01" || v.Version != v2 {
		t.Errorf("after the move: %+v v%d, want v%d", f, v.Version, v2)
	}

	putChampion(t, st, Forecast, []byte("{broken"))
	kept, err := Reload(st, tenant, Data{}, moved, false)
	if err == nil {
		t.Fatal("a broken champion loaded without error")
	}
	if kept.Model(Forecast) != moved.Model(Forecast) || !strings.Contains(kept.Errors[Forecast], "previous version is served") {
		t.Errorf("broken champion: served v%d, error %q; want v%d kept", kept.Version(Forecast), kept.Errors[Forecast], v2)
	}
}

func TestNoDataError(t *testing.T) {
	_, err := decodeIncentive(nil, Data{})
	var nd *NoDataError
	if !errors.As(err, &nd) || !strings.Contains(nd.Msg, "no employees table") {
		t.Errorf("err = %v, want a *NoDataError naming the employees table", err)
	}
}
