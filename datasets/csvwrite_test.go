package datasets

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"testing"
)

// TestRecordWriterMatchesEncodingCSV writes tricky and random records with both writers.
func TestRecordWriterMatchesEncodingCSV(t *testing.T) {
	recs := [][]string{
		{"", "a", `\.`, `\.x`, " lead", "\u00a0nbsp", "\u2003em", "trail ", `q"uote`, `""`, "a,b", "l1\nl2", "cr\r", "\r\n", "ü", "\xff"},
		{""},
		{"", ""},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", ",", `"`, "\r", "\n", " ", "\t", "é", "\u00a0", `\`, "."}
	for range 2000 {
		rec := make([]string, 1+rng.IntN(4))
		for i := range rec {
			for range rng.IntN(5) {
				rec[i] += alphabet[rng.IntN(len(alphabet))]
			}
		}
		recs = append(recs, rec)
	}
	var want, got bytes.Buffer
	cw := csv.NewWriter(&want)
	bw := bufio.NewWriter(&got)
	rw := recordWriter{w: bw}
	for _, r := range recs {
		if err := cw.Write(r); err != nil {
			t.Fatal(err)
		}
		if err := rw.write(r); err != nil {
			t.Fatal(err)
		}
	}
	cw.Flush()
	bw.Flush()
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		g, w := got.String(), want.String()
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("outputs differ at byte %d: ours %q, encoding/csv %q", i, g[max(0, i-20):min(len(g), i+20)], w[max(0, i-20):min(len(w), i+20)])
			}
		}
		t.Fatalf("outputs differ in length: %d vs %d", len(g), len(w))
	}
}
