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
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(os.Stdout, os.Stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "growthlens:", err)
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
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
