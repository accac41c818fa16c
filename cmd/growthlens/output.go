package main

import (
	"fmt"

	"github.com/spf13/pflag"
)

// outputFormat is the value of -o/--output: json or table.
type outputFormat struct{ json *bool }

func (o outputFormat) String() string {
	if o.json != nil && *o.json {
		return "json"
	}
	return "table"
}

func (o outputFormat) Set(s string) error {
	switch s {
	case "json":
		*o.json = true
	case "table":
		*o.json = false
	default:
		return fmt.Errorf("%q: want json or table", s)
	}
	return nil
}

func (o outputFormat) Type() string { return "json|table" }

// addOutputFlags gives a command that prints data the one output convention: -o/--output
// table (for people, the default) or json (one JSON object, whose content what describes), and
// --json as an alias of -o json. *asJSON says which was asked for.
func addOutputFlags(fl *pflag.FlagSet, asJSON *bool, what string) {
	fl.VarP(outputFormat{asJSON}, "output", "o", "output format: table, or json ("+what+")")
	fl.BoolVar(asJSON, "json", false, "same as -o json")
}
