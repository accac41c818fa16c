// Package clip shortens text that is echoed back to a person — a bad value quoted in an
// error message, an audit entry's detail — so that a long input cannot flood a response or a
// log. It cuts at a UTF-8 boundary, so the result stays valid text, and marks the cut with
// "…". It must not be used where the full value matters (keys, identifiers that are looked
// up): it is for display only.
package clip

import "unicode/utf8"

// Ellipsis marks a cut.
const Ellipsis = "…"

// String returns s when it is at most n bytes long; otherwise its longest prefix of at most
// n bytes that ends at a rune boundary, followed by Ellipsis. n below 0 counts as 0.
func String(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n < 0 {
		n = 0
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + Ellipsis
}

// Within returns s cut so that the result, Ellipsis included, is at most max bytes: s itself
// when it fits. It is String for a bound on the whole result (an audit detail's size limit).
func Within(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return String(s, max-len(Ellipsis))
}
