package datasets

import (
	"fmt"
	"strconv"
	"time"
)

// Grain is the length of a Period.
type Grain uint8

const (
	Month Grain = iota + 1
	Quarter
)

// String returns "month" or "quarter".
func (g Grain) String() string {
	switch g {
	case Month:
		return "month"
	case Quarter:
		return "quarter"
	}
	return "grain(" + strconv.Itoa(int(g)) + ")"
}

// ParseGrain accepts "month" or "quarter".
func ParseGrain(s string) (Grain, error) {
	switch s {
	case "month":
		return Month, nil
	case "quarter":
		return Quarter, nil
	}
	return 0, fmt.Errorf("grain %q: want month or quarter", s)
}

// PerYear returns the number of periods of the grain in a year (12 or 4).
func (g Grain) PerYear() int {
	if g == Quarter {
		return 4
	}
	return 12
}

// Period is a calendar month or quarter. N counts periods since January (or Q1) of year 0, so
// consecutive periods differ by 1 and periods of one grain sort by N.
type Period struct {
	Grain Grain
	N     int
}

// MonthOf returns the month holding t.
func MonthOf(t time.Time) Period { return Period{Month, t.Year()*12 + int(t.Month()) - 1} }

// QuarterOf returns the quarter holding t.
func QuarterOf(t time.Time) Period { return Period{Quarter, t.Year()*4 + (int(t.Month())-1)/3} }

// Of returns the period of grain g holding t.
func Of(g Grain, t time.Time) Period {
	if g == Quarter {
		return QuarterOf(t)
	}
	return MonthOf(t)
}

// Year returns the calendar year.
func (p Period) Year() int { return p.N / p.Grain.PerYear() }

// Index returns the month (1–12) or quarter (1–4) within the year.
func (p Period) Index() int { return p.N%p.Grain.PerYear() + 1 }

// Add returns the period k periods later (earlier when k < 0).
func (p Period) Add(k int) Period { return Period{p.Grain, p.N + k} }

// Start returns the first day of the period (UTC midnight).
func (p Period) Start() time.Time {
	m := p.Index()
	if p.Grain == Quarter {
		m = 3*(p.Index()-1) + 1
	}
	return time.Date(p.Year(), time.Month(m), 1, 0, 0, 0, 0, time.UTC)
}

// End returns the first day after the period (UTC midnight), so [Start, End) covers it.
func (p Period) End() time.Time { return p.Add(1).Start() }

// Days returns the number of calendar days in the period.
func (p Period) Days() int { return int(p.End().Sub(p.Start()).Hours() / 24) }

// Quarter returns the quarter holding a month (or the quarter itself).
func (p Period) Quarter() Period {
	if p.Grain == Quarter {
		return p
	}
	return QuarterOf(p.Start())
}

// String formats a month as YYYY-MM and a quarter as YYYYQn.
func (p Period) String() string {
	switch p.Grain {
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year(), p.Index())
	case Quarter:
		return fmt.Sprintf("%04dQ%d", p.Year(), p.Index())
	}
	return ""
}

// MarshalText implements encoding.TextMarshaler.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (p *Period) UnmarshalText(b []byte) error {
	q, err := ParsePeriod(string(b))
	if err != nil {
		return err
	}
	*p = q
	return nil
}

// ParsePeriod reads a month (YYYY-MM) or a quarter (YYYYQn).
func ParsePeriod(s string) (Period, error) {
	if len(s) == 7 && s[4] == '-' {
		return ParseMonth(s)
	}
	if len(s) == 6 && (s[4] == 'Q' || s[4] == 'q') {
		return ParseQuarter(s)
	}
	return Period{}, fmt.Errorf("period %q: want YYYY-MM or YYYYQn", s)
}

// ParseMonth reads YYYY-MM.
func ParseMonth(s string) (Period, error) {
	if len(s) != 7 || s[4] != '-' {
		return Period{}, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	y, ok1 := digits(s[:4])
	m, ok2 := digits(s[5:])
	if !ok1 || !ok2 || m < 1 || m > 12 {
		return Period{}, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	return Period{Month, y*12 + m - 1}, nil
}

// ParseQuarter reads YYYYQn (n in 1–4).
func ParseQuarter(s string) (Period, error) {
	if len(s) != 6 || (s[4] != 'Q' && s[4] != 'q') {
		return Period{}, fmt.Errorf("quarter %q: want YYYYQn", s)
	}
	y, ok1 := digits(s[:4])
	q, ok2 := digits(s[5:])
	if !ok1 || !ok2 || q < 1 || q > 4 {
		return Period{}, fmt.Errorf("quarter %q: want YYYYQn with n in 1-4", s)
	}
	return Period{Quarter, y*4 + q - 1}, nil
}

// ParseDate reads YYYY-MM-DD as UTC midnight and rejects impossible days (2023-02-30).
func ParseDate(s string) (time.Time, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	y, ok1 := digits(s[:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, fmt.Errorf("date %q: no such day", s)
	}
	return t, nil
}

// ParseTimestamp reads an RFC 3339 timestamp and returns it in UTC.
func ParseTimestamp(s string) (time.Time, error) {
	if t, ok := parseUTCSeconds(s); ok {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: want RFC 3339 (2006-01-02T15:04:05Z07:00)", s)
	}
	return t.UTC(), nil
}

// parseUTCSeconds reads the form growthlens writes, YYYY-MM-DDTHH:MM:SSZ, without the
// generality of time.Parse; it reports false for anything else, valid or not, which the caller
// hands to time.Parse.
func parseUTCSeconds(s string) (time.Time, bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, false
	}
	y, ok1 := digits(s[:4])
	mo, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	h, ok4 := digits(s[11:13])
	mi, ok5 := digits(s[14:16])
	sec, ok6 := digits(s[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// FormatDate writes YYYY-MM-DD; the zero time formats as "".
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// FormatTimestamp writes RFC 3339 in UTC; the zero time formats as "".
func FormatTimestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// digits parses a short run of ASCII digits without allocating.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
