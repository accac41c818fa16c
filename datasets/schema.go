package datasets

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Kind is the type of a column's values.
type Kind uint8

const (
	String     Kind = iota + 1
	Int             // base-10 integer
	Float           // decimal number, no NaN or Inf
	Bool            // true or false
	Date            // YYYY-MM-DD
	Timestamp       // RFC 3339
	MonthKind       // YYYY-MM
	PeriodKind      // YYYY-MM or YYYYQn
	Enum            // one of Column.Values
	RoleKind        // one of Column.Values, or a role a tenant's catalogue adds (IsRoleName)
)

var kindNames = map[Kind]string{
	String: "string", Int: "integer", Float: "number", Bool: "boolean", Date: "date (YYYY-MM-DD)",
	Timestamp: "timestamp (RFC 3339)", MonthKind: "month (YYYY-MM)", PeriodKind: "period (YYYY-MM or YYYYQn)", Enum: "enum",
	RoleKind: "role",
}

// String names the kind as an error message would.
func (k Kind) String() string { return kindNames[k] }

// Column describes one column of a canonical table.
type Column struct {
	Name     string
	Kind     Kind
	Required bool
	// Values lists the allowed values of an Enum column.
	Values []string
	// Min and Max bound Int and Float values (inclusive) when HasMin / HasMax are set.
	Min, Max       float64
	HasMin, HasMax bool
	Doc            string
}

// Table describes a canonical table: its file name (Name + ".csv"), its columns and the
// columns whose values together must be unique.
type Table struct {
	Name    string
	Doc     string
	Key     []string
	Columns []Column
	// Ordered lists pairs of date or timestamp columns where, when both are present, the
	// first must not be after the second (created_date before closed_date).
	Ordered [][2]string
	// RequiredWhen lists columns that are required only when another column has certain
	// values (a won or lost opportunity needs its closed_date).
	RequiredWhen []Condition
	// Refs lists columns whose values should be keys of another table. A value that is not is
	// a cross-table warning, counted by Load and import, not a reason to reject the row: the
	// other table may be partial.
	Refs []Ref
}

// Condition makes Column required when the value of When is one of In.
type Condition struct {
	Column, When string
	In           []string
}

// Ref says that the values of Column should be keys of Table (whose key is one column).
type Ref struct {
	Column, Table string
}

// Column returns the named column and its position.
func (t *Table) Column(name string) (Column, int, bool) {
	for i, c := range t.Columns {
		if c.Name == name {
			return c, i, true
		}
	}
	return Column{}, -1, false
}

// Header returns the canonical header (column names in order).
func (t *Table) Header() []string {
	h := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		h[i] = c.Name
	}
	return h
}

// Roles are the built-in job roles (the KPI catalogue's). A tenant's own catalogue may add
// more (a janitor, say): an employee's role and a team's function are one of these or any
// name IsRoleName accepts.
var Roles = []string{"gm", "sales", "procurement", "customer_service", "finance", "admin", "marketing", "hr"}

// IsRoleName reports whether s can name a role: 1–32 lower-case letters, digits and '_',
// starting with a letter. It refuses what a typo in an export usually is ("Sales", "sales rep").
func IsRoleName(s string) bool {
	if s == "" || len(s) > 32 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// RoleTypo returns the built-in role that s is a likely typo of: one edit (a letter
// inserted, dropped, changed, or two neighbours swapped) away from a role name of four or
// more letters ("salse" for sales). It returns "" when there is none. Neither the data nor a
// tenant's catalogue may name a role so close to a built-in one.
func RoleTypo(s string) string {
	for _, n := range Roles {
		if len(n) >= 4 && s != n && oneEdit(s, n) {
			return n
		}
	}
	return ""
}

// oneEdit reports whether a and b differ by exactly one insertion, deletion, substitution or
// transposition of adjacent bytes.
func oneEdit(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	switch len(a) - len(b) {
	case 0:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		if i == len(a) {
			return false
		}
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		i := 0
		for i < len(b) && a[i] == b[i] {
			i++
		}
		return a[i+1:] == b[i:]
	}
	return false
}

// Stages are the CRM opportunity stages; won and lost are closed.
var Stages = []string{"prospecting", "qualified", "proposal", "negotiation", "won", "lost"}

// RewardTypes are the incentives growthlens recommends.
var RewardTypes = []string{"cash_bonus", "commission", "promotion", "training", "recognition", "equity", "flexible_time"}

// Scopes are the levels a target or a forecast applies to.
var Scopes = []string{"company", "region", "team", "employee"}

// Priorities are the support ticket priorities.
var Priorities = []string{"low", "medium", "high", "critical"}

func req(name string, k Kind) Column { return Column{Name: name, Kind: k, Required: true} }
func opt(name string, k Kind) Column { return Column{Name: name, Kind: k} }
func enum(name string, required bool, values []string) Column {
	return Column{Name: name, Kind: Enum, Required: required, Values: values}
}
func role(name string) Column {
	return Column{Name: name, Kind: RoleKind, Required: true, Values: Roles}
}
func nonneg(c Column) Column { c.HasMin = true; return c }
func bounded(c Column, lo, hi float64) Column {
	c.Min, c.Max, c.HasMin, c.HasMax = lo, hi, true, true
	return c
}

// Tables lists the canonical tables in dependency order (referenced tables first).
var Tables = []*Table{
	{
		Name: "teams", Doc: "org structure", Key: []string{"team_id"},
		Columns: []Column{req("team_id", String), opt("name", String), role("function"), opt("region", String)},
	},
	{
		Name: "employees", Doc: "HR master data", Key: []string{"employee_id"},
		Columns: []Column{
			req("employee_id", String), role("role"), req("team_id", String), opt("region", String),
			bounded(opt("level", Int), 1, 20), req("hire_date", Date), opt("exit_date", Date),
			nonneg(opt("base_salary", Float)), opt("manager_id", String), bounded(opt("birth_year", Int), 1900, 2100),
		},
		Ordered: [][2]string{{"hire_date", "exit_date"}},
		Refs:    []Ref{{"team_id", "teams"}, {"manager_id", "employees"}},
	},
	{
		Name: "accounts", Doc: "customers and churn", Key: []string{"account_id"},
		Columns: []Column{
			req("account_id", String), opt("region", String), opt("segment", String), opt("industry", String),
			req("start_date", Date), opt("churn_date", Date),
		},
		Ordered: [][2]string{{"start_date", "churn_date"}},
	},
	{
		Name: "opportunities", Doc: "CRM sales funnel", Key: []string{"opportunity_id"},
		Columns: []Column{
			req("opportunity_id", String), opt("account_id", String), opt("owner_id", String), opt("team_id", String),
			opt("product", String), opt("region", String), enum("stage", true, Stages), req("created_date", Date),
			opt("closed_date", Date), nonneg(opt("amount", Float)),
		},
		Ordered:      [][2]string{{"created_date", "closed_date"}},
		RequiredWhen: []Condition{{Column: "closed_date", When: "stage", In: []string{"won", "lost"}}},
		Refs:         []Ref{{"account_id", "accounts"}, {"owner_id", "employees"}, {"team_id", "teams"}},
	},
	{
		Name: "invoices", Doc: "billing and collection", Key: []string{"invoice_id"},
		Columns: []Column{
			req("invoice_id", String), req("account_id", String), req("issued_date", Date), opt("due_date", Date),
			opt("paid_date", Date), nonneg(req("amount", Float)),
		},
		Ordered: [][2]string{{"issued_date", "due_date"}, {"issued_date", "paid_date"}},
		Refs:    []Ref{{"account_id", "accounts"}},
	},
	{
		Name: "tickets", Doc: "customer support", Key: []string{"ticket_id"},
		Columns: []Column{
			req("ticket_id", String), opt("account_id", String), opt("agent_id", String), req("opened_at", Timestamp),
			opt("first_response_at", Timestamp), opt("resolved_at", Timestamp), opt("category", String),
			enum("priority", false, Priorities), bounded(opt("satisfaction", Int), 1, 5), opt("escalated", Bool),
		},
		Ordered: [][2]string{{"opened_at", "first_response_at"}, {"opened_at", "resolved_at"}},
		Refs:    []Ref{{"account_id", "accounts"}, {"agent_id", "employees"}},
	},
	{
		Name: "purchase_orders", Doc: "ERP procurement and supply", Key: []string{"po_id"},
		Columns: []Column{
			req("po_id", String), opt("supplier_id", String), opt("product", String), req("ordered_date", Date),
			opt("promised_date", Date), opt("delivered_date", Date), nonneg(opt("quantity", Int)),
			nonneg(opt("unit_cost", Float)), nonneg(opt("defects", Int)), opt("region", String),
		},
		Ordered: [][2]string{{"ordered_date", "promised_date"}, {"ordered_date", "delivered_date"}},
	},
	{
		Name: "expense_claims", Doc: "finance reimbursement", Key: []string{"claim_id"},
		Columns: []Column{
			req("claim_id", String), req("employee_id", String), req("submitted_date", Date), opt("paid_date", Date),
			nonneg(opt("amount", Float)),
		},
		Ordered: [][2]string{{"submitted_date", "paid_date"}},
		Refs:    []Ref{{"employee_id", "employees"}},
	},
	{
		Name: "marketing_spend", Doc: "the GM's market investment", Key: []string{"month", "region", "channel"},
		Columns: []Column{req("month", MonthKind), opt("region", String), opt("channel", String), nonneg(req("amount", Float))},
	},
	{
		Name: "targets", Doc: "strategy targets", Key: []string{"period", "scope", "scope_id", "metric"},
		Columns: []Column{
			req("period", PeriodKind), enum("scope", true, Scopes), opt("scope_id", String), req("metric", String),
			req("target", Float),
		},
	},
	{
		Name: "rewards", Doc: "incentive history", Key: []string{"reward_id"},
		Columns: []Column{
			req("reward_id", String), req("employee_id", String), req("date", Date), enum("type", true, RewardTypes),
			nonneg(opt("value", Float)), opt("chosen", Bool), opt("performance_delta", Float), opt("retained_12m", Bool),
		},
		Refs: []Ref{{"employee_id", "employees"}},
	},
	{
		Name: "reviews", Doc: "performance history", Key: []string{"employee_id", "period"},
		Columns: []Column{
			req("employee_id", String), req("period", PeriodKind), opt("score", Float), nonneg(opt("kpi_completion", Float)),
		},
		Refs: []Ref{{"employee_id", "employees"}},
	},
	{
		Name: "revenue", Doc: "plain revenue series, an alternative to opportunities", Key: []string{"period", "scope", "scope_id"},
		Columns: []Column{req("period", PeriodKind), enum("scope", true, Scopes), opt("scope_id", String), req("revenue", Float)},
	},
}

// Lookup returns the table with the given name.
func Lookup(name string) (*Table, bool) {
	for _, t := range Tables {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// TableNames returns the names of all canonical tables.
func TableNames() []string {
	names := make([]string, len(Tables))
	for i, t := range Tables {
		names[i] = t.Name
	}
	return names
}

// Check reports why s is not a valid value of the column, or nil. An empty s is valid for an
// optional column and invalid for a required one. Values are never trimmed or coerced here: a
// mapping does that explicitly before the check.
func (c *Column) Check(s string) error {
	if s == "" {
		if c.Required {
			return fmt.Errorf("required value is empty")
		}
		return nil
	}
	switch c.Kind {
	case String:
		return nil
	case Int:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		return c.checkRange(float64(n), s)
	case Float:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%q is not a finite number", s)
		}
		return c.checkRange(f, s)
	case Bool:
		if s != "true" && s != "false" {
			return fmt.Errorf("%q is not a boolean (want true or false)", s)
		}
		return nil
	case Date:
		_, err := ParseDate(s)
		return err
	case Timestamp:
		_, err := ParseTimestamp(s)
		return err
	case MonthKind:
		_, err := ParseMonth(s)
		return err
	case PeriodKind:
		_, err := ParsePeriod(s)
		return err
	case Enum:
		for _, v := range c.Values {
			if s == v {
				return nil
			}
		}
		return fmt.Errorf("%q is not one of %s", s, strings.Join(c.Values, ", "))
	case RoleKind:
		if slices.Contains(c.Values, s) {
			return nil
		}
		if near := RoleTypo(s); near != "" {
			return fmt.Errorf("%q is not a role: did you mean %q? (a tenant's catalogue may add roles, but not one a letter away from a built-in one)", s, near)
		}
		if IsRoleName(s) {
			return nil
		}
		return fmt.Errorf("%q is not one of %s, nor a name a tenant's catalogue can add (lower-case letters, digits and _, starting with a letter)", s, strings.Join(c.Values, ", "))
	}
	panic("datasets: column " + c.Name + " has no kind")
}

func (c *Column) checkRange(f float64, s string) error {
	if c.HasMin && f < c.Min {
		if c.Min == 0 {
			return fmt.Errorf("%s is negative", s)
		}
		return fmt.Errorf("%s is below the minimum %g", s, c.Min)
	}
	if c.HasMax && f > c.Max {
		return fmt.Errorf("%s is above the maximum %g", s, c.Max)
	}
	return nil
}
