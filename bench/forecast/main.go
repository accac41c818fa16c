// Command forecast runs growthlens's automatic forecast and R forecast's ets, thetaf and
// auto.arima on the M3 quarterly series in the same run and prints their accuracy (sMAPE,
// MASE, OWA against Naive2), interval coverage, MSIS and time per series side by side.
// `make bench-forecast` runs it. When Rscript or the forecast package is missing it says how
// to install them and prints our rows only.
//
// Times: ours is the wall time of forecasting all series with one goroutine per CPU, divided
// by the number of series; R's is the elapsed time of its sequential loop divided the same
// way. Both count model fitting, forecasting and intervals, not file reading or scoring.
//
// With -design it instead runs the design study behind the automatic method (make
// validate-forecast): rolling-origin validation of the members and candidate combinations on
// the training parts only.
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/growthlens/growthlens/models/forecast"
	"github.com/growthlens/growthlens/models/forecast/evaluation"
)

func main() {
	dataDir := flag.String("data", "../shared/data/m3", "folder holding M3Q-train.csv and M3Q-test.csv")
	rscript := flag.String("rscript", "Rscript", "Rscript executable")
	skipR := flag.Bool("skip-r", false, "do not run the R reference methods")
	method := flag.String("method", "auto", "our method (auto or a single method name)")
	workers := flag.Int("workers", 0, "series forecast in parallel (0: one per CPU)")
	designMode := flag.Bool("design", false, "run the design study on the training parts instead (never reads the test file)")
	dump := flag.String("dump", "", "with -design: write every validation forecast to this CSV file")
	withR := flag.Bool("r", false, "with -design: also fit R forecast's ets, thetaf and auto.arima to the pseudo-test sets (diagnostic; about three times make bench-forecast's R part)")
	only := flag.String("methods", "", "with -design: score only these comma-separated methods (and the combinations and designs made of them)")
	flag.Parse()
	if *designMode {
		r := ""
		if *withR {
			r = *rscript
		}
		if err := design(os.Stdout, *dataDir, 8, *workers, *dump, *only, r); err != nil {
			fmt.Fprintln(os.Stderr, "bench-forecast -design:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(os.Stdout, *dataDir, *rscript, *method, *workers, *skipR); err != nil {
		fmt.Fprintln(os.Stderr, "bench-forecast:", err)
		os.Exit(1)
	}
}

// row is one line of the table.
type row struct {
	name            string
	m               evaluation.Metrics
	wall, cpu       float64 // seconds for all series
	series          int
	isOurs, isREts  bool
	timeUnavailable bool
}

func run(w io.Writer, dataDir, rscript, method string, workers int, skipR bool) error {
	trainPath := filepath.Join(dataDir, "M3Q-train.csv")
	testPath := filepath.Join(dataDir, "M3Q-test.csv")
	cases, err := load(trainPath, testPath)
	if err != nil {
		return err
	}
	levels := []float64{80, 95}
	fmt.Fprintf(w, "M3 quarterly: %d series, horizon %d, %d CPUs\n", len(cases), len(cases[0].Test), runtime.NumCPU())

	cpu0 := cpuSeconds()
	rep, err := evaluation.Run(cases, evaluation.Options{Method: method, Levels: levels, Workers: workers})
	if err != nil {
		return err
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("%d series failed, first %s: %s", len(rep.Failed), rep.Failed[0].ID, rep.Failed[0].Error)
	}
	rows := []row{{name: "growthlens " + method, m: rep.Metrics, wall: rep.Seconds, cpu: cpuSeconds() - cpu0, series: rep.Series, isOurs: true}}
	for _, pm := range rep.PerMethod {
		if method == "auto" {
			rows = append(rows, row{name: "  member " + pm.Name, m: pm.Metrics, timeUnavailable: true})
		}
	}

	if skipR {
		fmt.Fprintln(w, "R reference skipped (-skip-r)")
	} else if hint := checkR(rscript); hint != "" {
		fmt.Fprintln(w, hint)
	} else {
		rRows, err := runR(rscript, trainPath, testPath, cases, levels)
		if err != nil {
			return err
		}
		rows = append(rows, rRows...)
	}
	printTable(w, rows)
	fmt.Fprintf(w, "Naive2 (ours, the OWA reference): sMAPE %.3f MASE %.3f\n", rep.Naive2.SMAPE, rep.Naive2.MASE)
	return nil
}

func load(trainPath, testPath string) ([]evaluation.Case, error) {
	read := func(p string) ([]evaluation.Item, error) {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("%w (is ../shared/data/m3 present? pass -data)", err)
		}
		defer f.Close()
		return evaluation.ReadLong(f)
	}
	train, err := read(trainPath)
	if err != nil {
		return nil, err
	}
	test, err := read(testPath)
	if err != nil {
		return nil, err
	}
	return evaluation.Pair(train, test)
}

// checkR returns an install hint when R or its forecast package cannot be used.
func checkR(rscript string) string {
	if _, err := exec.LookPath(rscript); err != nil {
		return "R not found: R rows skipped. Install with: apt-get install -y r-base-core r-cran-forecast"
	}
	if err := exec.Command(rscript, "-e", "suppressMessages(library(forecast))").Run(); err != nil {
		return "R package forecast not found: R rows skipped. Install with: apt-get install -y r-cran-forecast"
	}
	return ""
}

func runR(rscript, trainPath, testPath string, cases []evaluation.Case, levels []float64) ([]row, error) {
	dir, err := os.MkdirTemp("", "bench-forecast-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join("bench", "forecast", "reference.R")
	lv := make([]string, len(levels))
	for i, l := range levels {
		lv[i] = strconv.FormatFloat(l, 'f', -1, 64)
	}
	cmd := exec.Command(rscript, script, trainPath, testPath, dir, strings.Join(lv, ","))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	fmt.Fprintln(os.Stderr, "running R forecast's ets, thetaf and auto.arima (a few minutes)…")
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("run %s: %w", script, err)
	}
	var rows []row
	means := map[string][]evaluation.Forecast{}
	for _, name := range []string{"ets", "thetaf", "arima"} {
		fs, err := readRForecasts(filepath.Join(dir, name+".csv"), cases, levels)
		if err != nil {
			return nil, err
		}
		wall, cpu, err := readRTime(filepath.Join(dir, name+".time"))
		if err != nil {
			return nil, err
		}
		s, err := evaluation.Score(cases, fs, levels)
		if err != nil {
			return nil, fmt.Errorf("score R %s: %w", name, err)
		}
		means[name] = fs
		rows = append(rows, row{name: "R " + name, m: s.Metrics, wall: wall, cpu: cpu, series: len(cases), isREts: name == "ets"})
	}
	// The mean of the three, a strong published benchmark; intervals averaged bound by bound.
	comb := make([]evaluation.Forecast, len(cases))
	for i := range cases {
		var parts []evaluation.Forecast
		for _, name := range []string{"ets", "thetaf", "arima"} {
			parts = append(parts, means[name][i])
		}
		comb[i] = averageForecasts(parts)
	}
	s, err := evaluation.Score(cases, comb, levels)
	if err != nil {
		return nil, err
	}
	rows = append(rows, row{name: "R mean(ets,thetaf,arima)", m: s.Metrics, timeUnavailable: true})
	return rows, nil
}

func averageForecasts(parts []evaluation.Forecast) evaluation.Forecast {
	h := len(parts[0].Mean)
	out := evaluation.Forecast{Mean: make([]float64, h)}
	for _, iv := range parts[0].Intervals {
		out.Intervals = append(out.Intervals, forecast.Interval{Level: iv.Level, Lower: make([]float64, h), Upper: make([]float64, h)})
	}
	k := float64(len(parts))
	for _, p := range parts {
		for j := range out.Mean {
			out.Mean[j] += p.Mean[j] / k
			for l := range out.Intervals {
				out.Intervals[l].Lower[j] += p.Intervals[l].Lower[j] / k
				out.Intervals[l].Upper[j] += p.Intervals[l].Upper[j] / k
			}
		}
	}
	return out
}

// readRForecasts reads id,h,mean,lo<L>,hi<L>… into forecasts ordered like cases.
func readRForecasts(path string, cases []evaluation.Case, levels []float64) ([]evaluation.Forecast, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	header, err := r.Read()
	if err != nil {
		return nil, err
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	byID := map[string]*evaluation.Forecast{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		id := rec[col["id"]]
		fc := byID[id]
		if fc == nil {
			fc = &evaluation.Forecast{}
			for _, l := range levels {
				fc.Intervals = append(fc.Intervals, forecast.Interval{Level: l})
			}
			byID[id] = fc
		}
		num := func(name string) (float64, error) {
			i, ok := col[name]
			if !ok {
				return 0, fmt.Errorf("%s: no column %s", path, name)
			}
			return strconv.ParseFloat(rec[i], 64)
		}
		v, err := num("mean")
		if err != nil {
			return nil, err
		}
		fc.Mean = append(fc.Mean, v)
		for i, l := range levels {
			ls := strconv.FormatFloat(l, 'f', -1, 64)
			lo, err1 := num("lo" + ls)
			hi, err2 := num("hi" + ls)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("%s: series %s: bad interval bounds", path, id)
			}
			fc.Intervals[i].Lower = append(fc.Intervals[i].Lower, lo)
			fc.Intervals[i].Upper = append(fc.Intervals[i].Upper, hi)
		}
	}
	out := make([]evaluation.Forecast, len(cases))
	for i, c := range cases {
		fc, ok := byID[c.ID]
		if !ok {
			return nil, fmt.Errorf("%s: no forecasts for series %s", path, c.ID)
		}
		out[i] = *fc
	}
	return out, nil
}

func readRTime(path string) (wall, cpu float64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	_, err = fmt.Sscan(string(b), &wall, &cpu)
	return wall, cpu, err
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func printTable(w io.Writer, rows []row) {
	var rEts float64
	for _, r := range rows {
		if r.isREts {
			rEts = r.wall / float64(r.series)
		}
	}
	fmt.Fprintf(w, "%-26s %7s %6s %6s %6s %6s %7s %10s %10s %8s\n", "method", "sMAPE", "MASE", "OWA", "cov80", "cov95", "MSIS95", "ms/series", "cpu ms/s", "vs R ets")
	for _, r := range rows {
		fmt.Fprintf(w, "%-26s %7.3f %6.3f %6.3f %5.1f%% %5.1f%% %7.2f", r.name, r.m.SMAPE, r.m.MASE, r.m.OWA,
			100*r.m.Coverage[80], 100*r.m.Coverage[95], r.m.MSIS)
		if r.timeUnavailable {
			fmt.Fprintf(w, " %10s %10s %8s\n", "-", "-", "-")
			continue
		}
		per := r.wall / float64(r.series) * 1000
		speed := "-"
		if rEts > 0 && r.isOurs {
			speed = fmt.Sprintf("%.1fx", rEts*1000/per)
		}
		fmt.Fprintf(w, " %10.2f %10.2f %8s\n", per, r.cpu/float64(r.series)*1000, speed)
	}
}
