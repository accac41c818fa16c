package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/growthlens/growthlens/datasets"
	"github.com/spf13/cobra"
)

// exitNoRows is the exit code of an import in which a table of the mapping imported no row
// (every row rejected, or a source with a header and nothing under it): the output is not a
// usable table, and a script must not carry on as if it were.
const exitNoRows = 3

func newImportCmd(a *app) *cobra.Command {
	var (
		mappingPath, out, into, mode string
		asJSON, dryRun               bool
		maxRecord, skipRows          int
		maxRejectShare               float64
	)
	cmd := &cobra.Command{
		Use:   "import --mapping FILE (--out DIR | --into DIR [--mode upsert|append|replace]) [--json] SOURCE...",
		Short: "Import a CRM, ERP or spreadsheet export into canonical tables with a mapping",
		Long: `import reads the SOURCE files (CSV or XLSX; a directory stands for the files in it) and
writes the canonical tables the mapping describes.

With --out DIR it writes DIR/<table>.csv, replacing what is there, and DIR/<table>.rejects.csv
holding every rejected row with its reason when there are any. With --into DIR it merges the
rows into the dataset in DIR by each table's key: --mode upsert (the default) replaces the rows
whose key arrives and keeps the others, append adds new keys only (a known key is a reject),
replace makes the arriving rows the whole table. An upsert or replace in which more than
--max-reject-share of the rows (default 1 %) is rejected writes nothing at all; --dry-run
prints what would change without writing.

The mapping (YAML or JSON) renames columns, maps values, parses number and date formats
(several layouts per column), names the encoding of CSV files (utf-8, gbk, gb18030, utf-16),
picks XLSX sheets, fills constants and joins lookup files; docs/import.md documents it and
docs/examples/mappings/maven-crm.yaml is a commented example. Title rows above the header are found and skipped
(or say --skip-rows N). Every row read is imported, rejected with a reason, or merged as an
exact repeat: read = imported + rejected + merged. Rejects are listed as
file:line: column: reason on stderr (the first few per table); values a number format
rewrote are listed in DIR/<table>.changes.csv.

It prints the counts per table (read, imported, rejected, merged, warnings), or with --json
one object {"tables":{"<table>":{"read":N,"imported":N,"rejected":N,"warnings":N,...}}}.
The same input gives byte-identical output.

Exit codes: 0 done; 1 failure (a file that cannot be read, an invalid mapping, a merge
refused over the reject limit); 2 usage; 3 a table of the mapping imported no row.`,
		Example: `  growthlens import --mapping docs/examples/mappings/maven-crm.yaml --out var/maven ../shared/data/crm-pipeline
  growthlens import --mapping hr.yaml --into var/acme --mode upsert exports/2024-06-30/
  growthlens import --mapping hr.yaml --into var/acme --dry-run --json exports/2024-06-30/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (out == "") == (into == "") {
				return usageError(errors.New("give one of --out DIR (write the tables) and --into DIR (merge into a dataset)"))
			}
			mm, err := datasets.ParseMergeMode(mode)
			if err != nil {
				return usageError(err)
			}
			if into == "" && (cmd.Flags().Changed("mode") || dryRun || cmd.Flags().Changed("max-reject-share")) {
				return usageError(errors.New("--mode, --dry-run and --max-reject-share apply to --into"))
			}
			if !(maxRejectShare > 0 && maxRejectShare <= 1) {
				return usageError(fmt.Errorf("--max-reject-share %g: want a share above 0, at most 1", maxRejectShare))
			}
			m, err := datasets.ReadMapping(mappingPath)
			if err != nil {
				return err
			}
			opts := datasets.ImportOptions{Out: out, MaxRecordBytes: maxRecord}
			if cmd.Flags().Changed("skip-rows") {
				if skipRows < 0 {
					return usageError(fmt.Errorf("--skip-rows %d: want 0 or more", skipRows))
				}
				opts.SkipRows = &skipRows
			}
			if into == "" {
				rep, err := datasets.Import(m, args, opts)
				if err != nil {
					return err
				}
				if err := rep.WriteProblems(a.stderr); err != nil {
					return err
				}
				if asJSON {
					if err := json.NewEncoder(a.stdout).Encode(rep); err != nil {
						return err
					}
				} else if err := rep.WriteTable(a.stdout); err != nil {
					return fmt.Errorf("print counts: %w", err)
				}
				return noRows(rep)
			}
			return importInto(a, m, args, opts, into, datasets.MergeOptions{Mode: mm, DryRun: dryRun, MaxRejectShare: maxRejectShare}, asJSON)
		},
	}
	f := cmd.Flags()
	f.StringVar(&mappingPath, "mapping", "", "mapping file (YAML or JSON) describing the export (required)")
	f.StringVar(&out, "out", "", "directory to write the canonical tables to (created if missing; its tables are replaced)")
	f.StringVar(&into, "into", "", "dataset directory to merge the rows into, by each table's key")
	f.StringVar(&mode, "mode", "upsert", "with --into: upsert, append or replace")
	f.BoolVar(&dryRun, "dry-run", false, "with --into: print what would change, write nothing")
	f.Float64Var(&maxRejectShare, "max-reject-share", datasets.DefaultMaxRejectShare, "with --into: an upsert or replace with a larger share of rejected rows writes nothing")
	f.IntVar(&skipRows, "skip-rows", 0, "rows above the header of every source whose mapping does not say (default: find the header)")
	addOutputFlags(f, &asJSON, "the counts as one JSON object")
	f.IntVar(&maxRecord, "max-record-bytes", datasets.DefaultMaxRecordBytes, "reject CSV records longer than this many bytes")
	cmd.MarkFlagRequired("mapping")
	return cmd
}

// noRows returns an exit error naming the tables of the report that imported no row.
func noRows(rep *datasets.Report) error {
	var empty []string
	for name, tr := range rep.Tables {
		if tr.Imported == 0 {
			empty = append(empty, fmt.Sprintf("%s (%d read, %d rejected)", name, tr.Read, tr.Rejected))
		}
	}
	if len(empty) == 0 {
		return nil
	}
	slices.Sort(empty)
	return exitError{code: exitNoRows, err: fmt.Errorf("no row imported into %s", strings.Join(empty, ", "))}
}

// importInto imports the sources into a scratch directory beside into, then merges each table
// into into. Every table is merged as a dry run first: when any merge would be refused,
// nothing is written.
func importInto(a *app, m *datasets.Mapping, sources []string, opts datasets.ImportOptions, into string, mo datasets.MergeOptions, asJSON bool) error {
	if err := os.MkdirAll(into, 0o755); err != nil {
		return err
	}
	scratch, err := os.MkdirTemp(into, ".import-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	opts.Out = scratch
	if mo.Mode == datasets.Append {
		opts.Known = map[string]*datasets.TableKeys{}
		for name := range m.Tables {
			t, _ := datasets.Lookup(name)
			if opts.Known[name], err = datasets.ReadKeys(into, t); err != nil {
				return err
			}
		}
	}
	if err := m.CheckSettings(into); err != nil {
		return fmt.Errorf("nothing was written to %s: %w", into, err)
	}
	rep, err := datasets.Import(m, sources, opts)
	if err != nil {
		return err
	}
	if err := rep.WriteProblems(a.stderr); err != nil {
		return err
	}
	merges := map[string]*datasets.MergeResult{}
	var refused []string
	for _, pass := range []bool{true, false} { // a dry run of every table, then the writes
		if !pass && (len(refused) > 0 || mo.DryRun) {
			break
		}
		for _, t := range datasets.Tables {
			tr, ok := rep.Tables[t.Name]
			if !ok || m.Tables[t.Name] == nil {
				continue
			}
			o := mo
			o.DryRun = pass
			res, err := datasets.MergeFile(into, t, filepath.Join(scratch, t.Name+".csv"), tr.TableCounts, o)
			if err != nil {
				return err
			}
			res.DryRun = mo.DryRun
			merges[t.Name] = res
			if pass && res.Refused != "" {
				refused = append(refused, t.Name+": "+res.Refused)
			}
		}
	}
	if len(refused) == 0 && !mo.DryRun {
		if err := m.ApplySettings(into); err != nil {
			return err
		}
		// The rejects and changes files go beside the tables they belong to.
		for name := range merges {
			for _, suffix := range []string{".rejects.csv", ".changes.csv"} {
				dst := filepath.Join(into, name+suffix)
				if err := os.Rename(filepath.Join(scratch, name+suffix), dst); err != nil && !errors.Is(err, os.ErrNotExist) {
					return err
				} else if err != nil {
					os.Remove(dst) // an older file describes an older import
				}
			}
		}
	}
	if asJSON {
		type tableJSON struct {
			*datasets.TableReport
			Merge *datasets.MergeResult `json:"merge"`
		}
		outJSON := struct {
			Into     string               `json:"into"`
			Tables   map[string]tableJSON `json:"tables"`
			Warnings []datasets.Warning   `json:"warnings,omitempty"`
		}{Into: into, Tables: map[string]tableJSON{}, Warnings: rep.Warnings}
		for name, tr := range rep.Tables {
			outJSON.Tables[name] = tableJSON{tr, merges[name]}
		}
		if err := json.NewEncoder(a.stdout).Encode(outJSON); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "table\tread\timported\trejected\tmode\tbefore\tinserted\tupdated\tunchanged\tremoved\tafter\twritten")
		for _, t := range datasets.Tables {
			tr, res := rep.Tables[t.Name], merges[t.Name]
			if tr == nil || res == nil {
				continue
			}
			written := "yes"
			switch {
			case res.Refused != "":
				written = "refused"
			case mo.DryRun:
				written = "dry run"
			case len(refused) > 0:
				written = "no (another table refused)"
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", t.Name, tr.Read, tr.Imported, tr.Rejected, res.Mode,
				res.Before, res.Inserted, res.Updated, res.Unchanged, res.Removed, res.After, written)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if err := noRows(rep); err != nil {
		return exitError{code: exitNoRows, err: fmt.Errorf("nothing was written to %s: %w", into, err)}
	}
	if len(refused) > 0 {
		return fmt.Errorf("nothing was written to %s: %s", into, strings.Join(refused, "; "))
	}
	return nil
}
