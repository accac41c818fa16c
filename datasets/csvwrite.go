package datasets

import (
	"bufio"
	"strings"
	"unicode"
	"unicode/utf8"
)

// recordWriter writes CSV records exactly as encoding/csv.Writer does (LF line endings, the
// same quoting rules, which a test checks) without its per-rune work, for the import's hot
// path.
type recordWriter struct {
	w *bufio.Writer
}

func (rw *recordWriter) write(rec []string) error {
	w := rw.w
	for i, f := range rec {
		if i > 0 {
			w.WriteByte(',')
		}
		if !needsQuotes(f) {
			w.WriteString(f)
			continue
		}
		w.WriteByte('"')
		for {
			j := strings.IndexByte(f, '"')
			if j < 0 {
				w.WriteString(f)
				break
			}
			w.WriteString(f[:j+1])
			w.WriteByte('"')
			f = f[j+1:]
		}
		w.WriteByte('"')
	}
	return w.WriteByte('\n')
}

// needsQuotes is encoding/csv's rule: a field is quoted when it holds a comma, a quote, CR or
// LF, starts with a space, or is exactly \. (which PostgreSQL would read as end of data).
func needsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` {
		return true
	}
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}
