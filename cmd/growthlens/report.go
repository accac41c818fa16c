package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/internal/atomicfile"
	"github.com/growthlens/growthlens/models/registry"
	"github.com/growthlens/growthlens/serve/review"
)

func newReportCmd(a *app) *cobra.Command {
	var (
		sf                       storeFlags
		data, quarter, out, lang string
		spendPct, responsePct    float64
	)
	cmd := &cobra.Command{
		Use:   "report --quarter 2026Q4 [--tenant T] [--store DIR] [--data DIR] --out review.html",
		Short: "Write the quarterly review page as one self-contained HTML file (for e-mail)",
		Long: `report writes the general manager's quarterly review — the same page the server shows at
/review — as one HTML file with its styles and SVG charts inline and no scripts: the revenue
forecast with its 80 % and 95 % intervals, actual against target, year-on-year growth split
by driver, a what-if on marketing spend and first-response time (--spend, --response), the
causes of the gap to target with the role responsible, the suggested indicators per role,
the incentive recommendations by team, and the forecast's backtest accuracy.

It reads the tenant's champion models from the store and its dataset from --data. Only one
process may open a store: while ` + "`growthlens serve`" + ` holds it, sign in to its /review page
instead, or stop it first.`,
		Example: `  growthlens report --quarter 2026Q4 --out review.html
  growthlens report --quarter 2026Q3 --tenant acme --store var/store --data var/tenants/acme --lang zh --out review-zh.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErr("--out is required (the HTML file to write)")
			}
			if lang != review.LangEN && lang != review.LangZH {
				return usageErr("--lang %q: want en or zh", lang)
			}
			sc := review.Scenario{SpendPercent: spendPct, ResponsePercent: responsePct}
			if err := sc.Validate(); err != nil {
				return usageErr("--spend/--response: %v", err)
			}
			st, err := openStoreDirect(a, sf, "the server shows the same page at /review")
			if err != nil {
				return err
			}
			defer st.Close()
			in, err := review.Load(st, sf.tenant, data)
			if err != nil {
				return err
			}
			p, err := review.Build(cmd.Context(), in, quarter, sc)
			if errors.Is(err, review.ErrQuarter) {
				return usageErr("--quarter: %v", err)
			}
			if err != nil {
				return fmt.Errorf("build the review of tenant %s: %w", sf.tenant, err)
			}
			for _, s := range review.Sections {
				if why := p.Missing[s]; why != "" {
					a.log.Warn("section left out", "section", s, "why", why)
				}
			}
			var buf bytes.Buffer
			if err := review.Render(&buf, p, review.Options{Lang: lang, Static: true}); err != nil {
				return fmt.Errorf("render: %w", err)
			}
			if err := atomicfile.Write(out, 0o600, func(w io.Writer) error { _, err := w.Write(buf.Bytes()); return err }); err != nil {
				return fmt.Errorf("write report: %w", err)
			}
			if sf.asJSON {
				return printJSON(a.stdout, map[string]any{"out": out, "tenant": sf.tenant, "quarter": p.Quarter, "assessed": p.Assessed,
					"lang": lang, "bytes": buf.Len(), "missing": p.Missing})
			}
			fmt.Fprintf(a.stdout, "wrote %s: the %s review of %s (%d bytes)\n", out, p.Quarter, sf.tenant, buf.Len())
			return nil
		},
	}
	addStoreFlags(cmd, &sf, true)
	fl := cmd.Flags()
	fl.StringVar(&data, "data", envOr("GROWTHLENS_DATA", "var/default"), "the tenant's dataset directory (targets, HR data; env GROWTHLENS_DATA)")
	fl.StringVar(&quarter, "quarter", "", "quarter under review, e.g. 2026Q4 (default: the first forecast quarter)")
	fl.StringVar(&out, "out", "", "HTML file to write (required)")
	fl.StringVar(&lang, "lang", review.LangEN, "language of the labels: en or zh")
	fl.Float64Var(&spendPct, "spend", review.DefaultScenario.SpendPercent, "what-if: marketing spend change in percent")
	fl.Float64Var(&responsePct, "response", review.DefaultScenario.ResponsePercent, "what-if: first-response time change in percent (negative is faster)")
	return cmd
}

// openStoreDirect opens the store itself (commands that read model artifacts, which the admin
// socket does not serve); when a running server holds it, the error says what to ask the
// server instead (inUseHint).
func openStoreDirect(a *app, sf storeFlags, inUseHint string) (*registry.Store, error) {
	key, err := registry.LoadKey(registry.EnvEncryptionKey, sf.keyFile)
	if err != nil {
		return nil, err
	}
	st, err := registry.Open(sf.dir, registry.Options{EncryptionKey: key, MustExist: true, Logger: a.log})
	var inUse *registry.InUseError
	switch {
	case errors.Is(err, registry.ErrNoStore):
		return nil, fmt.Errorf("%w (set --store or %s; growthlens train creates it)", err, envStore)
	case errors.As(err, &inUse):
		return nil, fmt.Errorf("%w (%s)", err, inUseHint)
	case err != nil:
		return nil, err
	}
	return st, nil
}
