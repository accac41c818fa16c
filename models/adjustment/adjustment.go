// Package adjustment holds a general manager's adjusted forecast: for a scope (the company, a
// region or a team) and a forecast quarter, the figure the manager expects instead of the
// model's, with a note saying why. It validates an adjustment, names it in the store, picks
// the adjustments in force from their stored versions, and scores them once the quarter's
// actual revenue is known, beside the model's figure they replaced (Track).
//
// An adjustment keeps the model's figure and model version of the moment it was set, so that
// its accuracy is compared with what the manager saw and chose to override, not with a
// forecast made later from more data.
//
// What this package must not do: decide who may adjust (the server's permission table does),
// write audit entries (the caller does, one per change) or change the model's forecast.
package adjustment

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/indicators"
	"github.com/growthlens/growthlens/models/registry"
)

// Limits of an adjustment.
const (
	// MaxNote is the longest note, in characters.
	MaxNote = 500
	// MaxRevenue bounds an adjusted figure (a quadrillion in the data's currency): anything
	// larger is a typing error, not a forecast.
	MaxRevenue = 1e15
)

// Adjustment is one version of a manager's adjusted figure for a scope and quarter.
type Adjustment struct {
	// Scope is company, region:<id> or team:<id>, as the API writes it; Quarter is YYYYQn.
	Scope   string `json:"scope"`
	Quarter string `json:"quarter"`
	// Revenue is the adjusted figure, in the data's currency.
	Revenue float64 `json:"revenue"`
	Note    string  `json:"note"`
	// ModelRevenue is the model's published forecast of the quarter when the adjustment was
	// set, from version ModelVersion of the forecast model.
	ModelRevenue float64 `json:"model_revenue"`
	ModelVersion int     `json:"model_version"`
	// Withdrawn marks the version that took the adjustment back (DELETE): the figure no
	// longer applies, and the store keeps every version before it.
	Withdrawn bool `json:"withdrawn,omitempty"`
	// Version is the store's version number; SetBy the API key id (or cli:<user>) and Role
	// the role that set it, at SetAt.
	Version int       `json:"version"`
	SetBy   string    `json:"set_by"`
	Role    string    `json:"role"`
	SetAt   time.Time `json:"set_at"`
}

// FieldError is an adjustment that cannot be accepted, naming the field at fault (the same
// type as the catalogue's and the goals', so one check at the API edge serves all).
type FieldError = indicators.FieldError

var fieldErr = indicators.FieldErrorf

// ID names the adjustment of a scope and quarter in the store: "2026Q4.company",
// "2026Q4.region.East". A scope id that is not a plain name (letters, digits, '_' and '-',
// at most 40 characters) is replaced by a hash of it, so every scope has an id.
func ID(scope, quarter string) string {
	level, id, _ := strings.Cut(scope, ":")
	if id == "" {
		return quarter + "." + level
	}
	plain := len(id) <= 40
	for _, r := range id {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-')) {
			plain = false
			break
		}
	}
	if !plain || strings.HasPrefix(id, "h-") || strings.HasPrefix(id, "_") || strings.HasPrefix(id, "-") {
		h := sha256.Sum256([]byte(id))
		id = "h-" + hex.EncodeToString(h[:10])
	}
	return quarter + "." + level + "." + id
}

// Validate checks what a manager sends — the quarter's format, the figure and the note — and
// normalises them ("2026q4" → "2026Q4", the note trimmed). It returns a *FieldError naming
// the field at fault: quarter, revenue or note. Whether the quarter is one the forecast
// covers is Window's question.
func (a *Adjustment) Validate() error {
	q, err := datasets.ParseQuarter(a.Quarter)
	if err != nil {
		return fieldErr("quarter", "%v", err)
	}
	a.Quarter = q.String()
	switch {
	case math.IsNaN(a.Revenue) || math.IsInf(a.Revenue, 0):
		return fieldErr("revenue", "want a number")
	case a.Revenue < 0:
		return fieldErr("revenue", "%s is negative: want an amount from 0 to %s", plain(a.Revenue), plain(MaxRevenue))
	case a.Revenue > MaxRevenue:
		return fieldErr("revenue", "%s is above %s", plain(a.Revenue), plain(MaxRevenue))
	}
	a.Note = strings.TrimSpace(a.Note)
	switch n := utf8.RuneCountInString(a.Note); {
	case !utf8.ValidString(a.Note):
		return fieldErr("note", "is not valid UTF-8")
	case n == 0:
		return fieldErr("note", "required: say why the figure differs from the model's (at most %d characters)", MaxNote)
	case n > MaxNote:
		return fieldErr("note", "has %d characters, at most %d", n, MaxNote)
	}
	for _, r := range a.Note {
		if unicode.IsControl(r) {
			return fieldErr("note", "contains a control character (%U): write it on one line", r)
		}
	}
	return nil
}

func plain(x float64) string { return fmt.Sprintf("%.0f", x) }

// Window checks that quarter is one the model forecasts: not a quarter whose actuals are in
// (at or before lastActual) and within the forecast's periods. It returns a *FieldError for
// the field "quarter".
func Window(quarter, lastActual string, periods []string) error {
	if slices.Contains(periods, quarter) {
		return nil
	}
	if len(periods) == 0 {
		return fieldErr("quarter", "the scope has no forecast quarter to adjust")
	}
	if lastActual != "" && quarter <= lastActual || quarter < periods[0] {
		return fieldErr("quarter", "%s is in the past: its actuals are in; adjust a forecast quarter, %s to %s", quarter, periods[0], periods[len(periods)-1])
	}
	return fieldErr("quarter", "%s is beyond the forecast, which reaches %s", quarter, periods[len(periods)-1])
}

// Decode reads stored adjustment documents (registry.Store.Adjustments: by id, newest
// version first).
func Decode(docs []registry.Document) ([]Adjustment, error) {
	out := make([]Adjustment, 0, len(docs))
	for _, d := range docs {
		var a Adjustment
		if err := json.Unmarshal(d.Data, &a); err != nil {
			return nil, fmt.Errorf("stored adjustment %s v%d: %w", d.ID, d.Version, err)
		}
		a.Version = d.Version
		out = append(out, a)
	}
	return out, nil
}

// Load reads a tenant's adjustments, every version (Decode).
func Load(st registry.Store, tenant string) ([]Adjustment, error) {
	docs, err := st.Adjustments(tenant)
	if err != nil {
		return nil, err
	}
	return Decode(docs)
}

// Current returns the adjustments in force: the newest version of each scope and quarter,
// withdrawn ones left out, ordered by scope (company first) and quarter.
func Current(all []Adjustment) []Adjustment {
	newest := map[string]Adjustment{}
	for _, a := range all {
		k := a.Scope + " " + a.Quarter
		if b, ok := newest[k]; !ok || a.Version > b.Version {
			newest[k] = a
		}
	}
	out := []Adjustment{}
	for _, a := range newest {
		if !a.Withdrawn {
			out = append(out, a)
		}
	}
	Sort(out)
	return out
}

// Sort orders adjustments by scope (company, then regions, then teams), quarter and version
// (newest first).
func Sort(as []Adjustment) {
	rank := func(s string) int {
		switch {
		case s == "company":
			return 0
		case strings.HasPrefix(s, "region:"):
			return 1
		}
		return 2
	}
	slices.SortFunc(as, func(a, b Adjustment) int {
		return cmp.Or(cmp.Compare(rank(a.Scope), rank(b.Scope)), strings.Compare(a.Scope, b.Scope),
			strings.Compare(a.Quarter, b.Quarter), cmp.Compare(b.Version, a.Version))
	})
}

// For returns the adjustment of scope and quarter among current ones.
func For(current []Adjustment, scope, quarter string) (Adjustment, bool) {
	for _, a := range current {
		if a.Scope == scope && a.Quarter == quarter {
			return a, true
		}
	}
	return Adjustment{}, false
}

// Outcome is an adjustment scored against its quarter's actual revenue: each figure's error
// relative to the actual, (figure − actual) / actual, a fraction.
type Outcome struct {
	Scope, Quarter string
	Actual         float64
	Model          float64
	Adjusted       float64
	ModelError     float64
	AdjustedError  float64
	ModelVersion   int
	Note           string
}

// Track scores the current adjustments whose quarter has an actual (actual reports it; a
// quarter without one, or with an actual of zero or less, has no relative error and is left
// out), in Current's order.
func Track(current []Adjustment, actual func(scope, quarter string) (float64, bool)) []Outcome {
	out := []Outcome{}
	for _, a := range current {
		y, ok := actual(a.Scope, a.Quarter)
		if !ok || !(y > 0) {
			continue
		}
		out = append(out, Outcome{Scope: a.Scope, Quarter: a.Quarter, Actual: y, Model: a.ModelRevenue, Adjusted: a.Revenue,
			ModelError: (a.ModelRevenue - y) / y, AdjustedError: (a.Revenue - y) / y, ModelVersion: a.ModelVersion, Note: a.Note})
	}
	return out
}

// Summary sums outcomes up: how many, the mean absolute relative error of the model's
// figures and of the adjusted ones (fractions), and in how many the adjusted figure was
// closer to the actual.
type Summary struct {
	Quarters       int
	ModelMAPE      float64
	AdjustedMAPE   float64
	AdjustedNearer int
}

// Summarize sums outcomes up; with none, the means are NaN.
func Summarize(os []Outcome) Summary {
	s := Summary{Quarters: len(os), ModelMAPE: math.NaN(), AdjustedMAPE: math.NaN()}
	if len(os) == 0 {
		return s
	}
	var m, a float64
	for _, o := range os {
		m += math.Abs(o.ModelError)
		a += math.Abs(o.AdjustedError)
		if math.Abs(o.AdjustedError) < math.Abs(o.ModelError) {
			s.AdjustedNearer++
		}
	}
	s.ModelMAPE, s.AdjustedMAPE = m/float64(len(os)), a/float64(len(os))
	return s
}

// String says the summary in plain words, as the API's accuracy.adjustments.summary and the
// CLI print it (the review page has its own translated sentence).
func (s Summary) String() string {
	quarters := "quarter"
	if s.Quarters > 1 {
		quarters = "quarters"
	}
	return fmt.Sprintf("in %d %s with a manager's adjustment, the adjusted figure was off by %s %% on average and the model's by %s %%; the adjustment was nearer the actual in %d",
		s.Quarters, quarters, numfmt.Plain(100*s.AdjustedMAPE), numfmt.Plain(100*s.ModelMAPE), s.AdjustedNearer)
}

// Actuals looks a scope's quarter up in a forecast set's history (the revenue the forecast
// model was trained on), for Track.
func Actuals(set *forecast.Set) func(scope, quarter string) (float64, bool) {
	return func(scope, quarter string) (float64, bool) {
		if set == nil {
			return 0, false
		}
		level, id, _ := strings.Cut(scope, ":")
		sc, ok := set.Find(level, id)
		if !ok {
			return 0, false
		}
		for t, p := range sc.Periods {
			if p == quarter && t < len(sc.History) {
				return sc.History[t], true
			}
		}
		return 0, false
	}
}

// Errors of Prepare and Withdraw besides a *FieldError.
var (
	// ErrNoScope: the scope is not in the forecast.
	ErrNoScope = errors.New("no such scope in the forecast")
	// ErrNoFigure: the scope's forecast has no figure to adjust (none, or withheld).
	ErrNoFigure = errors.New("no model figure to adjust")
	// ErrNone: the scope and quarter have no adjustment in force.
	ErrNone = errors.New("no adjustment in force")
)

// Prepare validates a (Validate), checks it against the forecast it adjusts — the scope is
// in set (else ErrNoScope), has a forecast that is not withheld (else ErrNoFigure), and the
// quarter is a forecast quarter (Window) — and records the model's figure of the quarter
// from version of the forecast model.
func Prepare(a *Adjustment, set *forecast.Set, version int) error {
	if err := a.Validate(); err != nil {
		return err
	}
	level, id, _ := strings.Cut(a.Scope, ":")
	sc, ok := set.Find(level, id)
	switch {
	case !ok:
		return fmt.Errorf("%w: %s", ErrNoScope, a.Scope)
	case sc.Forecast == nil:
		return fmt.Errorf("%w: scope %s has no forecast (%s)", ErrNoFigure, a.Scope, sc.Error)
	case sc.Verdict != nil && sc.Verdict.Status == forecast.StatusWithheld:
		return fmt.Errorf("%w: scope %s's forecast is withheld, because %s", ErrNoFigure, a.Scope, sc.Verdict.Reason)
	}
	last := ""
	if n := len(sc.Periods); n > 0 {
		last = sc.Periods[n-1]
	}
	if err := Window(a.Quarter, last, sc.Forecast.Periods); err != nil {
		return err
	}
	h := slices.Index(sc.Forecast.Periods, a.Quarter)
	a.ModelRevenue, a.ModelVersion = sc.Forecast.Mean[h], version
	return nil
}

// Put stores a prepared adjustment as the next version of its scope and quarter, set by who
// in role now, and returns it with the version it replaced (nil for the first). The version
// before is read after the write, so a concurrent put between the two is the one reported.
func Put(st registry.Store, tenant string, a Adjustment, who, role string, now time.Time) (Adjustment, *Adjustment, error) {
	id := ID(a.Scope, a.Quarter)
	a.SetBy, a.Role = who, role
	doc, err := st.PutAdjustment(tenant, id, func(v int) (json.RawMessage, error) {
		a.Version, a.SetAt = v, now.UTC()
		return json.Marshal(a)
	})
	if err != nil {
		return Adjustment{}, nil, err
	}
	if doc.Version <= 1 {
		return a, nil, nil
	}
	all, err := Load(st, tenant)
	if err != nil {
		return a, nil, err
	}
	for _, b := range all {
		if ID(b.Scope, b.Quarter) == id && b.Version == doc.Version-1 {
			return a, &b, nil
		}
	}
	return a, nil, nil
}

// Withdraw stores a version of the adjustment of scope and quarter that withdraws it, and
// returns it with the version it withdrew; ErrNone when none is in force.
func Withdraw(st registry.Store, tenant, scope, quarter, who, role string, now time.Time) (Adjustment, *Adjustment, error) {
	all, err := Load(st, tenant)
	if err != nil {
		return Adjustment{}, nil, err
	}
	old, ok := For(Current(all), scope, quarter)
	if !ok {
		return Adjustment{}, nil, fmt.Errorf("%w for %s in %s", ErrNone, scope, quarter)
	}
	w := old
	w.Withdrawn = true
	w, prev, err := Put(st, tenant, w, who, role, now)
	if prev == nil {
		prev = &old
	}
	return w, prev, err
}

// Detail says a change for the audit log: the scope and quarter, the new figure, the one it
// replaced, the model's, and the note.
func Detail(a Adjustment, prev *Adjustment, currency string) string {
	was := "none"
	if prev != nil && !prev.Withdrawn {
		was = numfmt.Money(prev.Revenue, currency)
	}
	if a.Withdrawn {
		return fmt.Sprintf("%s %s: withdrawn (was %s), version %d", a.Scope, a.Quarter, was, a.Version)
	}
	return fmt.Sprintf("%s %s: %s (was %s; model %s, forecast v%d), version %d; note: %s", a.Scope, a.Quarter,
		numfmt.Money(a.Revenue, currency), was, numfmt.Money(a.ModelRevenue, currency), a.ModelVersion, a.Version, a.Note)
}
