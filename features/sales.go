package features

import (
	"sort"
	"time"

	"github.com/growthlens/growthlens/datasets"
)

// Deal is one opportunity as the pipeline model sees it: its region and team resolved the
// way the panels resolve them (the opportunity's own, else its owner's, else its account's
// region), its outcome, and its amount (0 when the export has none).
type Deal struct {
	ID, Owner, Team, Region, Product string
	Amount                           float64
	Created                          time.Time
	// Closed is when the deal was won or lost; zero while open.
	Closed time.Time
	Won    bool
}

// Sales is the deal-level view of a dataset: every opportunity and the region each team
// sells in.
type Sales struct {
	// AsOf is the first day after the data, as the panels have it.
	AsOf  time.Time
	Deals []Deal
	// TeamRegion maps a team to its region: the teams table's region, else the region most of
	// its employees are in, else the region most of its deals are in. A team with no region
	// anywhere is absent.
	TeamRegion map[string]string
}

// BuildDirSales is BuildDirAll that also returns the dataset's deals (nil when there is no
// opportunities table) with the same single read of each table.
func BuildDirSales(dir string, opts ...Options) ([]*Panel, *Sales, *datasets.Report, error) {
	var sales *Sales
	ps, rep, err := buildDir(dir, func(ds *datasets.Dataset, b *builder) {
		if !ds.Present("opportunities") {
			return
		}
		sales = salesOf(ds, b)
	}, opts...)
	if err != nil {
		return nil, nil, nil, err
	}
	return ps, sales, rep, nil
}

// SalesOf returns the deal-level view of a loaded dataset as it stood at asOf (zero: the
// end of the data, inferred as Build does): deals created on or after asOf are left out and
// closes on or after it are open. It is nil without opportunities.
func SalesOf(ds *datasets.Dataset, asOf time.Time) (*Sales, error) {
	if !ds.Present("opportunities") {
		return nil, nil
	}
	b, err := start(ds, Options{Grain: datasets.Quarter, Level: Company, AsOf: asOf})
	if err != nil {
		return nil, err
	}
	return salesOf(ds, b), nil
}

func salesOf(ds *datasets.Dataset, b *builder) *Sales {
	s := &Sales{AsOf: b.asOf, Deals: make([]Deal, 0, len(ds.Opportunities)), TeamRegion: map[string]string{}}
	dealVotes := map[string]map[string]int{}
	for i := range ds.Opportunities {
		o := &ds.Opportunities[i]
		if !o.CreatedDate.Before(b.asOf) {
			continue // after the data: the panels ignore it too
		}
		d := Deal{ID: o.OpportunityID, Owner: o.OwnerID, Team: b.oppTeam(o), Region: b.oppRegion(o), Product: o.Product,
			Amount: o.Amount.Or(0), Created: o.CreatedDate}
		if (o.Stage == "won" || o.Stage == "lost") && !o.ClosedDate.IsZero() && o.ClosedDate.Before(b.asOf) {
			d.Closed, d.Won = o.ClosedDate, o.Stage == "won"
		}
		s.Deals = append(s.Deals, d)
		vote(dealVotes, d.Team, d.Region)
	}
	empVotes := map[string]map[string]int{}
	for _, e := range ds.Employees {
		vote(empVotes, e.TeamID, e.Region)
	}
	for _, t := range ds.Teams {
		if t.TeamID != "" && t.Region != "" {
			s.TeamRegion[t.TeamID] = t.Region
		}
	}
	for _, votes := range []map[string]map[string]int{empVotes, dealVotes} {
		for team, v := range votes {
			if _, ok := s.TeamRegion[team]; !ok {
				s.TeamRegion[team] = majority(v)
			}
		}
	}
	return s
}

func vote(m map[string]map[string]int, key, val string) {
	if key == "" || val == "" {
		return
	}
	if m[key] == nil {
		m[key] = map[string]int{}
	}
	m[key][val]++
}

// majority returns the value with the most votes (ties: the first by name).
func majority(v map[string]int) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best := ""
	for _, k := range keys {
		if best == "" || v[k] > v[best] {
			best = k
		}
	}
	return best
}
