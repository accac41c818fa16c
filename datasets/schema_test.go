package datasets

import (
	"strings"
	"testing"
)

// A role is a built-in one or a name a tenant's catalogue may add (a janitor); what an export's
// typo usually is stays refused.
func TestRoleColumn(t *testing.T) {
	tb, _ := Lookup("employees")
	col, _, _ := tb.Column("role")
	for _, ok := range []string{"sales", "customer_service", "janitor", "night_guard_2"} {
		if err := col.Check(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Sales", "sales rep", "2nd_line", "janitor!", strings.Repeat("a", 33)} {
		if err := col.Check(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
