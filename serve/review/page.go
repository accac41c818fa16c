package review

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/models/adjustment"
	"github.com/growthlens/growthlens/models/alert"
	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/diagnose"
	"github.com/growthlens/growthlens/models/driver"
	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/goal"
	"github.com/growthlens/growthlens/models/incentive"
	"github.com/growthlens/growthlens/models/registry"
)

// Input is what a page is built from: a tenant's champion models as the server serves them
// and its dataset. Any of them may be missing; the sections that need it then say why
// (Missing) instead of failing the page.
type Input struct {
	Tenant string

	Forecast        *forecast.Set
	ForecastVersion registry.Version

	Driver        *driver.Model
	DriverVersion registry.Version

	// Recommendations are every employee on staff's recommendation on IncentiveAsOf, as the
	// server holds them for POST /v1/recommendations.
	Recommendations  []incentive.Recommendation
	IncentiveVersion registry.Version
	IncentiveAsOf    time.Time
	// Leavers and Turnover are the expected leavers of the next 12 months (company, regions,
	// teams) and the past years' turnover, as GET /v1/attrition gives them.
	Leavers  []incentive.Leavers
	Turnover []incentive.Turnover

	// Dataset gives the revenue targets; Indicators the suggested indicators (see
	// Indicators; nil leaves the section out with a note).
	Dataset    *datasets.Dataset
	Indicators func(context.Context) (*diagnose.IndicatorAnswer, error)
	// Diagnosis opens the dataset for diagnosis as GET /v1/rootcauses does (see Diagnosis):
	// the causes of the gap to target come from it. Nil leaves the section out with a note.
	Diagnosis func(context.Context) (*diagnose.Company, error)

	// Goals are the tenant's growth goals (the latest version of each), and Cascade cascades
	// one as GET /v1/cascade does (nil leaves the goal section out with a note).
	Goals   []goal.Goal
	Cascade func(context.Context, goal.Goal) (*goal.Plan, error)
	// Alerts are the tenant's open alerts (not acknowledged or muted), newest first.
	Alerts []alert.Alert
	// Adjustments are the managers' adjusted figures in force (adjustment.Current), as GET
	// /v1/forecast/adjustments lists them.
	Adjustments []adjustment.Adjustment

	// Missing says, by model name (champion.Forecast …), why a model is not loaded.
	Missing map[string]string
}

// Scenario is a what-if on the drivers a GM controls: percent changes of marketing spend and
// of first-response time (the service level), as POST /v1/whatif takes them.
type Scenario struct {
	SpendPercent    float64
	ResponsePercent float64
}

// DefaultScenario is the what-if the page shows before anyone asks: spend +10 %, first
// response 20 % faster.
var DefaultScenario = Scenario{SpendPercent: 10, ResponsePercent: -20}

// Drivers of the what-if form.
const (
	SpendDriver    = "marketing_spend"
	ResponseDriver = "first_response_hours"
)

// Validate checks a scenario's ranges: the API's (above −100 %, at most +1000 %).
func (s Scenario) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"spend", s.SpendPercent}, {"response", s.ResponsePercent}} {
		if math.IsNaN(f.v) || f.v <= -100 || f.v > 1000 {
			return fmt.Errorf("%s %g %%: want a change above -100 and at most 1000 percent", f.name, f.v)
		}
	}
	return nil
}

// Page is every figure of a review page. Money is in the data's currency; rates are
// fractions (0.05 is 5 %); driver contributions are log points of revenue, as the API gives
// them.
type Page struct {
	Tenant string
	// Quarter is the quarter under review; Assessed the last quarter with actuals at or
	// before it (Quarter itself when it is over, else the one before the forecast starts).
	Quarter  string
	Assessed string
	// Quarters are the quarters the page can review (history and forecast).
	Quarters []string
	// AsOf is the first day after the data (the forecast set's as-of date).
	AsOf string
	// Currency is the ISO 4217 code every amount is printed with (the dataset's settings; ""
	// when they do not say).
	Currency string

	Forecast *ForecastSection
	Target   *TargetSection
	// Alerts are the open alerts, newest first (at most MaxAlerts).
	Alerts []alert.Alert
	// Goal is the growth goal covering the quarter, cascaded; GoalNotSet is true when the
	// tenant has set none for it (not a fault: the section says how to set one).
	Goal       *GoalSection
	GoalNotSet bool
	Growth     *GrowthSection
	WhatIf     *WhatIfSection
	Causes     *CausesSection
	Indicators *diagnose.IndicatorAnswer
	Incentives *IncentiveSection
	Turnover   *TurnoverSection
	Accuracy   *AccuracySection
	Models     []ModelInfo
	// Adjustments are the managers' figures in force for every scope, beside the model's
	// figure of the moment each was set.
	Adjustments []adjustment.Adjustment

	// Missing says, by section, why it has nothing to show.
	Missing map[string]string
}

// ModelInfo names a model version in use.
type ModelInfo struct {
	Name     string
	Version  int
	Created  time.Time
	DataHash string
}

// Actual is one quarter of history.
type Actual struct {
	Period     string
	Revenue    float64
	Target     float64 // NaN when the quarter has no target
	Completion float64 // Revenue / Target, NaN without a target
}

// Projected is one forecast quarter: the point forecast, its 80 % and 95 % intervals, the
// growth on the quarter before and on the same quarter a year before (NaN when undefined),
// and the target when there is one (NaN otherwise).
type Projected struct {
	Period           string
	Revenue          float64
	Lo80, Hi80       float64
	Lo95, Hi95       float64
	GrowthQoQ        float64
	GrowthYoY        float64
	YoYLo80, YoYHi80 float64
	Target           float64
	// HitProb is the probability of reaching Target (NaN without one); Split where the
	// quarter's revenue comes from (nil beyond the pipeline forecast's quarters), and Needed
	// what its open deals must bring for the target (NaN without a target or split).
	HitProb float64
	Split   *forecast.Split
	Needed  float64
	// Weight is the split's weight beside Univariate, the forecast from revenue history
	// alone (NaN without a split).
	Weight, Univariate float64
	// Adjusted is a manager's figure for the quarter (NaN without one).
	Adjusted float64
}

// ForecastSection is the company forecast as GET /v1/forecast?scope=company gives it.
type ForecastSection struct {
	Method  string
	History []Actual
	Next    []Projected
	// Status is ok, uncertain or withheld (then Next is empty); Reason and Fix say why and
	// what data would help (forecast.Assess). Excluded lists periods left out of History.
	Status, Reason, Fix string
	Excluded            []string
}

// TargetSection is actual against target: the assessed quarter and the year to date.
type TargetSection struct {
	Quarter               string
	Actual, Target        float64
	Completion            float64
	Year                  string
	YTDActual, YTDTarget  float64
	YTDCompletion         float64 // NaN when a quarter of the year so far has no target
	YTDQuarters           int
	Recent                []Actual // the last eight quarters up to the assessed one
	ForecastRevenue       float64  // the quarter under review's forecast, when it is a forecast quarter
	ForecastTarget        float64
	ForecastQuarter       string
	ForecastCompletion    float64
	HasForecastCompletion bool
}

// Step is one driver's part of a revenue change.
type Step struct {
	Driver, Role, Unit string
	// Contribution is the driver's part in log points of revenue, with its interval.
	Contribution, Lower, Upper float64
	Share                      float64
	Significant                bool
	// Baseline and Actual are the driver's level the expectation assumed and its level in
	// the quarter, in its unit. For a cause (CausesSection), Baseline is the level that was
	// normal for the driver and Actual its level Lag quarters before the assessed one.
	Baseline, Actual float64
	// Where and Lag are set for causes only: the part whose move it was ("" for the
	// company's own series, else e.g. "product=Core") and how many quarters before the
	// assessed one it moved.
	Where string
	Lag   int
	// Uncertain: the data cannot tell the driver's direction (the company model's rule);
	// the page shows the range and Sentence, never the point.
	Uncertain bool
	Sentence  string
	// Sign is the direction the catalogue knows for the driver (for the sentence's wording).
	Sign int
}

// GrowthSection splits the assessed quarter's year-on-year revenue change into the drivers'
// contributions and the rest: GET /v1/attribution with expected = the same quarter's revenue
// a year before (the driver model's attribution, which adds up to the change).
type GrowthSection struct {
	Quarter, BaseQuarter string
	Base, Actual         float64
	Growth               float64 // Actual/Base − 1
	Gap                  float64 // log(Actual/Base)
	Steps                []Step
	Unexplained          float64
	// Summary is company.Attribution.GrowthSummary: the English lead, the CLI's too.
	Summary string
}

// CausesSection ranks the drivers behind the assessed quarter's gap to target: GET
// /v1/rootcauses?scope=company&period=Q (models/diagnose), in its order — the drivers that
// moved abnormally the gap's way by the contribution they are likely to have made, then the
// others. Explained is the claimed causes' contributions together, ExplainedShare that over
// the gap; Reason says why there is no dominant cause when there is none.
type CausesSection struct {
	Quarter          string
	Actual, Expected float64
	Completion, Gap  float64
	Shortfall        bool
	NoDominantCause  bool
	Reason           string
	Causes           []Step
	Explained        float64
	ExplainedShare   float64
	Notes            []string
}

// WhatIfSection is POST /v1/whatif for the scenario.
type WhatIfSection struct {
	Scenario            Scenario
	Sustained           float64 // log revenue change once every lag has passed
	SustainedPercent    float64
	SustainedPercentLo  float64
	SustainedPercentHi  float64
	Changes             []WhatIfChange
	Quarters            []driver.ScenarioQuarter // the forecast with and without the scenario
	Error               string
	SpendOK, ResponseOK bool
	// Uncertain and Withheld are the company model's verdicts on the scenario (see
	// company.WhatIf); Sentence says them in English (the page words them per language).
	Uncertain, Withheld bool
	Sentence            string
	// Summary is company.WhatIf.Summary: the English result sentence, the CLI's too.
	Summary string
	// UncertainDriver is the driver whose direction the data cannot tell, for a scenario of
	// one change ("" otherwise).
	UncertainDriver string
}

// WhatIfChange is one applied change: the driver's level now and after.
type WhatIfChange struct {
	Driver, Role, Unit string
	Percent            float64
	From, To           float64
	Sustained          float64
}

// IncentiveSection is the recommendations (POST /v1/recommendations, first options) summed
// up by team.
type IncentiveSection struct {
	AsOf  string
	Teams []incentive.TeamSummary
	Types []string // incentive types that appear, in datasets.RewardTypes order
	Total incentive.TeamSummary
}

// TurnoverSection is the turnover of the past years and its forecast for the next 12 months:
// the expected leavers of the employees on staff with their 80 % interval, for the company
// and each region (GET /v1/attrition).
type TurnoverSection struct {
	AsOf     string
	Past     []incentive.Turnover
	Forecast incentive.Leavers
	Regions  []incentive.Leavers
}

// BacktestPoint is one backtest origin: the quarter's actual and the forecast made the
// quarter before.
type BacktestPoint struct {
	Period           string
	Actual, Forecast float64
}

// AccuracySection states the forecast's rolling-origin backtest as GET /v1/forecast does.
type AccuracySection struct {
	// Record is the scope's backtest record, whose sentences the English page prints (as the
	// API and the CLI do); the fields below are its figures for the template and the charts.
	Record        forecast.Record
	Method        string
	Origins       int
	MAPE1, MAPE   float64
	SMAPE, MASE   float64
	Horizon       int
	Points        []BacktestPoint
	ModelVersion  int
	ModelCreated  time.Time
	HasBacktest   bool
	ForecastModel string
	// Adjusted scores the managers' adjustments whose quarters have actuals (every scope),
	// as GET /v1/forecast's accuracy.adjustments does per scope; AdjustedSummary sums them.
	Adjusted        []adjustment.Outcome
	AdjustedSummary adjustment.Summary
}

// Sections of the page, the keys of Page.Missing.
const (
	SecForecast   = "forecast"
	SecTarget     = "target"
	SecGoal       = "goal"
	SecAlerts     = "alerts"
	SecGrowth     = "growth"
	SecWhatIf     = "whatif"
	SecCauses     = "causes"
	SecIndicators = "indicators"
	SecIncentives = "incentives"
	SecTurnover   = "turnover"
	SecAccuracy   = "accuracy"
)

// Sections lists them in page order.
var Sections = []string{SecForecast, SecTarget, SecAlerts, SecGoal, SecGrowth, SecWhatIf, SecCauses, SecIndicators, SecIncentives, SecTurnover, SecAccuracy}

// ErrQuarter is wrapped by Build's error for a quarter the page cannot review.
var ErrQuarter = errors.New("quarter not available")

// Build computes the page of quarter q ("" for the default: the first forecast quarter, the
// one under way) with the what-if scenario sc. It returns an error wrapping ErrQuarter for a
// malformed quarter or one outside the forecast's history and horizon, and an error when
// there is no forecast at all (nothing to review); every other missing piece leaves its
// section out with a reason in Page.Missing. It returns ctx's error when ctx ends first.
func Build(ctx context.Context, in Input, q string, sc Scenario) (*Page, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	p := &Page{Tenant: in.Tenant, Missing: map[string]string{}}
	if in.Dataset != nil {
		p.Currency = in.Dataset.Settings.Currency
	}
	if in.Forecast == nil {
		why := in.Missing[champion.Forecast]
		if why == "" {
			why = "no forecast model is loaded for this tenant"
		}
		return nil, errors.New(why)
	}
	co, ok := in.Forecast.Find("company", "")
	if !ok || co.Forecast == nil {
		return nil, errors.New("the forecast has no company forecast")
	}
	p.AsOf = in.Forecast.AsOf
	// A withheld forecast has no quarter to review ahead: the page opens on, and offers, the
	// quarters with actuals (a Maven-sized import once opened on an empty quarter under way).
	withheld := co.Verdict != nil && co.Verdict.Status == forecast.StatusWithheld
	p.Quarters = slices.Clone(co.Periods)
	if !withheld {
		p.Quarters = append(p.Quarters, co.Forecast.Periods...)
	}
	if len(co.Periods) == 0 {
		return nil, errors.New("the company forecast has no history")
	}
	lastActual := co.Periods[len(co.Periods)-1]
	switch {
	case q == "" && len(co.Forecast.Periods) > 0 && !withheld:
		q = co.Forecast.Periods[0]
	case q == "":
		q = lastActual
	default:
		pq, err := datasets.ParseQuarter(q)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not a quarter such as 2026Q4", ErrQuarter, q)
		}
		q = pq.String()
		if !slices.Contains(p.Quarters, q) {
			return nil, fmt.Errorf("%w: %s is outside the forecast's history and horizon (%s to %s)", ErrQuarter, q, p.Quarters[0], p.Quarters[len(p.Quarters)-1])
		}
	}
	p.Quarter = q
	p.Assessed = lastActual
	if slices.Contains(co.Periods, q) {
		p.Assessed = q
	}
	targets := targetsOf(in.Dataset)

	p.Forecast = forecastSection(co, targets)
	p.Target = targetSection(p, co, targets)
	p.Accuracy = accuracySection(co, in.ForecastVersion)
	p.Adjustments = in.Adjustments
	for i := range p.Forecast.Next {
		if a, ok := adjustment.For(in.Adjustments, "company", p.Forecast.Next[i].Period); ok {
			p.Forecast.Next[i].Adjusted = a.Revenue
		}
	}
	p.Accuracy.Adjusted = adjustment.Track(in.Adjustments, adjustment.Actuals(in.Forecast))
	p.Accuracy.AdjustedSummary = adjustment.Summarize(p.Accuracy.Adjusted)
	p.Models = append(p.Models, modelInfo(in.ForecastVersion))

	if in.Driver == nil {
		why := in.Missing[champion.Driver]
		if why == "" {
			why = "no driver model is loaded for this tenant"
		}
		p.Missing[SecGrowth], p.Missing[SecWhatIf], p.Missing[SecCauses] = why, why, why
	} else {
		p.Models = append(p.Models, modelInfo(in.DriverVersion))
		cm := companyOf(in.Driver)
		p.Growth, p.Missing[SecGrowth] = growthSection(cm, co, p.Assessed)
		p.WhatIf = whatIfSection(cm, co, sc)
	}
	if in.Diagnosis == nil {
		p.Missing[SecCauses] = "the tenant's data is not loaded"
	} else {
		p.Causes, p.Missing[SecCauses] = causesSection(ctx, in.Diagnosis, p.Assessed)
	}

	switch {
	case in.Recommendations != nil:
		p.Models = append(p.Models, modelInfo(in.IncentiveVersion))
		p.Incentives = incentiveSection(in.Recommendations, in.IncentiveAsOf)
	default:
		why := in.Missing[champion.Incentive]
		if why == "" {
			why = "no incentive model is loaded for this tenant"
		}
		p.Missing[SecIncentives] = why
	}
	if len(in.Leavers) > 0 {
		t := &TurnoverSection{Past: in.Turnover, Forecast: in.Leavers[0]}
		if !in.IncentiveAsOf.IsZero() {
			t.AsOf = datasets.FormatDate(in.IncentiveAsOf)
		}
		for _, l := range in.Leavers[1:] {
			if strings.HasPrefix(l.Scope, "region:") {
				t.Regions = append(t.Regions, l)
			}
		}
		p.Turnover = t
	} else {
		p.Missing[SecTurnover] = p.Missing[SecIncentives]
		if p.Missing[SecTurnover] == "" {
			p.Missing[SecTurnover] = "no employee is on staff"
		}
	}

	p.Alerts = in.Alerts[:min(len(in.Alerts), MaxAlerts)]
	p.Goal, p.Missing[SecGoal] = goalSection(ctx, in, p.Quarter)
	if p.Missing[SecGoal] == goalNone {
		p.GoalNotSet, p.Missing[SecGoal] = true, ""
	}
	if in.Indicators == nil {
		p.Missing[SecIndicators] = "the tenant's data is not loaded"
	} else if ans, err := in.Indicators(ctx); err != nil {
		p.Missing[SecIndicators] = "indicators cannot be suggested from this data: " + err.Error()
	} else {
		p.Indicators = ans
	}
	if err := ctx.Err(); err != nil {
		return nil, err // the sections that waited say so; the caller has left
	}
	for k, v := range p.Missing {
		if v == "" {
			delete(p.Missing, k)
		}
	}
	return p, nil
}

// GoalSection is the growth goal that covers the quarter under review, cascaded.
type GoalSection struct {
	Goal goal.Goal
	Plan *goal.Plan
}

// goalSection cascades the goal the page shows: the quarter's own goal, else its year's, else
// the first goal after it. The second result says why there is none.
func goalSection(ctx context.Context, in Input, quarter string) (*GoalSection, string) {
	if in.Cascade == nil {
		return nil, "the tenant's data is not loaded"
	}
	q, err := datasets.ParseQuarter(quarter)
	if err != nil {
		return nil, err.Error()
	}
	var pick *goal.Goal
	rank := func(g goal.Goal) int { // lower is better; -1 does not qualify
		p, err := goal.ParsePeriod(g.Period)
		switch {
		case err != nil:
			return -1
		case p.Quarters == 1 && p.First == q:
			return 0
		case p.Contains(q):
			return 1
		case p.First.N > q.N:
			return 2 + p.First.N - q.N
		}
		return -1
	}
	for i, g := range in.Goals {
		if r := rank(g); r >= 0 && (pick == nil || r < rank(*pick)) {
			pick = &in.Goals[i]
		}
	}
	if pick == nil {
		return nil, goalNone
	}
	plan, err := in.Cascade(ctx, *pick)
	if err != nil {
		return nil, "the goal cannot be cascaded: " + err.Error()
	}
	return &GoalSection{Goal: *pick, Plan: plan}, ""
}

// MaxAlerts is the most open alerts a page lists.
const MaxAlerts = 20

// goalNone is goalSection's answer when no goal covers the quarter.
const goalNone = "no growth goal is set for this quarter or after it"
