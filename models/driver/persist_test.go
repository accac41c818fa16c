package driver

import (
	"bytes"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func TestMarshalRoundTrip(t *testing.T) {
	m, err := fitFrame(simulate(companyLike(), rand.New(rand.NewPCG(1, 1))), Options{Seed: 1, Replicates: 100})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.MarshalBinary()
	if err != nil || !bytes.Equal(b, again) {
		t.Fatalf("two marshals of one model differ (err %v)", err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Effects, m.Effects) || got.Grain != m.Grain || !reflect.DeepEqual(got.coef, m.coef) {
		t.Fatalf("round trip changed the model")
	}
	sc := Scenario{Scope: m.Scopes[0], Changes: []Change{{Driver: m.Effects[0].Column, Value: 0.1, Relative: true}}}
	w1, err := m.WhatIf(sc)
	if err != nil {
		t.Fatal(err)
	}
	w2, err := got.WhatIf(sc)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(w1.SustainedPercent.Estimate-w2.SustainedPercent.Estimate) > 1e-12 || w1.SustainedPercent.Lower != w2.SustainedPercent.Lower {
		t.Errorf("what-if after the round trip %+v, before %+v", w2.SustainedPercent, w1.SustainedPercent)
	}
	for _, bad := range [][]byte{nil, []byte("growthlens/driver\x00\x09{}"), append([]byte("growthlens/driver\x00\x01"), "{}"...), b[:len(b)/2]} {
		if _, err := Unmarshal(bad); err == nil {
			t.Errorf("Unmarshal(%.30q…): want error", bad)
		}
	}
}
