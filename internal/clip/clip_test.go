package clip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"abcd", 0, "…"},
		{"abcd", -1, "…"},
		{"héllo", 2, "h…"},  // é is 2 bytes (1–2): a cut at 2 would split it
		{"héllo", 3, "hé…"}, // the cut falls after é
		{"日本語", 4, "日…"},
		{"日本語", 9, "日本語"},
	} {
		if got := String(c.s, c.n); got != c.want {
			t.Errorf("String(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

func TestWithin(t *testing.T) {
	long := strings.Repeat("é", 3000) // 6,000 bytes
	got := Within(long, 4096)
	if len(got) > 4096 || !utf8.ValidString(got) || !strings.HasSuffix(got, Ellipsis) {
		t.Errorf("Within(6000 bytes, 4096): %d bytes, valid UTF-8 %v, ends in %q", len(got), utf8.ValidString(got), got[len(got)-3:])
	}
	if len(got) < 4096-4 {
		t.Errorf("Within cut %d bytes to %d: more than one rune short of the bound", len(long), len(got))
	}
	if s := strings.Repeat("a", 4096); Within(s, 4096) != s {
		t.Error("a text of exactly the bound was cut")
	}
	if got := Within("abcdef", 5); got != "ab…" {
		t.Errorf(`Within("abcdef", 5) = %q, want "ab…"`, got)
	}
}
