package readable

import "testing"

// TestProblems checks the checker on what it must catch and what it must let pass.
func TestProblems(t *testing.T) {
	for _, bad := range []string{"revenue 1.403e+04 currency", "level 3662862.6663", "spend 179,603", "x 6.594e+05"} {
		if len(Problems(bad, false)) == 0 {
			t.Errorf("%q passed", bad)
		}
	}
	if len(Problems("原因：the data cannot tell whether", true)) == 0 {
		t.Error("an English sentence passed on a Chinese page")
	}
	for _, good := range []string{"2026Q3: revenue 3.69 M against 179,600", "2026-09-30", "+4.7 pt [+1.7, +7.9]", "数据截至 2026-10-01"} {
		if p := Problems(good, true); len(p) > 0 {
			t.Errorf("%q flagged: %v", good, p)
		}
	}
}
