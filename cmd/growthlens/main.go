// Command growthlens forecasts a sales company's growth, ranks the causes of a KPI shortfall,
// suggests indicators per role and recommends incentives per employee.
//
// This package only wires flags to the packages that do the work; each subcommand lives in its
// own file.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(os.Stdout, os.Stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "growthlens:", err)
		os.Exit(exitCode(err))
	}
}

// Exit codes, the same for every command (growthlens --help lists them):
//
//	0  done
//	1  failure: bad data, a store or server error, a model that cannot be fitted
//	2  usage: an unknown command or flag, a missing or invalid argument or flag value
//	3  import only: a table of the mapping imported no row (every row rejected)
const exitCodesHelp = `Exit codes: 0 done; 1 failure (bad data, a store or server error); 2 usage (an unknown
command or flag, a missing or invalid argument or flag value); 3 import only: a table of the
mapping imported no row.`

// exitCode is the process exit code for an error a command returned (0 for nil).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// cobra reports a command that does not exist with a plain error, before any of ours runs;
	// TestExitCodes checks that this is still the text it uses.
	if strings.HasPrefix(err.Error(), "unknown command ") {
		return 2
	}
	return 1
}

// exitError carries a process exit code other than 1 (e.g. 2 for usage errors).
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// usageError marks err as a usage mistake (exit code 2).
func usageError(err error) error { return exitError{code: 2, err: err} }
