package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/growthlens/growthlens/models/forecast/evaluation"
)

// The R reference on the design study's pseudo-test sets (-design -r): R forecast's ets,
// thetaf and auto.arima fitted to the same training prefixes, scored on the same held-out
// training values, beside our members and combinations. It answers, without the test file,
// whether R's plain mean of its three members beats our median on validation too (and so
// whether the gap on the test is one our design study could have seen), and which member
// swap would close it. R is a diagnostic here; the product never needs it.

// rDesignNames are the R methods, named as they enter the study's forecast table.
var rDesignNames = []string{"R:ets", "R:thetaf", "R:arima"}

// rDesignCombos are the diagnostic combinations scored with R's forecasts: R's own mean,
// ours with one member swapped for R's, and our members under R's rule.
var rDesignCombos = []combo{
	{"mean", []string{"R:ets", "R:thetaf", "R:arima"}},
	{"median", []string{"R:ets", "R:thetaf", "R:arima"}},
	{"mean", []string{"ets", "theta", "arima"}},
	{"mean", []string{"ets", "4theta", "arima"}},
	{"median", []string{"ets", "ces", "4theta", "R:arima"}},
	{"median", []string{"R:ets", "ces", "4theta", "arima"}},
	{"mean", []string{"ets", "4theta", "R:arima"}},
	{"median", []string{"ets", "ces", "4theta", "arima", "R:arima"}},
}

// writeLong writes the cases' training prefixes and pseudo-test values in the long layout
// reference.R reads.
func writeLong(dir string, cases []evaluation.Case) (trainPath, testPath string, err error) {
	trainPath, testPath = filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	write := func(path string, test bool) error {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		bw := bufio.NewWriter(f)
		fmt.Fprintln(bw, `"id","t","year","quarter","y"`)
		for _, c := range cases {
			s := c.Train
			vals, off := s.Values, 0
			if test {
				vals, off = c.Test, len(s.Values)
			}
			for i, v := range vals {
				p := s.Start.Add(off+i, s.Period)
				fmt.Fprintf(bw, "%q,%d,%d,%d,%.10g\n", c.ID, off+i+1, p.Year, p.Sub, v)
			}
		}
		if err := bw.Flush(); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := write(trainPath, false); err != nil {
		return "", "", err
	}
	return trainPath, testPath, write(testPath, true)
}

// designR runs reference.R on every pseudo-test set and adds R's forecasts to fc under
// rDesignNames. It takes about as long as make bench-forecast's R part once per holdout.
func designR(w io.Writer, rscript string, sets []valSet, fc map[string][][][]float64) error {
	if hint := checkR(rscript); hint != "" {
		return fmt.Errorf("%s", hint)
	}
	levels := []float64{80, 95}
	for _, vs := range sets {
		dir, err := os.MkdirTemp("", "design-r-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		trainPath, testPath, err := writeLong(dir, vs.cases)
		if err != nil {
			return err
		}
		cmd := exec.Command(rscript, filepath.Join("bench", "forecast", "reference.R"), trainPath, testPath, dir, "80,95")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		fmt.Fprintf(os.Stderr, "R on the last-%d pseudo-test set (%d series)…\n", vs.holdout, len(vs.cases))
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("reference.R on holdout %d: %w", vs.holdout, err)
		}
		for i, name := range []string{"ets", "thetaf", "arima"} {
			fs, err := readRForecasts(filepath.Join(dir, name+".csv"), vs.cases, levels)
			if err != nil {
				return err
			}
			means := make([][]float64, len(fs))
			for j, f := range fs {
				means[j] = f.Mean
			}
			fc[rDesignNames[i]] = append(fc[rDesignNames[i]], means)
		}
	}
	return nil
}
