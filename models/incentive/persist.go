package incentive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/classify"
)

// persisted is everything Train learned and none of the data: what a model registry keeps.
type persisted struct {
	Config Config
	// Choice is the conditional logit; Preference the classify model when it is not.
	Choice     *choiceModel
	Preference []byte
	// Risk is the linear logistic; Attrition the classify model when it is not.
	Risk       *riskModel
	Attrition  []byte
	PrefClass  [numTypes]int
	AttrYes    int
	Perf       PerformanceModel
	Cost       CostModel
	RaiseShare float64
	Summary    Summary
}

// persistMagic starts every serialised recommender; the last byte is the format version.
// Version 3 is JSON with the conditional logit and the linear logistic (Choice, Risk); version
// 2 was JSON with classify models only (map keys sorted, so the same models give the same
// bytes); version 1 was gob, whose maps come out in random order.
var persistMagic = []byte("growthlens/incentive\x00\x03")

// MarshalBinary serialises the fitted models, the config and the training summary (not the
// employees: Restore takes the data to serve). The same fitted models give the same bytes:
// the training time is left out of the summary and maps are written in key order, so a
// registry can tell an unchanged model by its hash.
func (r *Recommender) MarshalBinary() ([]byte, error) {
	p := persisted{Config: r.cfg, Choice: r.choice, Risk: r.risk, PrefClass: r.prefClass, AttrYes: r.attrYes, Perf: *r.perf, Cost: *r.cost,
		RaiseShare: r.raiseShare, Summary: r.summary}
	p.Summary.Seconds = 0
	var err error
	if r.pref != nil {
		if p.Preference, err = r.pref.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	if r.attr != nil {
		if p.Attrition, err = r.attr.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	buf.Write(persistMagic)
	if err := json.NewEncoder(&buf).Encode(&p); err != nil {
		return nil, fmt.Errorf("encode recommender: %w", err)
	}
	return buf.Bytes(), nil
}

// Restore rebuilds a recommender from MarshalBinary's bytes over the employees of ds (the
// same dataset it was trained on, or fresher HR data). Bytes that are not a recommender, or
// decode to an inconsistent one, are an error.
func Restore(b []byte, ds *datasets.Dataset) (*Recommender, error) {
	if !bytes.HasPrefix(b, persistMagic[:len(persistMagic)-1]) {
		return nil, errors.New("restore recommender: not a growthlens incentive recommender")
	}
	// Version 2 is version 3 without Choice and Risk, so a model stored before the
	// conditional logit still serves after an upgrade.
	if v := b[len(persistMagic)-1]; v != 2 && v != persistMagic[len(persistMagic)-1] {
		return nil, fmt.Errorf("restore recommender: format version %d, this build reads 2 and %d", v, persistMagic[len(persistMagic)-1])
	}
	var p persisted
	if err := json.Unmarshal(b[len(persistMagic):], &p); err != nil {
		return nil, fmt.Errorf("restore recommender: %w", err)
	}
	if err := p.Config.Validate(); err != nil {
		return nil, fmt.Errorf("restore recommender: %w", err)
	}
	r := &Recommender{cfg: p.Config, prefClass: p.PrefClass, attrYes: p.AttrYes, perf: &p.Perf, cost: &p.Cost,
		raiseShare: p.RaiseShare, summary: p.Summary}
	if p.Choice != nil {
		if err := p.Choice.check(); err != nil {
			return nil, fmt.Errorf("restore recommender: preference model: %w", err)
		}
		r.choice = p.Choice
	} else {
		r.pref = &classify.Model{}
		if err := r.pref.UnmarshalBinary(p.Preference); err != nil {
			return nil, fmt.Errorf("restore recommender: preference model: %w", err)
		}
		for k, c := range r.prefClass {
			if c >= len(r.pref.Classes) || c >= 0 && r.pref.Classes[c] != datasets.RewardTypes[k] {
				return nil, errors.New("restore recommender: preference model classes")
			}
		}
	}
	if p.Risk != nil {
		if err := p.Risk.check(); err != nil {
			return nil, fmt.Errorf("restore recommender: attrition model: %w", err)
		}
		r.risk = p.Risk
	} else {
		r.attr = &classify.Model{}
		if err := r.attr.UnmarshalBinary(p.Attrition); err != nil {
			return nil, fmt.Errorf("restore recommender: attrition model: %w", err)
		}
		if len(r.attr.Classes) != 2 || r.attrYes != 1 || r.attr.Classes[1] != labelYes {
			return nil, errors.New("restore recommender: attrition model classes")
		}
	}
	return r.WithData(ds)
}
