package classify

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
)

// Model is a fitted, calibrated classifier. It is safe for concurrent use by multiple
// goroutines once built, and serialises to bytes with MarshalBinary.
type Model struct {
	// Classes are the class labels; probability columns follow this order. For two classes
	// Classes[1] is the positive class.
	Classes []string
	// Name describes the chosen candidate and its hyperparameters, e.g.
	// "logistic(C=0.1,log,ints) calib=platt".
	Name    string
	Members []member
	// Calib, when set, calibrates the members' averaged probabilities (blends only).
	Calib *calibrator
}

// member is one calibrated model of a (possibly one-member) blend whose probabilities are
// averaged with weight Weight. Exactly one of Linear, Forest and Bayes is set.
type member struct {
	Name   string
	Weight float64
	Enc    *encoder
	Linear *linear
	Forest *forest
	Bayes  *bayes
	Calib  *calibrator
}

// Input is one column a model reads.
type Input struct {
	Name string
	Kind Kind
}

// Inputs lists the columns the model reads at prediction time (in no particular order).
// Tables passed to PredictProba must hold them, with the same kinds; other columns are ignored.
func (m *Model) Inputs() []Input {
	seen := map[string]bool{}
	var out []Input
	for _, mb := range m.Members {
		for _, c := range mb.Enc.Cols {
			if !seen[c.Name] {
				seen[c.Name] = true
				out = append(out, Input{c.Name, c.Kind})
			}
		}
	}
	return out
}

// predictChunk bounds the rows encoded at once, so the feature buffer stays in cache.
const predictChunk = 2048

// PredictProba returns the calibrated class probabilities of every row of t, row-major
// (Rows × len(Classes)). Missing values are imputed as in training; labels not seen in training
// encode as "no level" (all one-hot features 0) and do not cause an error. A column the model
// needs that t lacks, a column of the wrong kind and ±Inf values are errors.
func (m *Model) PredictProba(t *Table) ([]float64, error) {
	return m.predict(t.Rows(), func(mb *member, lo, hi int, x []float64) error {
		return mb.Enc.encodeRange(t, lo, hi, x)
	})
}

// predict returns the calibrated probabilities of n rows whose features fill writes, a chunk
// of rows at a time: fill(mb, lo, hi, x) writes member mb's encoded features of rows [lo, hi)
// into x ((hi−lo) × mb.Enc.Width, zeroed).
func (m *Model) predict(n int, fill func(mb *member, lo, hi int, x []float64) error) ([]float64, error) {
	k := len(m.Classes)
	out := make([]float64, n*k)
	tmp := make([]float64, predictChunk*k)
	var xbuf []float64
	for lo := 0; lo < n; lo += predictChunk {
		hi := min(lo+predictChunk, n)
		rows := hi - lo
		o := out[lo*k : hi*k]
		for mi := range m.Members {
			mb := &m.Members[mi]
			w := mb.Enc.Width
			if cap(xbuf) < rows*w {
				xbuf = make([]float64, rows*w)
			}
			x := xbuf[:rows*w]
			for j := range x {
				x[j] = 0
			}
			if err := fill(mb, lo, hi, x); err != nil {
				return nil, err
			}
			dst := o
			if len(m.Members) > 1 {
				dst = tmp[:rows*k]
			}
			mb.probs(x, rows, dst)
			if len(m.Members) > 1 {
				if mi == 0 {
					for j := range o {
						o[j] = 0
					}
				}
				for j, v := range dst {
					o[j] += mb.Weight * v
				}
			}
		}
		m.Calib.apply(o, rows, k)
	}
	return out, nil
}

// Predict returns the most probable class label of every row of t.
func (m *Model) Predict(t *Table) ([]string, error) {
	p, err := m.PredictProba(t)
	if err != nil {
		return nil, err
	}
	k := len(m.Classes)
	out := make([]string, t.Rows())
	for i := range out {
		best := 0
		for c := 1; c < k; c++ {
			if p[i*k+c] > p[i*k+best] {
				best = c
			}
		}
		out[i] = m.Classes[best]
	}
	return out, nil
}

// probs writes the member's calibrated probabilities for n encoded rows into out (n×K).
func (mb *member) probs(x []float64, n int, out []float64) {
	switch {
	case mb.Linear != nil:
		mb.Linear.probs(x, n, out)
	case mb.Forest != nil:
		mb.Forest.probs(x, n, mb.Enc.Width, out)
	case mb.Bayes != nil:
		mb.Bayes.probs(x, n, out)
	}
	k := len(out) / max(n, 1)
	mb.Calib.apply(out, n, k)
}

// modelData is Model without its methods, so gob encodes the fields instead of calling
// MarshalBinary again.
type modelData Model

// binaryMagic starts every serialised model; the last byte is the format version.
var binaryMagic = []byte("growthlens/classify\x00\x01")

// MarshalBinary serialises the model (a versioned header followed by a gob stream).
func (m *Model) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	buf.Write(binaryMagic)
	if err := gob.NewEncoder(&buf).Encode((*modelData)(m)); err != nil {
		return nil, fmt.Errorf("encode model: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary restores a model written by MarshalBinary. Bytes that are not such a model,
// or that decode to an inconsistent one, are an error (never a panic at prediction time).
func (m *Model) UnmarshalBinary(data []byte) error {
	if !bytes.HasPrefix(data, binaryMagic[:len(binaryMagic)-1]) {
		return errors.New("decode model: not a growthlens classifier")
	}
	if v := data[len(binaryMagic)-1]; v != binaryMagic[len(binaryMagic)-1] {
		return fmt.Errorf("decode model: format version %d, this build reads %d", v, binaryMagic[len(binaryMagic)-1])
	}
	var d modelData
	if err := gob.NewDecoder(bytes.NewReader(data[len(binaryMagic):])).Decode(&d); err != nil {
		return fmt.Errorf("decode model: %w", err)
	}
	out := Model(d)
	if err := out.validate(); err != nil {
		return fmt.Errorf("decode model: %w", err)
	}
	*m = out
	return nil
}

// validate checks the shapes that scoring relies on, so corrupt bytes fail at load time, and
// rebuilds the lookups that are not serialised (categorical label maps).
func (m *Model) validate() error {
	k := len(m.Classes)
	if k < 2 {
		return fmt.Errorf("%d classes", k)
	}
	if len(m.Members) == 0 {
		return errors.New("no members")
	}
	if m.Calib != nil {
		if err := m.Calib.validate(k); err != nil {
			return fmt.Errorf("blend: %w", err)
		}
	}
	for i := range m.Members {
		mb := &m.Members[i]
		if mb.Enc == nil || mb.Calib == nil {
			return fmt.Errorf("member %d: missing encoder or calibrator", i)
		}
		if err := mb.Enc.validate(); err != nil {
			return fmt.Errorf("member %d: %w", i, err)
		}
		w := mb.Enc.Width
		set := 0
		if l := mb.Linear; l != nil {
			set++
			rows := l.K
			if l.K == 2 {
				rows = 1
			}
			if l.K != k || l.P != w || len(l.W) != rows*w || len(l.B) != rows {
				return fmt.Errorf("member %d: linear model shape", i)
			}
		}
		if f := mb.Forest; f != nil {
			set++
			if err := f.validate(k, w); err != nil {
				return fmt.Errorf("member %d: %w", i, err)
			}
		}
		if b := mb.Bayes; b != nil {
			set++
			if b.K != k || b.P != w || len(b.Const) != k || len(b.Lin) != k*w || len(b.Quad) != k*w {
				return fmt.Errorf("member %d: naive Bayes shape", i)
			}
		}
		if set != 1 {
			return fmt.Errorf("member %d: %d scorers", i, set)
		}
		if err := mb.Calib.validate(k); err != nil {
			return fmt.Errorf("member %d: %w", i, err)
		}
	}
	return nil
}

func (e *encoder) validate() error {
	for i := range e.Cols {
		c := &e.Cols[i]
		if c.Kind == Categorical {
			c.index()
		}
		if c.Offset < 0 || c.Offset >= e.Width {
			return fmt.Errorf("column %q: offset out of range", c.Name)
		}
		width := 1
		if c.Kind == Numeric {
			if c.Indicator {
				width++
			}
			width += len(c.Ints)
		} else {
			width = len(c.Labels)
			if c.Other >= 0 {
				width++
				if int(c.Other) != len(c.Labels) {
					return fmt.Errorf("column %q: other level out of range", c.Name)
				}
			}
		}
		if c.Offset+width > e.Width {
			return fmt.Errorf("column %q: features out of range", c.Name)
		}
		if c.Scale == 0 && c.Kind == Numeric {
			return fmt.Errorf("column %q: zero scale", c.Name)
		}
	}
	return nil
}

func (f *forest) validate(k, w int) error {
	if f.K != k {
		return errors.New("forest: class count")
	}
	per := k
	if f.Boost {
		per = 1
		want := 1
		if k > 2 {
			want = k
		}
		if len(f.Base) != want || len(f.Class) != len(f.Roots) {
			return errors.New("forest: boosting shape")
		}
		for _, c := range f.Class {
			if c < 0 || int(c) >= want {
				return errors.New("forest: tree class out of range")
			}
		}
	}
	if len(f.Roots) == 0 {
		return errors.New("forest: no trees")
	}
	n := int32(len(f.Nodes))
	for _, r := range f.Roots {
		if r < 0 || r >= n {
			return errors.New("forest: root out of range")
		}
	}
	for i, nd := range f.Nodes {
		if nd.Feat < 0 {
			if nd.Left < 0 || int(nd.Left)+per > len(f.Values) {
				return errors.New("forest: leaf value out of range")
			}
			continue
		}
		// Children come after their parent, so every walk ends at a leaf.
		if int(nd.Feat) >= w || nd.Left <= int32(i) || nd.Left+1 >= n {
			return errors.New("forest: node out of range")
		}
	}
	return nil
}

func (c *calibrator) validate(k int) error {
	want := k
	if k == 2 {
		want = 1
	}
	switch c.Method {
	case CalibNone:
	case CalibPlatt:
		if len(c.A) != want || len(c.B) != want {
			return errors.New("calibrator: Platt shape")
		}
	case CalibIsotonic:
		if len(c.X) != want || len(c.Y) != want {
			return errors.New("calibrator: isotonic shape")
		}
		for j := range c.X {
			if len(c.X[j]) == 0 || len(c.X[j]) != len(c.Y[j]) {
				return errors.New("calibrator: isotonic knots")
			}
		}
	default:
		return fmt.Errorf("calibrator: unknown method %q", c.Method)
	}
	return nil
}
