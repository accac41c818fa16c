package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// The README and the pages of docs/ are checked against the code here, so that they cannot
// drift from it unseen: every relative link reaches a file (and a heading, for #anchors), and
// every growthlens command line in a code block names a command that exists and only flags
// that command has.

// docPages returns the README and every Markdown page of docs/, relative to the module root.
func docPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{"../../README.md"}, pages...)
	if len(pages) < 5 {
		t.Fatalf("found only %d documentation pages from %s; run the test from cmd/growthlens", len(pages), mustGetwd(t))
	}
	return pages
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

var (
	fenceRe   = regexp.MustCompile("(?ms)^```.*?^```")
	inlineRe  = regexp.MustCompile("`[^`\n]*`")
	mdLinkRe  = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	headingRe = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*$`)
)

// anchor is GitHub's anchor of a heading: lower case, punctuation but '-' and '_' dropped,
// spaces become '-'.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestDocLinksResolve(t *testing.T) {
	anchors := map[string]map[string]bool{}
	anchorsOf := func(path string) map[string]bool {
		if a, ok := anchors[path]; ok {
			return a
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		a := map[string]bool{}
		for _, m := range headingRe.FindAllStringSubmatch(fenceRe.ReplaceAllString(string(b), ""), -1) {
			a[anchor(m[1])] = true
		}
		anchors[path] = a
		return a
	}
	links := 0
	for _, page := range docPages(t) {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		text := inlineRe.ReplaceAllString(fenceRe.ReplaceAllString(string(b), ""), "")
		for _, m := range mdLinkRe.FindAllStringSubmatch(text, -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			links++
			file, frag, _ := strings.Cut(link, "#")
			target := page
			if file != "" {
				target = filepath.Join(filepath.Dir(page), file)
			}
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s links to %s, which does not exist", page, link)
				continue
			}
			if frag != "" && strings.HasSuffix(target, ".md") && !anchorsOf(target)[frag] {
				t.Errorf("%s links to %s: %s has no heading with anchor #%s", page, link, target, frag)
			}
		}
	}
	if links < 20 {
		t.Errorf("found only %d relative links in the README and docs/; the pattern no longer finds them", links)
	}
}

// shellWords splits a command line the way sh would for the simple lines the docs hold:
// quotes group words, and a '#' that starts a word starts a comment. A line that uses
// anything else ($(...), pipes, redirections) keeps those characters in its words.
func shellWords(line string) []string {
	var words []string
	var w strings.Builder
	in, quote := false, rune(0)
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		case r == '#' && !in:
			return words
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// docCommands returns every growthlens command line in the sh code blocks of page, one per
// invocation (a line may hold several, separated by ';' or '&&'), as words after the
// program name.
func docCommands(t *testing.T, page string) [][]string {
	f, err := os.Open(page)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cmds [][]string
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		if !inBlock {
			continue
		}
		for _, part := range regexp.MustCompile(`;|&&|\|`).Split(line, -1) {
			words := shellWords(strings.TrimSpace(part))
			for i, w := range words {
				if w == "growthlens" || strings.HasSuffix(w, "/growthlens") {
					cmds = append(cmds, words[i+1:])
					break
				}
			}
		}
	}
	return cmds
}

func TestDocCommandsExist(t *testing.T) {
	root := newRootCmd(io.Discard, io.Discard)
	n := 0
	for _, page := range docPages(t) {
		for _, words := range docCommands(t, page) {
			if len(words) == 0 || strings.HasPrefix(words[0], "-") && words[0] != "--help" {
				continue
			}
			n++
			cmd, rest, err := root.Find(words)
			if err != nil || cmd == root {
				t.Errorf("%s: growthlens %s: no such command", page, strings.Join(words, " "))
				continue
			}
			for _, w := range rest {
				if !strings.HasPrefix(w, "-") || w == "-" {
					continue
				}
				name, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
				name = strings.Trim(name, "[]")
				var ok bool
				if strings.HasPrefix(w, "--") || strings.HasPrefix(w, "[--") {
					ok = cmd.LocalFlags().Lookup(name) != nil || cmd.InheritedFlags().Lookup(name) != nil
				} else {
					ok = cmd.LocalFlags().ShorthandLookup(name[:1]) != nil || cmd.InheritedFlags().ShorthandLookup(name[:1]) != nil
				}
				if !ok && name != "help" && name != "h" {
					t.Errorf("%s: growthlens %s: %q has no flag %s", page, strings.Join(words, " "), cmd.CommandPath(), w)
				}
			}
		}
	}
	if n < 30 {
		t.Errorf("found only %d growthlens command lines in the README and docs/; the scan no longer finds them", n)
	}
}
