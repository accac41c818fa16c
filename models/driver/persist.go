package driver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/growthlens/growthlens/datasets"
)

// persistMagic starts every serialised model; the last byte is the format version.
var persistMagic = []byte("growthlens/driver\x00\x01")

// persisted is a whole fitted model: its exported summary, the coefficients and bootstrap
// replicates WhatIf and Attribute use, and the panel columns they read baselines from.
type persisted struct {
	Model *Model      `json:"model"`
	Grain string      `json:"grain"`
	Coef  []float64   `json:"coef"`
	Draws [][]float64 `json:"draws"`
	Frame frameJSON   `json:"frame"`
}

type frameJSON struct {
	Grain    string                     `json:"grain"`
	Level    string                     `json:"level"`
	Periods  []datasets.Period          `json:"periods"`
	Complete []bool                     `json:"complete"`
	Scopes   []string                   `json:"scopes"`
	Cols     map[string][][]nullFloat64 `json:"cols"`
}

// nullFloat64 writes NaN (a panel cell with no events) as JSON null.
type nullFloat64 float64

func (f nullFloat64) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, float64(f), 'g', -1, 64), nil
}

func (f *nullFloat64) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = nullFloat64(math.NaN())
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	*f = nullFloat64(v)
	return err
}

// MarshalBinary serialises the fitted model so that a server can answer WhatIf and Attribute
// without the data it was fitted on. The same model gives the same bytes.
func (m *Model) MarshalBinary() ([]byte, error) {
	if m.data == nil || len(m.coef) == 0 {
		return nil, errors.New("driver: marshal: the model was not fitted")
	}
	f := m.data
	p := persisted{Model: m, Grain: m.Grain.String(), Coef: m.coef, Draws: m.draws, Frame: frameJSON{
		Grain: f.grain.String(), Level: f.level, Periods: f.periods, Complete: f.complete, Scopes: f.scopes,
		Cols: make(map[string][][]nullFloat64, len(f.cols)),
	}}
	for name, col := range f.cols {
		c := make([][]nullFloat64, len(col))
		for s, v := range col {
			c[s] = make([]nullFloat64, len(v))
			for t, x := range v {
				c[s][t] = nullFloat64(x)
			}
		}
		p.Frame.Cols[name] = c
	}
	var buf bytes.Buffer
	buf.Write(persistMagic)
	if err := json.NewEncoder(&buf).Encode(&p); err != nil {
		return nil, fmt.Errorf("driver: marshal: %w", err)
	}
	return buf.Bytes(), nil
}

// Unmarshal rebuilds a model written by MarshalBinary. Bytes that are not a driver model, or
// an inconsistent one, are an error.
func Unmarshal(b []byte) (*Model, error) {
	if !bytes.HasPrefix(b, persistMagic[:len(persistMagic)-1]) {
		return nil, errors.New("driver: unmarshal: not a growthlens driver model")
	}
	if v := b[len(persistMagic)-1]; v != persistMagic[len(persistMagic)-1] {
		return nil, fmt.Errorf("driver: unmarshal: format version %d, this build reads %d", v, persistMagic[len(persistMagic)-1])
	}
	var p persisted
	if err := json.Unmarshal(b[len(persistMagic):], &p); err != nil {
		return nil, fmt.Errorf("driver: unmarshal: %w", err)
	}
	if p.Model == nil || len(p.Coef) == 0 {
		return nil, errors.New("driver: unmarshal: no coefficients")
	}
	for _, d := range p.Draws {
		if len(d) != len(p.Coef) {
			return nil, errors.New("driver: unmarshal: replicate of the wrong length")
		}
	}
	m := p.Model
	var err error
	if m.Grain, err = datasets.ParseGrain(p.Grain); err != nil {
		return nil, fmt.Errorf("driver: unmarshal: %w", err)
	}
	g, err := datasets.ParseGrain(p.Frame.Grain)
	if err != nil {
		return nil, fmt.Errorf("driver: unmarshal: frame: %w", err)
	}
	f := &frame{grain: g, level: p.Frame.Level, periods: p.Frame.Periods, complete: p.Frame.Complete, scopes: p.Frame.Scopes,
		cols: make(map[string][][]float64, len(p.Frame.Cols))}
	for name, col := range p.Frame.Cols {
		c := make([][]float64, len(col))
		for s, v := range col {
			if len(v) != len(f.periods) {
				return nil, fmt.Errorf("driver: unmarshal: column %s has %d periods, want %d", name, len(v), len(f.periods))
			}
			c[s] = make([]float64, len(v))
			for t, x := range v {
				c[s][t] = float64(x)
			}
		}
		f.cols[name] = c
	}
	m.coef, m.draws, m.data = p.Coef, p.Draws, f
	return m, nil
}
