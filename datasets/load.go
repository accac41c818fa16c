package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// Dataset holds the canonical tables of a dataset directory as typed rows, in file order. An
// absent table has a nil slice; Present tells an absent table from an empty one.
type Dataset struct {
	Dir string
	// Settings are the directory's SettingsFile (the currency of its money columns).
	Settings       Settings
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
}

// Present reports whether the table's file was in the directory and was loaded.
func (d *Dataset) Present(table string) bool { return d.present[table] }

// LoadOption configures Load.
type LoadOption func(*loadConfig)

type loadConfig struct {
	rejectsDir string
	maxRecord  int
	tables     map[string]bool
}

// WithRejectsDir writes each table's rejected rows to dir/<table>.rejects.csv (see
// RejectWriter). Without it rejects are only counted and the first few kept in the Report.
func WithRejectsDir(dir string) LoadOption { return func(c *loadConfig) { c.rejectsDir = dir } }

// WithMaxRecordBytes bounds one CSV record (default DefaultMaxRecordBytes).
func WithMaxRecordBytes(n int) LoadOption { return func(c *loadConfig) { c.maxRecord = n } }

// WithTables loads only the named tables (others are neither read nor reported missing).
func WithTables(names ...string) LoadOption {
	return func(c *loadConfig) {
		c.tables = make(map[string]bool, len(names))
		for _, n := range names {
			c.tables[n] = true
		}
	}
}

// Load reads every canonical table present in dir (<table>.csv) into typed rows.
//
// A dataset needs opportunities.csv or revenue.csv; every other table is optional and its
// absence is noted in Report.Missing (features that need it are left out by their callers).
// Load fails when neither required table is there, and when a present file cannot be read as
// its table: empty, a required column missing from its header, a duplicated column name.
// Rows that fail a check are rejected — counted, reported as file:line: column: reason and
// written to a rejects file with WithRejectsDir — and the valid rows are kept. References
// between tables (an opportunity's owner that is not an employee, an invoice for an unknown
// account) are warnings with row counts, not rejects.
//
// Load streams each file once and keeps only the typed rows, sharing repeated strings, so a
// million opportunities take a few hundred MB.
func Load(dir string, opts ...LoadOption) (*Dataset, *Report, error) {
	cfg := &loadConfig{}
	for _, o := range opts {
		o(cfg)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("load dataset: %w", err)
	}
	if !st.IsDir() {
		return nil, nil, fmt.Errorf("load dataset: %s is not a directory", dir)
	}
	want := func(name string) bool { return cfg.tables == nil || cfg.tables[name] }
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name+".csv"))
		return err == nil
	}
	if (want("opportunities") || want("revenue")) && !exists("opportunities") && !exists("revenue") {
		return nil, nil, fmt.Errorf("load dataset: %s has neither opportunities.csv nor revenue.csv; one of them is required", dir)
	}
	willLoad := func(name string) bool { return want(name) && exists(name) }
	settings, err := ReadSettings(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("load dataset: %w", err)
	}
	ds := &Dataset{Dir: dir, Settings: settings, present: make(map[string]bool)}
	rep := newReport()
	checked := make(map[string]*checker)
	files := make(map[string]string)
	for _, t := range Tables {
		if !want(t.Name) {
			continue
		}
		path := filepath.Join(dir, t.Name+".csv")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if t.Name != "opportunities" && t.Name != "revenue" {
				rep.Missing = append(rep.Missing, t.Name)
			}
			continue
		}
		var chk *checker
		var err error
		switch t.Name {
		case "teams":
			ds.Teams, chk, err = loadTable(path, TeamCodec, cfg, rep, willLoad)
		case "employees":
			ds.Employees, chk, err = loadTable(path, EmployeeCodec, cfg, rep, willLoad)
		case "accounts":
			ds.Accounts, chk, err = loadTable(path, AccountCodec, cfg, rep, willLoad)
		case "opportunities":
			ds.Opportunities, chk, err = loadTable(path, OpportunityCodec, cfg, rep, willLoad)
		case "invoices":
			ds.Invoices, chk, err = loadTable(path, InvoiceCodec, cfg, rep, willLoad)
		case "tickets":
			ds.Tickets, chk, err = loadTable(path, TicketCodec, cfg, rep, willLoad)
		case "purchase_orders":
			ds.PurchaseOrders, chk, err = loadTable(path, PurchaseOrderCodec, cfg, rep, willLoad)
		case "expense_claims":
			ds.ExpenseClaims, chk, err = loadTable(path, ExpenseClaimCodec, cfg, rep, willLoad)
		case "marketing_spend":
			ds.MarketingSpend, chk, err = loadTable(path, MarketingSpendCodec, cfg, rep, willLoad)
		case "targets":
			ds.Targets, chk, err = loadTable(path, TargetCodec, cfg, rep, willLoad)
		case "rewards":
			ds.Rewards, chk, err = loadTable(path, RewardCodec, cfg, rep, willLoad)
		case "reviews":
			ds.Reviews, chk, err = loadTable(path, ReviewCodec, cfg, rep, willLoad)
		case "revenue":
			ds.Revenue, chk, err = loadTable(path, RevenueCodec, cfg, rep, willLoad)
		default:
			panic("datasets: Load does not know table " + t.Name)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("load %s: %w", t.Name, err)
		}
		ds.present[t.Name] = true
		checked[t.Name] = chk
		files[t.Name] = path
	}
	for _, w := range crossCheck(checked, files) {
		rep.warn(w)
	}
	return ds, rep, nil
}

// loadTable reads one table file into typed rows and returns its checker for the cross-table
// checks.
func loadTable[T any](path string, codec *Codec[T], cfg *loadConfig, rep *Report, present func(string) bool) ([]T, *checker, error) {
	t := codec.Table()
	f, err := OpenFile(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	size := f.Size()
	opts := ReadOptions{File: path, MaxRecordBytes: cfg.maxRecord}
	var rw *RejectWriter
	if cfg.rejectsDir != "" {
		rpath := filepath.Join(cfg.rejectsDir, t.Name+".rejects.csv")
		if err := os.Remove(rpath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		rw = NewRejectWriter(rpath)
		defer rw.Abort()
		opts.OnReject = rw.Write
	}
	tr, err := NewTableReader(f, t, opts)
	if err != nil {
		return nil, nil, err
	}
	tr.chk.onlyRefsTo(present)
	in := newInterner(t)
	rows := []T{}
	const probe = 1024
	for tr.Next() {
		if len(rows) == probe && size > 0 {
			// Size the slice once from the bytes per row so far, instead of doubling a
			// million-row slice several times.
			perRow := float64(tr.row.offset) / probe
			if est := int(float64(size)/perRow*1.05) + probe; est > cap(rows) {
				rows = slices.Grow(rows, est-len(rows))
				tr.chk.reserve(est)
			}
		}
		rows = append(rows, *new(T))
		in.key = tr.chk.lastKey
		if err := codec.decode(tr.Record(), &rows[len(rows)-1], in); err != nil {
			return nil, nil, fmt.Errorf("%s:%d: %w (a checked row failed to decode: schema and codec disagree)", path, tr.Line(), err)
		}
	}
	if rw != nil {
		if err := rw.Close(); err != nil {
			return nil, nil, err
		}
	}
	if err := tr.Err(); err != nil {
		return nil, nil, err
	}
	tr.report.Files = []string{path}
	if rw != nil && rw.Count() > 0 {
		tr.report.RejectsFile = rw.Path()
	}
	// A copy: a pointer into tr would keep the whole reader alive with the report, its
	// checker's key set and copied keys included (84 MiB for the 10,000-employee tenant's
	// opportunities and tickets, held through every later step of a panel or a training run).
	report := tr.report
	rep.Tables[t.Name] = &report
	rep.Warnings = append(rep.Warnings, tr.Warnings()...)
	if tr.report.Read == 0 {
		rep.warn(Warning{Table: t.Name, File: path, Message: "the file has a header but no rows"})
	}
	return rows, tr.chk, nil
}
