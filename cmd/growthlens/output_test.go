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
		"growthlens serve": true, "growthlens report": true, "growthlens backup": true,
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
