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
	// A name one letter away from a built-in role is a typo, and the error says which role.
	for bad, want := range map[string]string{"salse": "sales", "sale": "sales", "saless": "sales",
		"finanse": "finance", "markting": "marketing", "customer_servce": "customer_service", "admn": "admin"} {
		err := col.Check(bad)
		if err == nil || !strings.Contains(err.Error(), `did you mean "`+want+`"`) {
			t.Errorf("%q: %v, want a typo of %q", bad, err, want)
		}
	}
	// Short built-ins ("gm", "hr") are too short to tell a typo from a new role.
	for _, ok := range []string{"pm", "hrbp", "sales_ops"} {
		if err := col.Check(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

func TestOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"sales", "sales", false}, {"sales", "salse", true}, {"sales", "sale", true}, {"sales", "xsales", true},
		{"sales", "sakes", true}, {"sales", "slaes", true}, {"sales", "asles", true}, {"sales", "selas", false},
		{"sales", "sa", false}, {"", "a", true}, {"ab", "ba", true}, {"abc", "cba", false},
	} {
		if got := oneEdit(c.a, c.b); got != c.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := oneEdit(c.b, c.a); got != c.want {
			t.Errorf("oneEdit(%q, %q) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}
