package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs the growthlens command line with args and returns stdout, stderr and the error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd(&out, &errOut)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errOut.String(), err
}

// cliRunner returns a function that runs the command line at log level warn and returns its
// stdout, and fails the test on an error.
func cliRunner(t *testing.T) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		out, errOut, err := runCLI(t, append(args, "--log-level", "warn")...)
		if err != nil {
			t.Fatalf("growthlens %s: %v\n%s", strings.Join(args, " "), err, errOut)
		}
		return out
	}
}
