package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestOutputFlags: every command that can print JSON takes -o json|table with --json as its
// alias, and the commands that print data all can.
func TestOutputFlags(t *testing.T) {
	// Commands that print no data a program would read: they serve, write files, or print a
	// secret or one line of progress.
	noData := map[string]bool{
		"growthlens serve": true, "growthlens worker": true, "growthlens report": true, "growthlens backup": true,
		"growthlens restore": true, "growthlens features": true,
	}
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Name() != "help" && c.Name() != "completion" {
			lookup := func(name string) bool {
				return c.LocalFlags().Lookup(name) != nil || c.InheritedFlags().Lookup(name) != nil
			}
			switch {
			case lookup("json") != lookup("output"):
				t.Errorf("%s: --json %v but -o %v; want both", c.CommandPath(), lookup("json"), lookup("output"))
			case !lookup("output") && !noData[c.CommandPath()]:
				t.Errorf("%s prints data but takes no -o json|table", c.CommandPath())
			case lookup("output"):
				n++
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRootCmd(io.Discard, io.Discard))
	if n < 20 {
		t.Errorf("only %d commands take -o", n)
	}

	for _, args := range [][]string{{"version", "-o", "json"}, {"version", "--output=json"}, {"version", "--json"}} {
		out, _, err := runCLI(t, args...)
		var info struct{ Version, Go string }
		if err != nil || json.Unmarshal([]byte(out), &info) != nil || info.Version == "" || info.Go == "" {
			t.Errorf("growthlens %s: %v, output %q; want one JSON object with version and go", strings.Join(args, " "), err, out)
		}
	}
	out, _, err := runCLI(t, "version", "-o", "table")
	if err != nil || !strings.HasPrefix(out, "growthlens ") || strings.Contains(out, "{") {
		t.Errorf("growthlens version -o table: %v, output %q", err, out)
	}
	if _, _, err := runCLI(t, "version", "-o", "yaml"); exitCode(err) != 2 || !strings.Contains(err.Error(), "want json or table") {
		t.Errorf("growthlens version -o yaml: %v (exit %d), want a usage error (exit 2) naming json and table", err, exitCode(err))
	}
}

// TestExitCodes: usage mistakes exit 2 wherever they are found, failures 1.
func TestExitCodes(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"version"}, 0},
		{[]string{"no-such-command"}, 2},              // cobra's unknown command
		{[]string{"version", "--no-such-flag"}, 2},    // cobra's flag parsing
		{[]string{"version", "extra"}, 2},             // cobra.NoArgs
		{[]string{"models", "show"}, 2},               // a missing argument
		{[]string{"train"}, 2},                        // a required flag
		{[]string{"train", "--seed", "x"}, 2},         // a flag value that does not parse
		{[]string{"generate", "--out", "\x00bad"}, 1}, // a failure
	} {
		_, _, err := runCLI(t, c.args...)
		if got := exitCode(err); got != c.code {
			t.Errorf("growthlens %q: exit %d (%v), want %d", c.args, got, err, c.code)
		}
	}
}

// TestEvaluateVerdict: each figure of evaluate all is met or short against its target.
func TestEvaluateVerdict(t *testing.T) {
	for _, c := range []struct {
		v      any
		target string
		want   string
	}{
		{8.5, "≤ 8.90", "met"}, {8.9, "≤ 8.90", "met"}, {9.1, "≤ 8.90", "short"},
		{0.85, "≥ 0.845", "met"}, {0.8, "≥ 0.845", "short"},
		{9.99, "< 10", "met"}, {10.0, "< 10", "short"},
		{0.80, "0.77–0.83", "met"}, {0.76, "0.77–0.83", "short"}, {0.84, "0.77–0.83", "short"},
		{756.0, "", ""}, {"ets", "≥ 1", ""}, {nil, "≤ 1", ""}, {1.0, "about 1", ""},
	} {
		if got := verdict(c.v, c.target); got != c.want {
			t.Errorf("verdict(%v, %q) = %q, want %q", c.v, c.target, got, c.want)
		}
	}
	// Every target evaluate all holds a figure to can be read.
	for _, job := range evalJobs {
		for _, mt := range job.metrics {
			if mt[1] != "" && verdict(0.5, mt[1]) == "" {
				t.Errorf("%s: %s's target %q cannot be read", job.name, mt[0], mt[1])
			}
		}
	}
}
