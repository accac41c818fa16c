// Package readable checks text a person reads for figures they should not have to read:
// exponent notation, numbers of more than four significant digits, and (on a Chinese page)
// English sentences. The review page's and the CLI's tests use it.
package readable

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	exponentRe = regexp.MustCompile(`\d(?:\.\d+)?[eE][+-]?\d+`)
	// numberRe finds numbers a person reads: not part of a word, a date, a period or a key.
	numberRe  = regexp.MustCompile(`(?:^|[^\w\-:./])(\d[\d,]*(?:\.\d+)?)(?:$|[^\w\-:/])`)
	englishRe = regexp.MustCompile(`[A-Za-z]{2,}(?:[ ,;]+[A-Za-z]{2,}){3,}`)
)

// Significant counts a number's significant digits ("179,600" has 4, "0.0123" 3).
func Significant(num string) int {
	s := strings.ReplaceAll(num, ",", "")
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		return len(strings.TrimLeft(frac, "0"))
	}
	if frac == "" {
		return len(strings.TrimRight(intPart, "0"))
	}
	return len(intPart) + len(frac)
}

// Problems lists, line by line, exponent notation, numbers of more than four significant
// digits (years excepted) and, when zh, English sentences (four or more English words in a
// row).
func Problems(text string, zh bool) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if m := exponentRe.FindString(line); m != "" {
			out = append(out, fmt.Sprintf("exponent notation %q in %q", m, line))
		}
		for _, m := range numberRe.FindAllStringSubmatch(line, -1) {
			if n := m[1]; Significant(n) > 4 && !isYear(n) {
				out = append(out, fmt.Sprintf("%d significant digits %q in %q", Significant(n), n, line))
			}
		}
		if zh {
			if m := englishRe.FindString(line); m != "" {
				out = append(out, fmt.Sprintf("untranslated %q in %q", m, line))
			}
		}
	}
	return out
}

func isYear(n string) bool {
	return len(n) == 4 && (strings.HasPrefix(n, "19") || strings.HasPrefix(n, "20"))
}
