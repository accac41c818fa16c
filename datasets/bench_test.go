package datasets

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// benchRows is the size of the benchmark file: by default large enough that per-file costs
// vanish and small enough for go test -bench on a laptop; bench/import.sh sets
// GROWTHLENS_BENCH_ROWS=1000000 to measure Load on a million rows.
var benchRows = func() int {
	if n, err := strconv.Atoi(os.Getenv("GROWTHLENS_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 200_000
}()

var benchOnce struct {
	sync.Once
	dir string
	err error
}

// benchData writes benchRows made-up opportunities, shaped like bench/gen-opportunities.awk.
func benchData(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "growthlens-bench-")
		if err != nil {
			benchOnce.err = err
			return
		}
		benchOnce.dir = dir
		f, err := os.Create(filepath.Join(dir, "opportunities.csv"))
		if err != nil {
			benchOnce.err = err
			return
		}
		defer f.Close()
		w := bufio.NewWriter(f)
		writeBenchOpportunities(w, benchRows)
		benchOnce.err = w.Flush()
	})
	if benchOnce.err != nil {
		b.Fatal(benchOnce.err)
	}
	return benchOnce.dir
}

func writeBenchOpportunities(w io.Writer, n int) {
	rng := rand.New(rand.NewPCG(7, 7))
	products := []string{"GTX Basic", "GTX Pro", "MG Special", "MG Advanced", "GTK 500"}
	regions := []string{"East", "West", "Central", "North"}
	fmt.Fprintln(w, "opportunity_id,account_id,owner_id,team_id,product,region,stage,created_date,closed_date,amount")
	for i := 1; i <= n; i++ {
		owner := rng.IntN(10000)
		stage := Stages[rng.IntN(len(Stages))]
		y, m, d := 2019+rng.IntN(5), 1+rng.IntN(12), 1+rng.IntN(28)
		closed, amount := "", ""
		if stage == "won" || stage == "lost" {
			closed = fmt.Sprintf("%04d-%02d-%02d", y, m, d+rng.IntN(29-d))
			amount = "0"
			if stage == "won" {
				amount = fmt.Sprintf("%.2f", 100+rng.Float64()*50000)
			}
		} else if rng.IntN(2) == 0 {
			amount = fmt.Sprintf("%.2f", 100+rng.Float64()*50000)
		}
		fmt.Fprintf(w, "O%08d,A%05d,E%05d,T%03d,%s,%s,%s,%04d-%02d-%02d,%s,%s\n", i, rng.IntN(50000), owner, owner/25,
			products[rng.IntN(len(products))], regions[owner%4], stage, y, m, d, closed, amount)
	}
}

// BenchmarkImport imports a canonical opportunities file with an identity mapping.
func BenchmarkImport(b *testing.B) {
	dir := benchData(b)
	m, err := ParseMapping([]byte("tables: {opportunities: {source: opportunities.csv}}"))
	if err != nil {
		b.Fatal(err)
	}
	out := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		rep, err := Import(m, []string{filepath.Join(dir, "opportunities.csv")}, ImportOptions{Out: out})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Tables["opportunities"].Imported != benchRows {
			b.Fatalf("imported %d rows", rep.Tables["opportunities"].Imported)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLoad loads the same file into typed rows.
func BenchmarkLoad(b *testing.B) {
	dir := benchData(b)
	b.ResetTimer()
	for b.Loop() {
		ds, _, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if len(ds.Opportunities) != benchRows {
			b.Fatalf("loaded %d rows", len(ds.Opportunities))
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkCSVReader and BenchmarkEncodingCSV split the same file into records: ours against
// the standard library's reader with ReuseRecord, the reference for plain CSV parsing in Go.
func BenchmarkCSVReader(b *testing.B) {
	data := benchBytes(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := newCSVReader(bytes.NewReader(data), 0)
		var rec csvRecord
		n := 0
		for r.next(&rec) == nil {
			n++
		}
		if n != benchRows+1 {
			b.Fatalf("%d records", n)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkEncodingCSV(b *testing.B) {
	data := benchBytes(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		r.ReuseRecord = true
		n := 0
		for {
			_, err := r.Read()
			if err != nil {
				break
			}
			n++
		}
		if n != benchRows+1 {
			b.Fatalf("%d records", n)
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

func benchBytes(b *testing.B) []byte {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(benchData(b), "opportunities.csv"))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// TestMain removes the benchmark data, which lives outside any test's temporary directory
// because several benchmarks share it.
func TestMain(m *testing.M) {
	code := m.Run()
	if benchOnce.dir != "" {
		os.RemoveAll(benchOnce.dir)
	}
	os.Exit(code)
}
