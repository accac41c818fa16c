package datasets

import (
	"fmt"
	"unicode/utf8"
)

// NumberFormat describes how a source writes numbers: Decimal is the decimal separator ("." by
// default, or ","), Group the digit-grouping separator that is removed ("", ",", ".", " " or
// "'"). "1.234,50" with decimal "," and group "." reads 1234.50.
//
// A format applies to text only: a number an XLSX cell stores as a number is already a plain
// decimal and is taken as it is.
type NumberFormat struct {
	Decimal string `yaml:"decimal"`
	Group   string `yaml:"group"`
}

// parse rewrites v, a number written in the format, as a plain decimal: an optional sign,
// digits and at most one '.'. It fails, rather than guess, on anything else:
//
//   - a character that is neither a digit nor one of the format's separators (a '.' in
//     "2500.75" when the decimal separator is ',' and there is no group separator);
//   - digit groups that are not a first group of one to three digits followed by groups of
//     exactly three ("2500.75" with group '.' is not 250075, and "1.5" with group '.' is not
//     15: both are far likelier to be numbers written with the other convention);
//   - a group separator after the decimal one, two decimal separators, no digit at all.
//
// With group " ", the no-break spaces U+00A0 and U+202F (as French and Swiss locales write
// thousands) are group separators too. changed reports whether the text differs from the
// result, so that the caller can say which values it rewrote.
func (nf *NumberFormat) parse(v string, buf []byte) (out []byte, changed bool, err error) {
	dec := byte('.')
	if nf.Decimal != "" {
		dec = nf.Decimal[0]
	}
	var group byte
	if nf.Group != "" {
		group = nf.Group[0]
	}
	fail := func(format string, args ...any) ([]byte, bool, error) {
		return buf, false, fmt.Errorf("%q "+format, append([]any{v}, args...)...)
	}
	buf = buf[:0]
	i := 0
	if i < len(v) && (v[i] == '-' || v[i] == '+') {
		if v[i] == '-' {
			buf = append(buf, '-')
		}
		i++
	}
	digits := 0 // in the whole number
	run := 0    // digits since the last group separator (or the start)
	groups := 0 // group separators seen
	seenDec := false
	for i < len(v) {
		c := v[i]
		size := 1
		isGroup := group != 0 && c == group
		if !isGroup && group == ' ' && c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(v[i:])
			if r == '\u00a0' || r == '\u202f' {
				isGroup, size = true, n
			}
		}
		switch {
		case c >= '0' && c <= '9':
			buf = append(buf, c)
			digits++
			run++
		case isGroup:
			if seenDec {
				return fail("has a digit group separator %q after the decimal separator %q", nf.Group, string(dec))
			}
			if groups == 0 {
				if run < 1 || run > 3 {
					return fail("does not group digits in threes with %q (first group of %d digits); check the mapping's decimal and group separators", nf.Group, run)
				}
			} else if run != 3 {
				return fail("does not group digits in threes with %q (a group of %d digits); check the mapping's decimal and group separators", nf.Group, run)
			}
			groups++
			run = 0
		case c == dec:
			if seenDec {
				return fail("has two decimal separators %q", string(dec))
			}
			if groups > 0 && run != 3 {
				return fail("does not group digits in threes with %q (a group of %d digits before the decimal separator); check the mapping's decimal and group separators", nf.Group, run)
			}
			seenDec = true
			buf = append(buf, '.')
			run = 0
		case c == '.' || c == ',':
			return fail("has a %q, which is neither the decimal separator %q nor the group separator %q", string(c), string(dec), nf.Group)
		default:
			return fail("is not a number written with decimal separator %q and group separator %q", string(dec), nf.Group)
		}
		i += size
	}
	switch {
	case digits == 0:
		return fail("has no digits")
	case groups > 0 && !seenDec && run != 3:
		return fail("does not group digits in threes with %q (last group of %d digits); check the mapping's decimal and group separators", nf.Group, run)
	case seenDec && run == 0:
		return fail("ends with the decimal separator %q", string(dec))
	}
	return buf, string(buf) != v, nil
}
