package diagnose

import (
	"context"
	"fmt"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/indicators"
)

// IndicatorRequest asks for suggested indicators.
type IndicatorRequest struct {
	// Role limits the answer to one role ("" for all).
	Role string
	// Scope is whose history sets current values and targets (default the company).
	Scope   Scope
	Options indicators.Options
}

// IndicatorAnswer is the suggestions with notes on where the effects came from.
type IndicatorAnswer struct {
	Scope string                      `json:"scope"`
	Roles []indicators.RoleSuggestion `json:"roles"`
	Notes []string                    `json:"notes,omitempty"`
}

// Indicators suggests each role's indicators (indicators.Suggest): effects are estimated on the
// quarterly region panel (the team panel when the data has a single region), driver indicators
// take the driver model's effects combined with the catalogue's priors (Effects), and current
// values and targets come from the scope's quarterly history. It returns the errors of
// indicators.Suggest, including one wrapping indicators.ErrNoData for a role the data cannot
// measure.
func (c *Company) Indicators(ctx context.Context, req IndicatorRequest) (*IndicatorAnswer, error) {
	if req.Scope.Level == "" {
		req.Scope.Level = features.Company
	}
	est, err := c.Panel(datasets.Quarter, features.Region)
	if err != nil {
		return nil, err
	}
	if len(est.Scopes) < 2 {
		if est, err = c.Panel(datasets.Quarter, features.Team); err != nil {
			return nil, err
		}
	}
	sp, err := c.scopePanel(req.Scope, datasets.Quarter)
	if err != nil {
		return nil, err
	}
	var notes []string
	drivers := map[string]indicators.Effect{}
	m, err := c.CompanyModel(ctx)
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		notes = append(notes, fmt.Sprintf("company model not fitted (%v): driver indicators use the catalogue's priors", err))
		// A prior is not evidence from the data: its effect is said as uncertain, in the
		// company model's words, not as a point ("Sales staffing +10 % → growth +9.5 pt
		// [-9.1, +28.2] (prior)" on the Maven CRM import, which has no driver table).
		for _, ind := range c.cat.Drivers() {
			e := indicators.PriorEffect(ind)
			e.Uncertain, e.Sentence = true, company.UncertainSentence(ind.Formula, company.Sign(ind.Prior))
			drivers[ind.Formula] = e
		}
	} else {
		drivers = m.IndicatorEffects()
	}
	if req.Options.Seed == 0 {
		req.Options.Seed = c.opt.Seed
	}
	roles, err := indicators.Suggest(c.cat, indicators.Input{Panel: est, ScopePanel: sp, Scope: req.Scope.ID, Drivers: drivers},
		indicators.Options{Role: req.Role, Replicates: req.Options.Replicates, Seed: req.Options.Seed,
			TargetWindow: req.Options.TargetWindow, TargetQuantile: req.Options.TargetQuantile})
	if err != nil {
		return nil, err
	}
	return &IndicatorAnswer{Scope: req.Scope.String(), Roles: roles, Notes: notes}, nil
}
