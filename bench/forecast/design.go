package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/forecast/evaluation"
)

// candidate is one method or combination tried in the design study.
type candidate struct {
	name    string
	method  string // a single method, or "auto" with members
	members []forecast.Method
	combine forecast.Combiner
}

func designCandidates() []candidate {
	c := []candidate{}
	for _, m := range []string{"naive2", "ses", "holt", "damped", "ets-r", "ets", "arima", "ces", "theta", "otm", "dotm"} {
		c = append(c, candidate{name: m, method: m})
	}
	combo := func(how forecast.Combiner, ms ...forecast.Method) candidate {
		names := make([]string, len(ms))
		for i, m := range ms {
			names[i] = m.Name()
		}
		return candidate{name: fmt.Sprintf("%s(%s)", how, strings.Join(names, ",")), method: "auto", members: ms, combine: how}
	}
	d, e, th, do, ar := forecast.Damped, forecast.ETS, forecast.Theta, forecast.DOTM, forecast.ARIMA
	for _, how := range []forecast.Combiner{forecast.CombineMean, forecast.CombineMedian} {
		c = append(c,
			combo(how, d, e, do),
			combo(how, d, e, th, do),
			combo(how, d, e, do, ar),
			combo(how, d, e, th, do, ar),
			combo(how, e, th, ar),
			combo(how, e, forecast.CES, ar, do),
			combo(how, e, forecast.CES, th, ar),
		)
	}
	return append(c,
		combo(forecast.CombineMean, e, th),
		combo(forecast.CombineMean, forecast.SES, forecast.Holt, d),
	)
}

// design runs the rolling-origin validation behind the automatic method's design on the
// training parts only: for each cut c in cuts, every series long enough is split into
// y[:n−h−c] to forecast and y[n−h−c:n−c] to score. The test file is never read.
func design(w io.Writer, dataDir string, cuts []int, h, workers int) error {
	f, err := os.Open(filepath.Join(dataDir, "M3Q-train.csv"))
	if err != nil {
		return err
	}
	items, err := evaluation.ReadLong(f)
	f.Close()
	if err != nil {
		return err
	}
	cands := designCandidates()
	owaSum := make([]float64, len(cands))
	fmt.Fprintf(w, "Design study: rolling-origin validation on the M3 quarterly training parts (h = %d)\n", h)
	for _, cut := range cuts {
		var cases []evaluation.Case
		for _, it := range items {
			y := it.Series.Values
			n := len(y) - h - cut
			if n < 8 {
				continue
			}
			tr := it.Series
			tr.Values = y[:n]
			cases = append(cases, evaluation.Case{ID: it.ID, Train: tr, Test: y[n : n+h]})
		}
		fmt.Fprintf(w, "\norigin: last %d training values held out, %d series\n", h+cut, len(cases))
		fmt.Fprintf(w, "%-36s %7s %6s %6s %6s %6s\n", "candidate", "sMAPE", "MASE", "OWA", "cov80", "cov95")
		for i, c := range cands {
			rep, err := evaluation.Run(cases, evaluation.Options{Method: c.method, Members: c.members, Combine: c.combine, Workers: workers})
			if err != nil {
				return fmt.Errorf("%s: %w", c.name, err)
			}
			owaSum[i] += rep.OWA
			fmt.Fprintf(w, "%-36s %7.3f %6.3f %6.3f %5.1f%% %5.1f%%\n", c.name, rep.SMAPE, rep.MASE, rep.OWA, 100*rep.Coverage[80], 100*rep.Coverage[95])
		}
	}
	fmt.Fprintf(w, "\nmean OWA over the %d origins\n", len(cuts))
	for i, c := range cands {
		fmt.Fprintf(w, "%-36s %6.3f\n", c.name, owaSum[i]/float64(len(cuts)))
	}
	return nil
}
