package synth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/growthlens/growthlens/datasets"
)

// Summary reports what Generate wrote.
type Summary struct {
	Dir    string         `json:"dir"`
	Rows   map[string]int `json:"rows"`
	Shocks []Shock        `json:"shocks"`
}

// Progress is told how many months of the sales simulation are done. It may be nil.
type Progress func(done, total int)

// Generate writes the company described by cfg into dir: one CSV per canonical table and
// ground_truth.json. It writes into a temporary sibling directory and renames it into place,
// so dir never holds a half-written company. An existing dir is replaced only when it is empty
// or holds a company generated earlier (it has ground_truth.json); anything else is an error,
// so no one's data is overwritten.
func Generate(ctx context.Context, dir string, cfg Config, progress Progress) (*Summary, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkReplaceable(dir); err != nil {
		return nil, err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(parent, filepath.Base(dir)+".partial-")
	if err != nil {
		return nil, err
	}
	sum, err := generate(ctx, tmp, &cfg, progress)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.RemoveAll(dir); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	sum.Dir = dir
	return sum, nil
}

func checkReplaceable(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "ground_truth.json")); err == nil {
		return nil
	}
	return fmt.Errorf("%s exists and is not a generated company (no ground_truth.json); choose another --out or remove it", dir)
}

func generate(ctx context.Context, dir string, cfg *Config, progress Progress) (*Summary, error) {
	counts := headcounts(cfg.Employees)
	nr := len(cfg.Regions)
	reps := make([]int, nr)
	for reg := range reps {
		reps[reg] = counts[0] / nr
		if reg < counts[0]%nr {
			reps[reg]++
		}
	}
	d := newDriverPaths(cfg, reps, newRNG(cfg.Seed, streamDrivers))
	var shocks []Shock
	d.shocks, shocks = scenarioShocks(cfg, newRNG(cfg.Seed, streamShocks))
	pp := simulatePeople(cfg, d, cfg.Seed)
	sum := &Summary{Rows: map[string]int{}, Shocks: shocks}

	opps, err := datasets.Create(dir, datasets.OpportunityCodec)
	if err != nil {
		return nil, err
	}
	invoices, err := datasets.Create(dir, datasets.InvoiceCodec)
	if err != nil {
		opps.Close()
		return nil, err
	}
	tickets, err := datasets.Create(dir, datasets.TicketCodec)
	if err != nil {
		opps.Close()
		invoices.Close()
		return nil, err
	}
	ss := newSalesSim(cfg, d, pp, salesOut{opps, invoices, tickets})
	err = ss.seed()
	for m := 0; m < cfg.Months() && err == nil; m++ {
		if err = ctx.Err(); err == nil {
			err = ss.month(m)
		}
		if progress != nil {
			progress(m+1, cfg.Months())
		}
	}
	for _, w := range []interface{ Close() error }{opps, invoices, tickets} {
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return nil, err
	}
	sum.Rows["opportunities"], sum.Rows["invoices"], sum.Rows["tickets"] = opps.Count(), invoices.Count(), tickets.Count()
	if sum.Rows["accounts"], err = ss.writeAccounts(dir); err != nil {
		return nil, err
	}
	if err := writeOps(dir, cfg, d, pp, sum.Rows); err != nil {
		return nil, err
	}
	repTargets, n, err := writeTargets(dir, cfg, pp, &ss.totals)
	if err != nil {
		return nil, err
	}
	sum.Rows["targets"] = n
	if sum.Rows["reviews"], err = writeReviews(dir, cfg, pp, &ss.totals, repTargets); err != nil {
		return nil, err
	}
	if err := writePeople(dir, cfg, pp, sum.Rows); err != nil {
		return nil, err
	}
	if cfg.Currency != "" {
		if err := datasets.WriteSettings(dir, datasets.Settings{Currency: cfg.Currency}); err != nil {
			return nil, err
		}
	}
	if err := writeTruth(dir, buildTruth(cfg, d, pp, shocks)); err != nil {
		return nil, err
	}
	return sum, nil
}

// writePeople writes teams, employees and rewards.
func writePeople(dir string, cfg *Config, pp *people, rows map[string]int) error {
	tw, err := datasets.Create(dir, datasets.TeamCodec)
	if err != nil {
		return err
	}
	for i := range pp.teams {
		if err := tw.Write(&pp.teams[i]); err != nil {
			tw.Close()
			return err
		}
	}
	rows["teams"] = tw.Count()
	if err := tw.Close(); err != nil {
		return err
	}
	ew, err := datasets.Create(dir, datasets.EmployeeCodec)
	if err != nil {
		return err
	}
	for _, p := range pp.all {
		e := datasets.Employee{
			EmployeeID: p.id, Role: roleSpecs[p.role].name, TeamID: pp.teams[p.team].TeamID,
			Level: datasets.Some(int64(p.level)), HireDate: p.hireDate, BaseSalary: datasets.Some(p.salary),
			ManagerID: p.manager, BirthYear: datasets.Some(int64(p.birthYear)),
		}
		if p.region >= 0 {
			e.Region = cfg.Regions[p.region]
		}
		if p.exit >= 0 {
			e.ExitDate = p.exitDate
		}
		if err := ew.Write(&e); err != nil {
			ew.Close()
			return err
		}
	}
	rows["employees"] = ew.Count()
	if err := ew.Close(); err != nil {
		return err
	}
	rw, err := datasets.Create(dir, datasets.RewardCodec)
	if err != nil {
		return err
	}
	for i := range pp.rewards {
		if err := rw.Write(&pp.rewards[i]); err != nil {
			rw.Close()
			return err
		}
	}
	rows["rewards"] = rw.Count()
	return rw.Close()
}

func buildTruth(cfg *Config, d *driverPaths, pp *people, shocks []Shock) *Truth {
	t := &Truth{
		Seed: cfg.Seed, Scenario: cfg.Scenario, Start: cfg.Start().String(), End: cfg.End.String(),
		Regions: cfg.Regions, Products: cfg.Products, Employees: cfg.Employees,
		Effects: trueEffects(), Shocks: shocks,
		Incentives: IncentiveTruth{
			Types: datasets.RewardTypes, PerformanceBoost: incentiveBoost, AttritionLogHazard: incentiveHazard,
			Eligibility: eligibilityRules,
		},
	}
	if t.Shocks == nil {
		t.Shocks = []Shock{}
	}
	if d.reformAt >= 0 {
		t.Reform = &Reform{
			Month:  cfg.Start().Add(d.reformAt).String(),
			Before: map[string]float64{"supply_lead_days": baseSupplyDays, "first_response_hours": baseResponseH, "reimbursement_days": baseReimburseD, "sales_turnover": baseSalesTurnover},
			After:  map[string]float64{"supply_lead_days": reformSupplyDays, "first_response_hours": reformResponseH, "reimbursement_days": reformReimburseD, "sales_turnover": reformTurnover},
		}
	}
	last := cfg.Months() - 1
	medians := make([]float64, len(roleSpecs))
	roleMedians(pp.all, last, medians)
	for _, p := range pp.all {
		if !p.active(last) {
			continue
		}
		pr := p.preference(last+1, cfg.End.Year(), medians[p.role])
		el := p.eligible(last + 1)
		et := EmployeeTruth{EmployeeID: p.id, Role: roleSpecs[p.role].name, Preference: map[string]float64{}}
		best := -1.0
		for k, name := range datasets.RewardTypes {
			et.Preference[name] = math.Round(pr[k]*1e4) / 1e4
			if el[k] {
				et.Eligible = append(et.Eligible, name)
				if pr[k] > best {
					best, et.TopEligible = pr[k], name
				}
			}
		}
		t.People = append(t.People, et)
	}
	slices.SortFunc(t.People, func(a, b EmployeeTruth) int { return strings.Compare(a.EmployeeID, b.EmployeeID) })
	return t
}
