package datasets

import (
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestCodecRoundTrip(t *testing.T) {
	d := func(s string) time.Time {
		t.Helper()
		v, err := ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	opp := Opportunity{
		OpportunityID: "O1", AccountID: "A1", OwnerID: "E1", Product: "GTX", Region: "East",
		Stage: "won", CreatedDate: d("2024-01-05"), ClosedDate: d("2024-02-29"), Amount: Some(1234.5),
	}
	rec := OpportunityCodec.Encode(&opp, nil)
	want := []string{"O1", "A1", "E1", "", "GTX", "East", "won", "2024-01-05", "2024-02-29", "1234.5"}
	if !slices.Equal(rec, want) {
		t.Fatalf("Encode = %q, want %q", rec, want)
	}
	var got Opportunity
	if err := OpportunityCodec.Decode(rec, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, opp) {
		t.Fatalf("Decode = %+v, want %+v", got, opp)
	}

	tk := Ticket{TicketID: "T1", OpenedAt: time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC), Satisfaction: Some[int64](4), Escalated: Some(false)}
	rec = TicketCodec.Encode(&tk, rec)
	var tk2 Ticket
	if err := TicketCodec.Decode(rec, &tk2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tk, tk2) {
		t.Fatalf("ticket round trip = %+v, want %+v (record %q)", tk2, tk, rec)
	}
	if rec[4] != "" || rec[9] != "false" {
		t.Errorf("missing timestamp or false bool encoded as %q, %q", rec[4], rec[9])
	}

	tg := Target{Period: Period{Quarter, 2025*4 + 2}, Scope: "region", ScopeID: "East", Metric: "revenue", Target: 1e6}
	rec = TargetCodec.Encode(&tg, rec)
	if rec[0] != "2025Q3" || rec[4] != "1000000" {
		t.Errorf("target encoded as %q", rec)
	}
}

func TestNewCodecRejectsMismatches(t *testing.T) {
	opps, _ := Lookup("opportunities")
	type unknownColumn struct {
		X string `csv:"no_such_column"`
	}
	type wrongType struct {
		Created string `csv:"created_date"`
	}
	type optionalIntoPlain struct {
		Amount float64 `csv:"amount"`
	}
	if _, err := NewCodec[unknownColumn](opps); err == nil {
		t.Error("unknown column: want error")
	}
	if _, err := NewCodec[wrongType](opps); err == nil {
		t.Error("string field for a date column: want error")
	}
	if _, err := NewCodec[optionalIntoPlain](opps); err == nil {
		t.Error("plain float for an optional column: want error (missing would read as 0)")
	}
}

func TestColumnCheck(t *testing.T) {
	emp, _ := Lookup("employees")
	col := func(name string) *Column {
		c, _, ok := emp.Column(name)
		if !ok {
			t.Fatalf("no column %s", name)
		}
		return &c
	}
	tests := []struct {
		name  string
		col   string
		value string
		ok    bool
	}{
		{"required empty", "employee_id", "", false},
		{"optional empty", "exit_date", "", true},
		{"enum ok", "role", "sales", true},
		{"enum case differs", "role", "Sales", false},
		{"date ok", "hire_date", "2020-02-29", true},
		{"date impossible", "hire_date", "2021-02-29", false},
		{"date other format", "hire_date", "02/03/2021", false},
		{"negative salary", "base_salary", "-1", false},
		{"salary NaN", "base_salary", "NaN", false},
		{"salary Inf", "base_salary", "+Inf", false},
		{"salary text", "base_salary", "12k", false},
		{"level too high", "level", "21", false},
		{"level not int", "level", "2.5", false},
		{"birth year ok", "birth_year", "1985", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := col(tt.col).Check(tt.value)
			if (err == nil) != tt.ok {
				t.Errorf("Check(%q) = %v, want ok=%v", tt.value, err, tt.ok)
			}
		})
	}
}

func TestPeriod(t *testing.T) {
	tests := []struct {
		in         string
		start, end string
		days       int
		next       string
	}{
		{"2024-02", "2024-02-01", "2024-03-01", 29, "2024-03"},
		{"2024-12", "2024-12-01", "2025-01-01", 31, "2025-01"},
		{"2024Q4", "2024-10-01", "2025-01-01", 92, "2025Q1"},
		{"2023Q1", "2023-01-01", "2023-04-01", 90, "2023Q2"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePeriod(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.String(); got != tt.in {
				t.Errorf("String = %s, want %s", got, tt.in)
			}
			if got := FormatDate(p.Start()); got != tt.start {
				t.Errorf("Start = %s, want %s", got, tt.start)
			}
			if got := FormatDate(p.End()); got != tt.end {
				t.Errorf("End = %s, want %s", got, tt.end)
			}
			if got := p.Days(); got != tt.days {
				t.Errorf("Days = %d, want %d", got, tt.days)
			}
			if got := p.Add(1).String(); got != tt.next {
				t.Errorf("Add(1) = %s, want %s", got, tt.next)
			}
			if got := Of(p.Grain, p.End().Add(-time.Hour)); got != p {
				t.Errorf("Of(last hour) = %s, want %s", got, p)
			}
		})
	}
	for _, bad := range []string{"2024-13", "2024Q5", "2024Q0", "24Q1", "2024-1", "", "abcdQ1"} {
		if _, err := ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q): want error", bad)
		}
	}
	m, _ := ParseMonth("2024-08")
	if got := m.Quarter().String(); got != "2024Q3" {
		t.Errorf("Quarter of 2024-08 = %s, want 2024Q3", got)
	}
}

// TestParseTimestampFastPath compares the fast path for YYYY-MM-DDTHH:MM:SSZ with time.Parse,
// the reference, on valid and invalid timestamps of that shape and others.
func TestParseTimestampFastPath(t *testing.T) {
	for _, s := range []string{
		"2024-01-05T09:30:00Z", "2024-02-29T23:59:59Z", "2023-02-29T10:00:00Z", "2024-13-01T00:00:00Z",
		"2024-04-31T00:00:00Z", "2024-01-05T24:00:00Z", "2024-01-05T23:60:00Z", "2024-01-05T23:59:60Z",
		"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-01-05T09:30:00+02:00", "2024-01-05T09:30:00.5Z",
		"2024-01-05 09:30:00Z", "2024-1-05T09:30:00Z", "2024-01-05T09:30:0xZ", "+024-01-05T09:30:00Z",
	} {
		want, werr := time.Parse(time.RFC3339, s)
		got, gerr := ParseTimestamp(s)
		if (werr == nil) != (gerr == nil) || werr == nil && !got.Equal(want) {
			t.Errorf("ParseTimestamp(%q) = %v, %v; time.Parse gives %v, %v", s, got, gerr, want, werr)
		}
		if gerr == nil && got.Location() != time.UTC {
			t.Errorf("ParseTimestamp(%q) is not in UTC", s)
		}
	}
}
