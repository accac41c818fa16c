package datasets

// A minimal loader (no rejects, no cross-table checks) so that features can be built and
// tested while the validating reader is finished; Load in load.go replaces this file.

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
)

// Dataset holds the canonical tables of a directory as typed rows.
type Dataset struct {
	Dir            string
	Teams          []Team
	Employees      []Employee
	Accounts       []Account
	Opportunities  []Opportunity
	Invoices       []Invoice
	Tickets        []Ticket
	PurchaseOrders []PurchaseOrder
	ExpenseClaims  []ExpenseClaim
	MarketingSpend []MarketingSpend
	Targets        []Target
	Rewards        []Reward
	Reviews        []Review
	Revenue        []Revenue

	present map[string]bool
	cfg     loadConfig
}

// Present reports whether the table was in the directory.
func (d *Dataset) Present(table string) bool { return d.present[table] }

// Report is empty in the minimal loader.
type Report struct{}

// LoadOption configures Load.
type LoadOption func(*loadConfig)

type loadConfig struct{ tables map[string]bool }

// WithTables loads only the named tables.
func WithTables(names ...string) LoadOption {
	return func(c *loadConfig) {
		c.tables = map[string]bool{}
		for _, n := range names {
			c.tables[n] = true
		}
	}
}

func loadT[T any](dir string, c *Codec[T], ds *Dataset) ([]T, error) {
	if ds.cfg.tables != nil && !ds.cfg.tables[c.Table().Name] {
		return nil, nil
	}
	f, err := os.Open(filepath.Join(dir, c.Table().Name+".csv"))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	ds.present[c.Table().Name] = true
	r := csv.NewReader(f)
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return nil, err
	}
	var out []T
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		var v T
		if err := c.Decode(rec, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Table().Name, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// Load reads every canonical table present in dir.
func Load(dir string, opts ...LoadOption) (*Dataset, *Report, error) {
	ds := &Dataset{Dir: dir, present: map[string]bool{}}
	for _, o := range opts {
		o(&ds.cfg)
	}
	var err error
	if ds.Teams, err = loadT(dir, TeamCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.Employees, err = loadT(dir, EmployeeCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.Accounts, err = loadT(dir, AccountCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.Opportunities, err = loadT(dir, OpportunityCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.Invoices, err = loadT(dir, InvoiceCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.Tickets, err = loadT(dir, TicketCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.PurchaseOrders, err = loadT(dir, PurchaseOrderCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.ExpenseClaims, err = loadT(dir, ExpenseClaimCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.MarketingSpend, err = loadT(dir, MarketingSpendCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.Targets, err = loadT(dir, TargetCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.Rewards, err = loadT(dir, RewardCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.Reviews, err = loadT(dir, ReviewCodec, ds); err != nil {
		return nil, nil, err
	}
	if ds.Revenue, err = loadT(dir, RevenueCodec, ds); err != nil {
		return nil, nil, err
	}
	return ds, &Report{}, nil
}
