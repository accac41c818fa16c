package datasets

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/growthlens/growthlens/internal/atomicfile"
)

// MergeMode says how rows arriving for a table (an HR system's nightly push, a re-import)
// combine with the rows the table holds, matched by the table's key.
type MergeMode string

const (
	// Upsert replaces the rows whose key arrives and adds the others; rows that do not arrive
	// stay. It is what an HR system pushing changes wants, and the default.
	Upsert MergeMode = "upsert"
	// Append adds the rows whose key is new; a row whose key the table holds is rejected.
	Append MergeMode = "append"
	// Replace makes the arriving rows the whole table: rows that do not arrive are removed.
	Replace MergeMode = "replace"
)

// MergeModes lists the modes in the order help texts give them.
var MergeModes = []MergeMode{Upsert, Append, Replace}

// ParseMergeMode reads a mode name; "" is Upsert.
func ParseMergeMode(s string) (MergeMode, error) {
	if s == "" {
		return Upsert, nil
	}
	if m := MergeMode(s); slices.Contains(MergeModes, m) {
		return m, nil
	}
	return "", fmt.Errorf("mode %q: want upsert, append or replace", s)
}

// DefaultMaxRejectShare is the share of rejected rows above which an upsert or replace writes
// nothing: a push with more bad rows than that is more likely a broken export than a few
// typos, and merging its good rows would change the table on the strength of a broken file.
const DefaultMaxRejectShare = 0.01

// MergeOptions configure MergeFile.
type MergeOptions struct {
	Mode MergeMode
	// DryRun computes the counts without writing anything.
	DryRun bool
	// MaxRejectShare refuses an upsert or replace in which more than this share of the rows
	// read was rejected; 0 means DefaultMaxRejectShare. Strict refuses any reject, in any mode.
	MaxRejectShare float64
	Strict         bool
}

// MergeResult says what a merge did (or, with DryRun or when refused, would have done).
type MergeResult struct {
	Mode MergeMode `json:"mode"`
	// Before and After count the table's rows.
	Before int `json:"before"`
	After  int `json:"after"`
	// Inserted counts arriving rows with a new key, Updated those that changed a row,
	// Unchanged those identical to the row they matched, Removed the rows a replace dropped.
	Inserted  int  `json:"inserted"`
	Updated   int  `json:"updated"`
	Unchanged int  `json:"unchanged"`
	Removed   int  `json:"removed"`
	DryRun    bool `json:"dry_run,omitempty"`
	// Written says whether the table file was replaced; Refused says why not, when it was
	// refused.
	Written bool   `json:"written"`
	Refused string `json:"refused,omitempty"`
}

// TableKeys are the keys of a table's rows, with the line of each in its file: what a
// validation pass needs to reject, in Append mode, rows whose key the table already holds.
type TableKeys struct {
	File  string
	lines map[string]int
}

// Len returns the number of keys.
func (k *TableKeys) Len() int {
	if k == nil {
		return 0
	}
	return len(k.lines)
}

func (k *TableKeys) lookup(key string) (int, bool) {
	if k == nil {
		return 0, false
	}
	line, ok := k.lines[key]
	return line, ok
}

// ReadKeys returns the keys of dir/<table>.csv, or empty keys when the file does not exist.
func ReadKeys(dir string, t *Table) (*TableKeys, error) {
	keys := &TableKeys{File: t.Name + ".csv", lines: map[string]int{}}
	err := scanTable(filepath.Join(dir, t.Name+".csv"), t, func(rec []string, line int, key string) error {
		keys.lines[strings.Clone(key)] = line
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return keys, nil
	}
	return keys, err
}

// scanTable calls fn with every row of a canonical table file in canonical column order, its
// line and its key (rec and key are valid during the call). A column the table does not have,
// or a malformed line, is an error: merging would lose it.
func scanTable(path string, t *Table, fn func(rec []string, line int, key string) error) error {
	f, err := OpenFile(path)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := newCSVSource(f, filepath.Base(path), 0, ',', headerRule{})
	if err != nil {
		if errors.Is(err, ErrEmpty) {
			return nil
		}
		return err
	}
	pos := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		pos[i] = slices.Index(src.Header(), c.Name)
	}
	for _, h := range src.Header() {
		if _, _, ok := t.Column(h); !ok {
			return fmt.Errorf("%s has a column %q that table %s does not have: merging would drop it; replace the table instead", src.Name(), h, t.Name)
		}
	}
	chk := newChecker(t)
	rec := make([]string, len(t.Columns))
	var row sourceRow
	for {
		err := src.Next(&row)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if probs := rowProblems(src.Name(), src.Header(), &row, nil); len(probs) > 0 {
			return fmt.Errorf("%s; merging would lose the line: fix it, or replace the table", probs[0])
		}
		for i, j := range pos {
			rec[i] = ""
			if j >= 0 {
				rec[i] = row.fields[j]
			}
		}
		if err := fn(rec, row.line, chk.key(rec)); err != nil {
			return err
		}
	}
}

// MergeFile merges the rows of newFile — a canonical CSV of table t whose rows passed
// validation (as Import and TableReader write them) — into dir/<table>.csv by opts.Mode, and
// writes the result in place of the table (a temporary file, synced and renamed, so that a
// reader never sees half a table), unless opts.DryRun. counts are the validation pass's: a
// merge is refused, writing nothing, when no row passed, or when an upsert or replace had more
// rejects than opts allow; MergeResult.Refused says why.
//
// Upsert keeps the table's row order, replaces matched rows in place and appends new keys in
// their arriving order. Append expects no matched key (TableReader rejects them given the
// table's keys) and fails if one arrives. Replace writes the arriving rows as they are.
func MergeFile(dir string, t *Table, newFile string, counts TableCounts, opts MergeOptions) (*MergeResult, error) {
	mode, err := ParseMergeMode(string(opts.Mode))
	if err != nil {
		return nil, err
	}
	res := &MergeResult{Mode: mode, DryRun: opts.DryRun}
	limit := opts.MaxRejectShare
	if limit == 0 {
		limit = DefaultMaxRejectShare
	}
	switch share := float64(counts.Rejected) / float64(max(counts.Read, 1)); {
	case counts.Imported == 0 && counts.Read == 0:
		res.Refused = "no rows arrived"
	case counts.Imported == 0:
		res.Refused = fmt.Sprintf("every one of the %d rows was rejected", counts.Read)
	case opts.Strict && counts.Rejected > 0:
		res.Refused = fmt.Sprintf("%d of %d rows rejected and strict is set", counts.Rejected, counts.Read)
	case mode != Append && share > limit:
		res.Refused = fmt.Sprintf("%d of %d rows rejected (%.1f %%), more than the %g %% allowed in mode %s: the good rows were not merged either",
			counts.Rejected, counts.Read, 100*share, 100*limit, mode)
	}

	// The arriving rows, by key.
	type arriving struct {
		rec  []string
		used bool
	}
	var rows []arriving
	byKey := map[string]int{}
	err = scanTable(newFile, t, func(rec []string, line int, key string) error {
		if _, dup := byKey[key]; dup {
			return fmt.Errorf("%s:%d: duplicate key %q among the arriving rows", newFile, line, key)
		}
		byKey[strings.Clone(key)] = len(rows)
		rows = append(rows, arriving{rec: slices.Clone(rec)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("merge %s: %w", t.Name, err)
	}

	path := filepath.Join(dir, t.Name+".csv")
	perm := fs.FileMode(0o600) // people's data: the owner only
	if st, err := os.Stat(path); err == nil {
		perm = st.Mode().Perm()
	}
	var out *atomicfile.File
	var fw fileWriter
	var bw *bufio.Writer
	w := recordWriter{}
	write := func(rec []string) error { return nil }
	if res.Refused == "" && !opts.DryRun {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		if out, err = atomicfile.Create(path, perm); err != nil {
			return nil, err
		}
		defer out.Abort()
		if fw, err = writerFor(out); err != nil {
			return nil, err
		}
		bw = bufio.NewWriterSize(fw, 256<<10)
		w.w = bw
		write = w.write
		if err := write(t.Header()); err != nil {
			return nil, err
		}
	}
	err = scanTable(path, t, func(rec []string, line int, key string) error {
		res.Before++
		i, ok := byKey[key]
		switch {
		case !ok:
			if mode == Replace {
				res.Removed++
				return nil
			}
			res.After++
			return write(rec)
		case mode == Append:
			return fmt.Errorf("key %q arrived in append mode but the table holds it (line %d)", key, line)
		}
		rows[i].used = true
		if slices.Equal(rec, rows[i].rec) {
			res.Unchanged++
		} else {
			res.Updated++
		}
		if mode == Replace {
			return nil // written in arriving order below
		}
		res.After++
		return write(rows[i].rec)
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("merge %s: %w", t.Name, err)
	}
	for _, r := range rows {
		if !r.used {
			res.Inserted++
		}
		if mode == Replace || !r.used {
			res.After++
			if err := write(r.rec); err != nil {
				return nil, err
			}
		}
	}
	if res.Refused != "" || opts.DryRun {
		return res, nil
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := fw.Finish(); err != nil {
		return nil, err
	}
	if err := out.Commit(); err != nil {
		return nil, err
	}
	res.Written = true
	return res, nil
}

// PushOptions configure Push.
type PushOptions struct {
	MergeOptions
	// File names the input in messages (default <table>.csv).
	File string
	// MaxRecordBytes bounds one record; 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int
}

// PushResult is what Push read and merged.
type PushResult struct {
	Table TableReport
	// Warnings are the reader's (unknown columns ignored).
	Warnings []Warning
	Merge    *MergeResult
	// RejectsFile is the rejects file written beside the table (see RejectWriter), "" when
	// nothing was rejected or nothing was written.
	RejectsFile string
}

// Push reads a CSV of table t (canonical column names) from r, validates it as Load does, and
// merges the valid rows into dir/<table>.csv as MergeFile does: the path of an HR system's
// upload. In Append mode a row whose key the table holds is rejected with the others. When the
// merge is written the rejected rows go to dir/<table>.rejects.csv (replacing an older one);
// when it is refused, or a dry run, nothing in dir changes. Errors are the reader's (an empty
// input, a header without a required column) and I/O failures.
func Push(dir string, t *Table, r io.Reader, opts PushOptions) (*PushResult, error) {
	mode, err := ParseMergeMode(string(opts.Mode))
	if err != nil {
		return nil, err
	}
	opts.Mode = mode
	var known *TableKeys
	if mode == Append {
		if known, err = ReadKeys(dir, t); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, "."+t.Name+".csv.push-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	rejects := filepath.Join(dir, t.Name+".rejects.csv")
	rw := NewRejectWriter(rejects) // put in place only when the merge writes the table
	defer rw.Abort()
	tr, err := NewTableReader(r, t, ReadOptions{File: cmp.Or(opts.File, t.Name+".csv"), MaxRecordBytes: opts.MaxRecordBytes, OnReject: rw.Write, Known: known})
	if err != nil {
		return nil, err
	}
	fw, err := writerFor(tmp)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(fw, 256<<10)
	w := recordWriter{w: bw}
	if err := w.write(t.Header()); err != nil {
		return nil, err
	}
	for tr.Next() {
		if err := w.write(tr.Record()); err != nil {
			return nil, err
		}
	}
	if err := tr.Err(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := fw.Finish(); err != nil {
		return nil, err
	}
	if err := rw.Flush(); err != nil {
		return nil, err
	}
	res := &PushResult{Table: *tr.Report(), Warnings: tr.Warnings()}
	if res.Merge, err = MergeFile(dir, t, tmp.Name(), res.Table.TableCounts, opts.MergeOptions); err != nil {
		return nil, err
	}
	if !res.Merge.Written {
		return res, nil
	}
	if err := rw.Close(); err != nil {
		return nil, err
	}
	if rw.Count() > 0 {
		res.RejectsFile = rejects
	} else if err := os.Remove(rejects); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return res, atomicfile.SyncDir(dir) // the old rejects file's removal
}
