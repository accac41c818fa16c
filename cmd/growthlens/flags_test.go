package main

import (
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/growthlens/growthlens/internal/seed"
)

// eachFlag calls f with every runnable command's own flags (deprecated aliases left out).
func eachFlag(f func(c *cobra.Command, fl *pflag.Flag)) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() {
			c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
				if fl.Deprecated == "" {
					f(c, fl)
				}
			})
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRootCmd(io.Discard, io.Discard))
}

// TestOneDefaultSeed: every --seed defaults to the one default seed (internal/seed).
func TestOneDefaultSeed(t *testing.T) {
	n := 0
	eachFlag(func(c *cobra.Command, fl *pflag.Flag) {
		if fl.Name != "seed" {
			return
		}
		n++
		if want := strconv.Itoa(seed.Default); fl.DefValue != want {
			t.Errorf("%s --seed defaults to %s, want the one default seed %s", c.CommandPath(), fl.DefValue, want)
		}
	})
	if n < 8 {
		t.Errorf("found %d --seed flags, want the ten or so commands that take one", n)
	}
}

// TestOneMeaningPerFlag: a flag name takes the same kind of value on every command, so that a
// name cannot mean a quarter on one command and a seasonal period on another.
func TestOneMeaningPerFlag(t *testing.T) {
	types := map[string]map[string][]string{} // flag → value type → commands
	eachFlag(func(c *cobra.Command, fl *pflag.Flag) {
		if types[fl.Name] == nil {
			types[fl.Name] = map[string][]string{}
		}
		typ := fl.Value.Type()
		types[fl.Name][typ] = append(types[fl.Name][typ], c.CommandPath())
	})
	for _, name := range slices.Sorted(maps.Keys(types)) {
		if by := types[name]; len(by) > 1 {
			var parts []string
			for _, typ := range slices.Sorted(maps.Keys(by)) {
				parts = append(parts, typ+" on "+strings.Join(by[typ], ", "))
			}
			t.Errorf("--%s takes %s", name, strings.Join(parts, "; "))
		}
	}
}

// TestRenamedFlagsStillParse: a flag renamed for TestOneMeaningPerFlag keeps its old name as
// a deprecated alias that sets the same value.
func TestRenamedFlagsStillParse(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var period int
	fs.IntVar(&period, "seasonal-period", 4, "")
	renamedFlag(fs, "period", "seasonal-period")
	if err := fs.Parse([]string{"--period", "12"}); err != nil || period != 12 {
		t.Errorf("--period 12 through the alias: err %v, value %d; want 12", err, period)
	}
	if fl := fs.Lookup("period"); fl == nil || fl.Deprecated == "" || !strings.Contains(fl.Deprecated, "--seasonal-period") {
		t.Errorf("the alias %+v: want it deprecated, naming --seasonal-period", fl)
	}
}
