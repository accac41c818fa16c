package incentive

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/features"
)

// replicate writes to dir copies×ds's employees, rewards, reviews and expense claims, the
// copies told apart by an id suffix, and loads them: a large staff with realistic histories.
func replicate(tb testing.TB, ds *datasets.Dataset, copies int, dir string) *datasets.Dataset {
	tb.Helper()
	out := &datasets.Dataset{}
	for c := range copies {
		sfx := fmt.Sprintf("-%03d", c)
		for _, e := range ds.Employees {
			e.EmployeeID += sfx
			if e.ManagerID != "" {
				e.ManagerID += sfx
			}
			out.Employees = append(out.Employees, e)
		}
		for _, r := range ds.Rewards {
			r.RewardID += sfx
			r.EmployeeID += sfx
			out.Rewards = append(out.Rewards, r)
		}
		for _, r := range ds.Reviews {
			r.EmployeeID += sfx
			out.Reviews = append(out.Reviews, r)
		}
		for _, x := range ds.ExpenseClaims {
			x.ClaimID += sfx
			x.EmployeeID += sfx
			out.ExpenseClaims = append(out.ExpenseClaims, x)
		}
	}
	check := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	check(writeRows(dir, datasets.EmployeeCodec, out.Employees))
	check(writeRows(dir, datasets.RewardCodec, out.Rewards))
	check(writeRows(dir, datasets.ReviewCodec, out.Reviews))
	check(writeRows(dir, datasets.ExpenseClaimCodec, out.ExpenseClaims))
	big, _, err := datasets.Load(dir, datasets.WithTables(features.EmployeeTables...))
	check(err)
	return big
}

func writeRows[T any](dir string, codec *datasets.Codec[T], rows []T) error {
	w, err := datasets.Create(dir, codec)
	if err != nil {
		return err
	}
	for i := range rows {
		if err := w.Write(&rows[i]); err != nil {
			w.Close()
			return err
		}
	}
	return w.Close()
}

var bench struct {
	once sync.Once
	r    *Recommender
	ids  []string
	err  error
}

// benchRecommender serves, with the models trained on the default company, a replicated
// staff of at least 10,000 employees on staff.
func benchRecommender(b *testing.B) (*Recommender, []string) {
	b.Helper()
	bench.once.Do(func() {
		_, ds, r := defaultCompany(b)
		small, err := r.OnStaff(time.Time{}, "")
		if err != nil {
			bench.err = err
			return
		}
		copies := (10000 + len(small) - 1) / len(small)
		big := replicate(b, ds, copies, b.TempDir())
		if bench.r, bench.err = r.WithData(big); bench.err != nil {
			return
		}
		bench.ids, bench.err = bench.r.OnStaff(time.Time{}, "")
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.r, bench.ids
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecommend10k scores every incentive for about 10,000 employees (features, both
// classifiers, the performance and cost models, reasons for the top three) per iteration.
func BenchmarkRecommend10k(b *testing.B) {
	r, ids := benchRecommender(b)
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := r.Recommend(context.Background(), ids, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time (all threads, GC included) says more than wall time on a shared machine.
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(len(ids)), "employees")
	b.ReportMetric(float64(len(ids))*float64(b.N)/b.Elapsed().Seconds(), "employees/s")
}

var benchTrainDir = flag.String("incentive.train-dir", "", "BenchmarkTrain: train on the company in this directory (e.g. var/big) instead of the default company")

// BenchmarkTrain trains every incentive model (preference, attrition, performance, costs;
// the employee index included, loading the tables not) on the default company, or on
// -incentive.train-dir.
func BenchmarkTrain(b *testing.B) {
	var ds *datasets.Dataset
	if *benchTrainDir != "" {
		var err error
		if ds, _, err = datasets.Load(*benchTrainDir, datasets.WithTables(features.EmployeeTables...)); err != nil {
			b.Fatal(err)
		}
	} else {
		_, ds, _ = defaultCompany(b)
	}
	cpu0 := cpuTime()
	var r *Recommender
	for b.Loop() {
		var err error
		if r, err = Train(context.Background(), ds, DefaultConfig(), TrainOptions{Seed: trainSeed}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(r.Summary().ChosenRewards), "choices")
	b.ReportMetric(float64(r.Summary().AttritionSnapshots), "snapshots")
}
