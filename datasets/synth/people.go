package synth

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/quantile"
)

// incentive indexes follow datasets.RewardTypes.
const (
	incCash = iota
	incCommission
	incPromotion
	incTraining
	incRecognition
	incEquity
	incFlexible
	numIncentives
)

// person is an employee during the simulation.
type person struct {
	id        string
	role      int // index into roleSpecs
	team      int
	region    int // -1: head office
	level     int
	hire      int // month index of hire; negative for staff hired before the data starts
	hireDate  time.Time
	exit      int // month index of exit, or -1
	exitDate  time.Time
	salary    float64
	birthYear int
	manager   string
	ability   float64
	taste     [numIncentives]float64 // idiosyncratic preference, unobservable
	lastPromo int
	nextOffer int
	perf      []float32 // latent performance per month index while employed (index m - first)
	first     int       // first month index with a perf entry
	events    []fitEvent
}

type fitEvent struct {
	month int
	fit   float64
}

func (p *person) active(m int) bool { return p.hire <= m && (p.exit < 0 || p.exit > m) }

func (p *person) perfAt(m int) float64 {
	if i := m - p.first; i >= 0 && i < len(p.perf) {
		return float64(p.perf[i])
	}
	return 0
}

// recentPerf is the mean latent performance over the six months before m.
func (p *person) recentPerf(m int) float64 {
	s, n := 0.0, 0
	for k := max(m-6, p.first); k < m; k++ {
		s += p.perfAt(k)
		n++
	}
	if n == 0 {
		return 0.5 * p.ability
	}
	return s / float64(n)
}

// boost is the performance added by incentives given in the last six months.
func (p *person) boost(m int) float64 {
	b := 0.0
	for _, e := range p.events {
		if m >= e.month && m < e.month+6 {
			b += incentiveBoost * (e.fit - 0.4)
		}
	}
	return b
}

// fitHazard is the exit-hazard multiplier of the latest incentive in the last twelve months.
func (p *person) fitHazard(m int) float64 {
	for i := len(p.events) - 1; i >= 0; i-- {
		if e := p.events[i]; m >= e.month && m < e.month+12 {
			return math.Exp(incentiveHazard * (e.fit - 0.5))
		}
	}
	return 1
}

const (
	incentiveBoost  = 0.4
	incentiveHazard = -1.2
)

// preference returns the person's true probability of preferring each incentive at month m.
// The utilities depend on what HR data shows (age, tenure, level, pay against the role
// median, recent performance, months since promotion, role) plus a small personal taste.
func (p *person) preference(m int, year int, roleMedian float64) [numIncentives]float64 {
	a := (float64(year-p.birthYear) - 40) / 10
	tn := (float64(m-p.hire)/12 - 4) / 3
	lv := float64(p.level) - 2.5
	s := (p.salary/roleMedian - 1) / 0.15
	pf := p.recentPerf(m)
	w := (float64(m-p.lastPromo) - 24) / 12
	sales := 0.0
	if roleSpecs[p.role].name == "sales" {
		sales = 1
	}
	var u [numIncentives]float64
	u[incCash] = 0.8 - 1.2*a - 1.0*s
	u[incCommission] = -2.5 + 4.2*sales + 1.2*pf
	u[incPromotion] = 0.2 + 1.5*w + 1.0*pf - 0.6*lv
	u[incTraining] = 0.3 - 1.5*a - 1.0*tn
	u[incRecognition] = 0.2 + 1.2*pf + 0.6*a
	u[incEquity] = -0.8 + 1.3*lv + 0.8*tn
	u[incFlexible] = -0.2 + 1.5*a - 0.4*lv
	var pr [numIncentives]float64
	mx := math.Inf(-1)
	for k := range u {
		u[k] = 1.6*u[k] + p.taste[k]
		mx = math.Max(mx, u[k])
	}
	sum := 0.0
	for k := range u {
		pr[k] = math.Exp(u[k] - mx)
		sum += pr[k]
	}
	for k := range pr {
		pr[k] /= sum
	}
	return pr
}

// eligible applies the generator's eligibility rules.
func (p *person) eligible(m int) [numIncentives]bool {
	var e [numIncentives]bool
	for k := range e {
		e[k] = true
	}
	e[incCommission] = roleSpecs[p.role].name == "sales"
	e[incEquity] = p.level >= 3
	e[incPromotion] = m-p.lastPromo >= 12 && p.level < 8
	return e
}

var eligibilityRules = map[string]string{
	"commission": "sales only",
	"equity":     "level 3 and above",
	"promotion":  "12 months or more since the last promotion or hire, level below 8",
}

// people is the workforce over the whole simulation.
type people struct {
	all     []*person
	teams   []datasets.Team
	rewards []datasets.Reward
	// byRegionRole[role][region][month] lists the indexes (into all) of active employees.
	active [][][][]int32
	gm     string
}

func roleIndex(name string) int {
	for i, r := range roleSpecs {
		if r.name == name {
			return i
		}
	}
	panic("synth: no role " + name)
}

// headcounts splits the total headcount over the roles.
func headcounts(total int) []int {
	n := make([]int, len(roleSpecs))
	used := 0
	for i, r := range roleSpecs {
		n[i] = int(math.Round(r.share * float64(total)))
		used += n[i]
	}
	n[0] += total - used // sales absorbs rounding
	return n
}

func teamSize(perRegion int) int {
	if perRegion <= 20 {
		return 5
	}
	return 10
}

// simulatePeople runs hiring, incentives, performance and exits month by month.
// Each region (and the head office) draws from its own stream, like the sales simulation.
func simulatePeople(cfg *Config, d *driverPaths, seed uint64) *people {
	nr, nm := len(cfg.Regions), cfg.Months()
	rs := regionRNGs(seed, streamPeople, nr)
	rOf := func(region int) rng {
		if region < 0 {
			return rs[nr]
		}
		return rs[region]
	}
	pp := &people{}
	counts := headcounts(cfg.Employees)
	start := cfg.Start()
	nextID := 1
	newID := func() string { id := fmt.Sprintf("E%06d", nextID); nextID++; return id }

	// Teams: regional roles get teams per region (sales teams of 5 or 10), the rest one
	// head-office team each; the first GM runs the company from head office.
	type slot struct{ team, region int }
	var slots [][]slot // per role: the seat of each position
	for ri, rs := range roleSpecs {
		var seats []slot
		n := counts[ri]
		if rs.name == "gm" {
			pp.teams = append(pp.teams, datasets.Team{TeamID: "hq-gm", Name: "Company management", Function: "gm"})
			seats = append(seats, slot{len(pp.teams) - 1, -1})
			n--
		}
		if !rs.regional {
			pp.teams = append(pp.teams, datasets.Team{TeamID: "hq-" + rs.name, Name: "Head office " + rs.name, Function: rs.name})
			for i := 0; i < n; i++ {
				seats = append(seats, slot{len(pp.teams) - 1, -1})
			}
			slots = append(slots, seats)
			continue
		}
		for reg := 0; reg < nr; reg++ {
			inRegion := n / nr
			if reg < n%nr {
				inRegion++
			}
			size := inRegion
			if rs.name == "sales" {
				size = teamSize(inRegion)
			}
			for i := 0; i < inRegion; i++ {
				if i%max(size, 1) == 0 {
					k := i/max(size, 1) + 1
					id := fmt.Sprintf("%s-%s-%02d", lower(cfg.Regions[reg]), rs.name, k)
					pp.teams = append(pp.teams, datasets.Team{TeamID: id, Name: fmt.Sprintf("%s %s %d", cfg.Regions[reg], rs.name, k), Function: rs.name, Region: cfg.Regions[reg]})
				}
				seats = append(seats, slot{len(pp.teams) - 1, reg})
			}
		}
		slots = append(slots, seats)
	}

	leads := make(map[int]string) // team → lead's id
	hirePerson := func(role int, seat slot, month int, initial bool) *person {
		r := rOf(seat.region)
		p := &person{id: newID(), role: role, team: seat.team, region: seat.region, exit: -1, ability: r.NormFloat64()}
		year := start.Add(max(month, 0)).Year()
		if initial {
			age := int(clamp(math.Round(r.normal(38, 9)), 23, 62))
			p.birthYear = year - age
			tenureM := int(math.Min(r.ExpFloat64()*48, float64(age-22)*12))
			p.hire = -tenureM
			p.level = 1 + int(clamp(math.Floor(float64(tenureM)/36+r.normal(0, 0.8)), 0, 5))
		} else {
			p.birthYear = year - int(clamp(math.Round(r.normal(29, 5)), 21, 50))
			p.hire = month
			p.level = 1
			if r.bernoulli(0.3) {
				p.level = 2
			}
		}
		if roleSpecs[role].name == "gm" {
			p.level = max(p.level, 5)
		}
		p.hireDate = start.Add(0).Start().AddDate(0, p.hire, r.IntN(28))
		p.salary = math.Round(roleSpecs[role].salary*math.Pow(1.12, float64(p.level-1))*r.lognormal(1, 0.08)/100) * 100
		p.lastPromo = p.hire
		for k := range p.taste {
			p.taste[k] = r.normal(0, 0.3)
		}
		p.first = max(p.hire, 0)
		p.nextOffer = p.hire + 6
		if initial {
			p.nextOffer = r.IntN(6)
		}
		if lead, ok := leads[seat.team]; ok {
			p.manager = lead
		} else {
			leads[seat.team] = p.id
			p.manager = pp.gm
		}
		if pp.gm == "" {
			pp.gm = p.id
			p.manager = ""
		}
		pp.all = append(pp.all, p)
		return p
	}
	type seatRef struct {
		role int
		seat slot
	}
	for ri := range roleSpecs {
		if roleSpecs[ri].name != "gm" {
			continue // the company GM is hired first so every lead can report to them
		}
		for _, s := range slots[ri] {
			hirePerson(ri, s, 0, true)
		}
	}
	for ri := range roleSpecs {
		if roleSpecs[ri].name == "gm" {
			continue
		}
		for _, s := range slots[ri] {
			hirePerson(ri, s, 0, true)
		}
	}

	pp.active = make([][][][]int32, len(roleSpecs))
	for ri := range pp.active {
		pp.active[ri] = make([][][]int32, nr+1) // last slot: head office
		for reg := range pp.active[ri] {
			pp.active[ri][reg] = make([][]int32, nm)
		}
	}
	vacancies := map[int][]seatRef{} // month → seats to fill
	rewardN := 0
	medians := make([]float64, len(roleSpecs))
	for m := 0; m < nm; m++ {
		for _, v := range vacancies[m] {
			hirePerson(v.role, v.seat, m, false)
		}
		delete(vacancies, m)
		month := start.Add(m)
		roleMedians(pp.all, m, medians)
		w := d.reformWeight(m)
		chosenShare := baseChosenShare + w*(reformChosenShare-baseChosenShare)
		for idx := 0; idx < len(pp.all); idx++ {
			p := pp.all[idx]
			if !p.active(m) {
				continue
			}
			r := rOf(p.region)
			// Performance this month: ability, incentive boosts, a ramp for new hires.
			ramp := 0.0
			if since := m - p.hire; since < 6 {
				ramp = -0.5 * (1 - float64(since)/6)
			}
			perf := 0.5*p.ability + p.boost(m) + ramp + r.normal(0, 0.1)
			p.perf = append(p.perf, float32(perf))
			reg := p.region
			if reg < 0 {
				reg = nr
			}
			pp.active[p.role][reg][m] = append(pp.active[p.role][reg][m], int32(idx))

			if m == p.nextOffer {
				p.nextOffer += 6
				pr := p.preference(m, month.Year(), medians[p.role])
				el := p.eligible(m)
				var weights [numIncentives]float64
				best := 0.0
				for k := range pr {
					if el[k] {
						weights[k] = pr[k]
						best = math.Max(best, pr[k])
					}
				}
				chosen := r.bernoulli(chosenShare)
				var k int
				if chosen {
					k = r.pick(weights[:])
				} else {
					for {
						k = r.IntN(numIncentives)
						if el[k] {
							break
						}
					}
				}
				fit := pr[k] / best
				p.events = append(p.events, fitEvent{m, fit})
				rewardN++
				rw := datasets.Reward{
					RewardID: fmt.Sprintf("R%08d", rewardN), EmployeeID: p.id, Date: month.Start().AddDate(0, 0, r.IntN(28)),
					Type: datasets.RewardTypes[k], Chosen: datasets.Some(chosen),
				}
				switch k {
				case incCash:
					rw.Value = datasets.Some(math.Round(p.salary*(0.04+0.06*r.Float64())/10) * 10)
				case incCommission:
					rw.Value = datasets.Some(math.Round(p.salary*(0.05+0.07*r.Float64())/10) * 10)
				case incPromotion:
					raise := math.Round(p.salary*0.10/100) * 100
					rw.Value = datasets.Some(raise)
					p.salary += raise
					p.level++
					p.lastPromo = m
				case incTraining:
					rw.Value = datasets.Some(math.Round((1000+3000*r.Float64())/10) * 10)
				case incRecognition:
					rw.Value = datasets.Some(math.Round((100+400*r.Float64())/10) * 10)
				case incEquity:
					rw.Value = datasets.Some(math.Round(p.salary*(0.1+0.2*r.Float64())/100) * 100)
				}
				// The measured performance change: the boost over the next six months, with
				// measurement noise; unknown while those months are not over.
				if m+6 <= nm {
					rw.PerformanceDelta = datasets.Some(math.Round((incentiveBoost*(fit-0.4)+r.normal(0, 0.05))*1000) / 1000)
				}
				pp.rewards = append(pp.rewards, rw)
			}

			// Exit.
			annual := baseOtherTurnover
			if roleSpecs[p.role].name == "sales" {
				annual = baseSalesTurnover
			}
			annual += w * (reformTurnover - annual)
			h := -math.Log(1-annual) / 12
			h *= math.Exp(-1.5*(p.salary/medians[p.role]-1)) * math.Exp(0.3*math.Max(0, float64(m-p.lastPromo-24))/12)
			h *= math.Exp(-0.4*perf) * p.fitHazard(m)
			if p.id != pp.gm && r.bernoulli(h) {
				p.exit = m + 1 // gone from next month on
				p.exitDate = month.Start().AddDate(0, 0, r.IntN(28))
				if p.exitDate.Before(p.hireDate) {
					p.exitDate = p.hireDate
				}
				gap := 1 + r.IntN(3)
				vacancies[m+gap] = append(vacancies[m+gap], seatRef{p.role, slot{p.team, p.region}})
			}
		}
	}
	// retained_12m is known once twelve months have passed.
	exits := make(map[string]*person, len(pp.all))
	for _, p := range pp.all {
		exits[p.id] = p
	}
	endDate := cfg.End.End()
	for i := range pp.rewards {
		rw := &pp.rewards[i]
		p := exits[rw.EmployeeID]
		horizon := rw.Date.AddDate(1, 0, 0)
		switch {
		case p.exit >= 0 && p.exitDate.Before(horizon):
			rw.Retained12m = datasets.Some(false)
		case !horizon.After(endDate):
			rw.Retained12m = datasets.Some(true)
		}
	}
	return pp
}

// roleMedians fills the median salary of each role among employees active in month m.
func roleMedians(all []*person, m int, out []float64) {
	buf := make([][]float64, len(out))
	for _, p := range all {
		if p.active(m) {
			buf[p.role] = append(buf[p.role], p.salary)
		}
	}
	for i, s := range buf {
		if len(s) == 0 {
			out[i] = roleSpecs[i].salary
			continue
		}
		slices.Sort(s)
		out[i] = quantile.SortedMedian(s)
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		} else if c == ' ' {
			b[i] = '-'
		}
	}
	return string(b)
}
