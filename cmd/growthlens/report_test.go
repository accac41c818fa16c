package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/growthlens/growthlens/internal/numfmt"
	"github.com/growthlens/growthlens/internal/readable"
	"github.com/growthlens/growthlens/models/registry"
)

func TestReportWritesTheReviewPage(t *testing.T) {
	dir := t.TempDir()
	data, store := filepath.Join(dir, "data"), filepath.Join(dir, "store")
	mustRun := cliRunner(t)
	mustRun("generate", "--out", data, "--employees", "40", "--years", "3", "--regions", "North,South")
	mustRun("train", "--data", data, "--store", store, "--tenant", "acme")

	out := filepath.Join(dir, "review.html")
	var got struct {
		Out, Tenant, Quarter, Assessed, Lang string
		Bytes                                int
		Missing                              map[string]string
	}
	if err := json.Unmarshal([]byte(mustRun("report", "--store", store, "--data", data, "--tenant", "acme", "--quarter", "2026q3",
		"--lang", "zh", "--out", out, "--json")), &got); err != nil {
		t.Fatal(err)
	}
	if got.Out != out || got.Quarter != "2026Q3" || got.Assessed != "2026Q3" || got.Lang != "zh" || len(got.Missing) != 0 {
		t.Errorf("report said %+v", got)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if len(b) != got.Bytes || !strings.Contains(page, `<html lang="zh-CN">`) || strings.Count(page, "<svg ") != 6 || strings.Contains(page, "<form") {
		t.Errorf("report file: %d bytes (said %d), zh %v, %d charts, form %v", len(b), got.Bytes,
			strings.Contains(page, `lang="zh-CN"`), strings.Count(page, "<svg "), strings.Contains(page, "<form"))
	}

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no out", []string{"report", "--store", store, "--data", data, "--tenant", "acme"}, "--out is required"},
		{"bad quarter", []string{"report", "--store", store, "--data", data, "--tenant", "acme", "--quarter", "1999Q1", "--out", out}, "--quarter"},
		{"bad lang", []string{"report", "--store", store, "--data", data, "--tenant", "acme", "--lang", "fr", "--out", out}, "--lang"},
		{"bad scenario", []string{"report", "--store", store, "--data", data, "--tenant", "acme", "--spend", "-100", "--out", out}, "--spend"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := runCLI(t, c.args...)
			var ee exitError
			if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want a usage error naming %s", err, c.want)
			}
		})
	}
	if _, _, err := runCLI(t, "report", "--store", filepath.Join(dir, "nostore"), "--data", data, "--out", out); err == nil || !strings.Contains(err.Error(), "--store") {
		t.Errorf("missing store: err = %v", err)
	}
	if _, _, err := runCLI(t, "report", "--store", store, "--data", data, "--tenant", "nobody", "--out", out); err == nil || !strings.Contains(err.Error(), "train first") {
		t.Errorf("tenant without models: err = %v", err)
	}

	// growthlens forecast reads the same store (one training serves both tests).
	t.Run("forecast", func(t *testing.T) {
		var fc forecastOut
		if err := json.Unmarshal([]byte(mustRun("forecast", "--store", store, "--tenant", "acme", "--pipeline", "--json")), &fc); err != nil {
			t.Fatal(err)
		}
		if fc.Scope != "company" || len(fc.Mean) != 4 || len(fc.Upper95) != 4 || fc.Pipeline == nil || len(fc.Pipeline.Splits) != 2 {
			t.Fatalf("forecast --pipeline --json: %+v", fc)
		}
		for h, s := range fc.Pipeline.Splits {
			if s.Period != fc.Periods[h] || !(s.Open > 0) || !(s.NotCreated > 0) || !(fc.Lower80[h] < fc.Mean[h] && fc.Mean[h] < fc.Upper80[h]) {
				t.Errorf("%s: split %+v, forecast %v in [%v, %v]", fc.Periods[h], s, fc.Mean[h], fc.Lower80[h], fc.Upper80[h])
			}
		}
		text := mustRun("forecast", "--store", store, "--tenant", "acme", "--scope", "region:North", "--pipeline")
		if !strings.Contains(text, "region:North revenue forecast") || !strings.Contains(text, "not yet created") || !strings.Contains(text, fc.Periods[1]) {
			t.Errorf("forecast --scope region:North --pipeline printed:\n%s", text)
		}
		// A target for the first forecast quarter: the forecast shows it, the chance of reaching
		// it (the API's hit_probability) and money with the data's currency.
		f, err := os.OpenFile(filepath.Join(data, "targets.csv"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(f, "%s,company,,revenue,%.0f\n", fc.Periods[0], fc.Mean[0])
		f.Close()
		var withTarget forecastOut
		if err := json.Unmarshal([]byte(mustRun("forecast", "--store", store, "--tenant", "acme", "--data", data, "--json")), &withTarget); err != nil {
			t.Fatal(err)
		}
		if withTarget.Currency != "CNY" || withTarget.Target[0] == nil || *withTarget.Target[0] != math.Round(fc.Mean[0]) || withTarget.HitProbability[0] == nil ||
			!(*withTarget.HitProbability[0] > 0.3 && *withTarget.HitProbability[0] < 0.7) || withTarget.Target[1] != nil {
			t.Errorf("forecast with a target at its own mean: %+v", withTarget)
		}
		text = mustRun("forecast", "--store", store, "--tenant", "acme", "--data", data)
		for _, want := range []string{numfmt.Money(*withTarget.Target[0], "CNY"), numfmt.Percent(*withTarget.HitProbability[0]), numfmt.Money(fc.Mean[0], "CNY")} {
			if !strings.Contains(text, want) {
				t.Errorf("forecast printed no %q:\n%s", want, text)
			}
		}
		for _, p := range readable.Problems(text, false) {
			t.Errorf("forecast: %s", p)
		}
		for _, bad := range []string{"region", "city:X", "region:Atlantis"} {
			_, _, err := runCLI(t, "forecast", "--store", store, "--tenant", "acme", "--scope", bad)
			var ee exitError
			if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), "--scope") {
				t.Errorf("--scope %s: err = %v, want a usage error", bad, err)
			}
		}
	})

	// growthlens adjust keeps a GM's figure beside the model's, audited (same store again).
	t.Run("adjust", func(t *testing.T) {
		var fc forecastOut
		if err := json.Unmarshal([]byte(mustRun("forecast", "--store", store, "--tenant", "acme", "--json")), &fc); err != nil {
			t.Fatal(err)
		}
		q := fc.Periods[0]
		text := mustRun("adjust", "set", "region:North", strings.ToLower(q), "1234567", "--note", "a big order", "--store", store, "--tenant", "acme", "--data", data)
		if !strings.Contains(text, "region:North "+q+": 1,235,000 CNY (was none; model ") || !strings.Contains(text, "note: a big order") {
			t.Errorf("adjust set printed %q", text)
		}
		mustRun("adjust", "set", "region:North", q, "1300000", "--note", "bigger", "--store", store, "--tenant", "acme", "--data", data)
		if out := mustRun("forecast", "--scope", "region:North", "--store", store, "--tenant", "acme", "--data", data); !strings.Contains(out, "1,300,000 CNY (bigger)") {
			t.Errorf("forecast shows no manager's figure:\n%s", out)
		}
		var list struct {
			Currency    string `json:"currency"`
			Adjustments []struct {
				Scope, Quarter string
				Revenue        float64
				Version        int
				SetBy          string `json:"set_by"`
			} `json:"adjustments"`
		}
		if err := json.Unmarshal([]byte(mustRun("adjust", "list", "--store", store, "--tenant", "acme", "--data", data, "--json")), &list); err != nil {
			t.Fatal(err)
		}
		if list.Currency != "CNY" || len(list.Adjustments) != 1 || list.Adjustments[0].Revenue != 1300000 || list.Adjustments[0].Version != 2 ||
			!strings.HasPrefix(list.Adjustments[0].SetBy, "cli:") {
			t.Errorf("adjust list: %+v", list)
		}
		for _, bad := range [][]string{
			{"adjust", "set", "region:Atlantis", q, "5", "--note", "x"},
			{"adjust", "set", "region:North", "2001Q1", "5", "--note", "x"},
			{"adjust", "set", "region:North", q, "-5", "--note", "x"},
			{"adjust", "set", "region:North", q, "5"},
			{"adjust", "set", "city:X", q, "5", "--note", "x"},
			{"adjust", "withdraw", "company", q},
		} {
			_, _, err := runCLI(t, append(bad, "--store", store, "--tenant", "acme", "--data", data)...)
			var ee exitError
			if !errors.As(err, &ee) || ee.code != 2 {
				t.Errorf("%v: err = %v, want a usage error", bad, err)
			}
		}
		if out := mustRun("adjust", "withdraw", "region:North", q, "--store", store, "--tenant", "acme", "--data", data); !strings.Contains(out, "withdrawn (was 1,300,000 CNY)") {
			t.Errorf("withdraw printed %q", out)
		}
		if out := mustRun("adjust", "list", "--store", store, "--tenant", "acme"); !strings.Contains(out, "no forecast adjustment") {
			t.Errorf("after withdrawing: %q", out)
		}
		st, err := registry.Open(store, registry.Options{MustExist: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		page, err := st.AuditLog(registry.AuditQuery{Tenant: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range page.Entries {
			if strings.HasPrefix(e.Action, "forecast.adjust") && e.Outcome == "ok" {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d audited adjustments, want 3 (two sets, one withdrawal)", n)
		}
	})
}
