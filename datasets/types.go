package datasets

import "time"

// Null is an optional value: Valid is false when the CSV cell was empty. Optional dates and
// timestamps use the zero time.Time instead.
type Null[T any] struct {
	V     T
	Valid bool
}

// Some returns a valid Null holding v.
func Some[T any](v T) Null[T] { return Null[T]{V: v, Valid: true} }

// Or returns the value, or def when it is missing.
func (n Null[T]) Or(def T) T {
	if n.Valid {
		return n.V
	}
	return def
}

// Team is a row of teams.csv.
type Team struct {
	TeamID   string `csv:"team_id"`
	Name     string `csv:"name"`
	Function string `csv:"function"`
	Region   string `csv:"region"`
}

// Employee is a row of employees.csv. ExitDate is zero for current employees.
type Employee struct {
	EmployeeID string        `csv:"employee_id"`
	Role       string        `csv:"role"`
	TeamID     string        `csv:"team_id"`
	Region     string        `csv:"region"`
	Level      Null[int64]   `csv:"level"`
	HireDate   time.Time     `csv:"hire_date"`
	ExitDate   time.Time     `csv:"exit_date"`
	BaseSalary Null[float64] `csv:"base_salary"`
	ManagerID  string        `csv:"manager_id"`
	BirthYear  Null[int64]   `csv:"birth_year"`
}

// Account is a row of accounts.csv. ChurnDate is zero for active customers.
type Account struct {
	AccountID string    `csv:"account_id"`
	Region    string    `csv:"region"`
	Segment   string    `csv:"segment"`
	Industry  string    `csv:"industry"`
	StartDate time.Time `csv:"start_date"`
	ChurnDate time.Time `csv:"churn_date"`
}

// Opportunity is a row of opportunities.csv. ClosedDate is zero while the deal is open.
type Opportunity struct {
	OpportunityID string        `csv:"opportunity_id"`
	AccountID     string        `csv:"account_id"`
	OwnerID       string        `csv:"owner_id"`
	TeamID        string        `csv:"team_id"`
	Product       string        `csv:"product"`
	Region        string        `csv:"region"`
	Stage         string        `csv:"stage"`
	CreatedDate   time.Time     `csv:"created_date"`
	ClosedDate    time.Time     `csv:"closed_date"`
	Amount        Null[float64] `csv:"amount"`
}

// Invoice is a row of invoices.csv. PaidDate is zero while unpaid.
type Invoice struct {
	InvoiceID  string    `csv:"invoice_id"`
	AccountID  string    `csv:"account_id"`
	IssuedDate time.Time `csv:"issued_date"`
	DueDate    time.Time `csv:"due_date"`
	PaidDate   time.Time `csv:"paid_date"`
	Amount     float64   `csv:"amount"`
}

// Ticket is a row of tickets.csv.
type Ticket struct {
	TicketID        string      `csv:"ticket_id"`
	AccountID       string      `csv:"account_id"`
	AgentID         string      `csv:"agent_id"`
	OpenedAt        time.Time   `csv:"opened_at"`
	FirstResponseAt time.Time   `csv:"first_response_at"`
	ResolvedAt      time.Time   `csv:"resolved_at"`
	Category        string      `csv:"category"`
	Priority        string      `csv:"priority"`
	Satisfaction    Null[int64] `csv:"satisfaction"`
	Escalated       Null[bool]  `csv:"escalated"`
}

// PurchaseOrder is a row of purchase_orders.csv. DeliveredDate is zero while outstanding.
type PurchaseOrder struct {
	POID          string        `csv:"po_id"`
	SupplierID    string        `csv:"supplier_id"`
	Product       string        `csv:"product"`
	OrderedDate   time.Time     `csv:"ordered_date"`
	PromisedDate  time.Time     `csv:"promised_date"`
	DeliveredDate time.Time     `csv:"delivered_date"`
	Quantity      Null[int64]   `csv:"quantity"`
	UnitCost      Null[float64] `csv:"unit_cost"`
	Defects       Null[int64]   `csv:"defects"`
	// Region is the sales region the order supplies; without it supply features are
	// company-wide only.
	Region string `csv:"region"`
}

// ExpenseClaim is a row of expense_claims.csv. PaidDate is zero while unpaid.
type ExpenseClaim struct {
	ClaimID       string        `csv:"claim_id"`
	EmployeeID    string        `csv:"employee_id"`
	SubmittedDate time.Time     `csv:"submitted_date"`
	PaidDate      time.Time     `csv:"paid_date"`
	Amount        Null[float64] `csv:"amount"`
}

// MarketingSpend is a row of marketing_spend.csv.
type MarketingSpend struct {
	Month   Period  `csv:"month"`
	Region  string  `csv:"region"`
	Channel string  `csv:"channel"`
	Amount  float64 `csv:"amount"`
}

// Target is a row of targets.csv: the target value of a metric for a scope in a period.
type Target struct {
	Period  Period  `csv:"period"`
	Scope   string  `csv:"scope"`
	ScopeID string  `csv:"scope_id"`
	Metric  string  `csv:"metric"`
	Target  float64 `csv:"target"`
}

// Reward is a row of rewards.csv: one incentive given to an employee and what followed.
type Reward struct {
	RewardID         string        `csv:"reward_id"`
	EmployeeID       string        `csv:"employee_id"`
	Date             time.Time     `csv:"date"`
	Type             string        `csv:"type"`
	Value            Null[float64] `csv:"value"`
	Chosen           Null[bool]    `csv:"chosen"`
	PerformanceDelta Null[float64] `csv:"performance_delta"`
	Retained12m      Null[bool]    `csv:"retained_12m"`
}

// Review is a row of reviews.csv: an employee's performance in a period.
type Review struct {
	EmployeeID    string        `csv:"employee_id"`
	Period        Period        `csv:"period"`
	Score         Null[float64] `csv:"score"`
	KPICompletion Null[float64] `csv:"kpi_completion"`
}

// Revenue is a row of revenue.csv, for companies that have revenue totals but no CRM export.
type Revenue struct {
	Period  Period  `csv:"period"`
	Scope   string  `csv:"scope"`
	ScopeID string  `csv:"scope_id"`
	Revenue float64 `csv:"revenue"`
}

// Codecs for the built-in table types. A schema change that breaks one panics at init, which
// every test of the package catches.
var (
	TeamCodec           = MustCodec[Team]("teams")
	EmployeeCodec       = MustCodec[Employee]("employees")
	AccountCodec        = MustCodec[Account]("accounts")
	OpportunityCodec    = MustCodec[Opportunity]("opportunities")
	InvoiceCodec        = MustCodec[Invoice]("invoices")
	TicketCodec         = MustCodec[Ticket]("tickets")
	PurchaseOrderCodec  = MustCodec[PurchaseOrder]("purchase_orders")
	ExpenseClaimCodec   = MustCodec[ExpenseClaim]("expense_claims")
	MarketingSpendCodec = MustCodec[MarketingSpend]("marketing_spend")
	TargetCodec         = MustCodec[Target]("targets")
	RewardCodec         = MustCodec[Reward]("rewards")
	ReviewCodec         = MustCodec[Review]("reviews")
	RevenueCodec        = MustCodec[Revenue]("revenue")
)
