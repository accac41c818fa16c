package serve

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/clip"
)

// Data upload: POST /v1/data/{table}?mode=upsert|append|replace merges one canonical table,
// sent as a CSV body (text/csv) or as the "file" part of a multipart form, into the tenant's
// dataset by the table's key (datasets.Push: the same validating reader as `growthlens import`
// and datasets.Load). Upsert, the default, is what an HR system pushing changes needs: rows
// whose key arrives are replaced, the others stay. PUT is POST with mode=replace. A merge
// whose rejects are more than max_reject_share of the rows (default 1 %; strict=true: any)
// writes nothing, and neither does a push in which no row is valid: a broken export must not
// shrink or blank a table. dry_run=true answers with the counts and rejects and writes
// nothing. The table is replaced by rename (fsync of the file and the directory), so training
// and the models never see half a table; rejected rows go to <table>.rejects.csv beside it.

type problemJSON struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

type uploadResponse struct {
	Table       string                `json:"table"`
	File        string                `json:"file"`
	Counts      datasets.TableCounts  `json:"counts"`
	Merge       *datasets.MergeResult `json:"merge"`
	Problems    []problemJSON         `json:"problems"`
	Warnings    []string              `json:"warnings"`
	RejectsFile string                `json:"rejects_file,omitempty"`
	Bytes       int64                 `json:"bytes"`
	Dataset     map[string]any        `json:"dataset"`
	Next        string                `json:"next"`
}

// putData is POST /v1/data/{table} with mode=replace.
func (s *Server) putData(c *gin.Context, rq *call) error { return s.pushData(c, rq, datasets.Replace) }

// postData merges by the mode the query asks for (upsert by default).
func (s *Server) postData(c *gin.Context, rq *call) error {
	mode, err := datasets.ParseMergeMode(rq.query.Get("mode"))
	if err != nil {
		return invalid("mode", "%q: want upsert, append or replace", clip.String(rq.query.Get("mode"), 32))
	}
	return s.pushData(c, rq, mode)
}

func (s *Server) pushData(c *gin.Context, rq *call, mode datasets.MergeMode) error {
	name := c.Param("table")
	table, ok := datasets.Lookup(name)
	if !ok {
		names := make([]string, len(datasets.Tables))
		for i, t := range datasets.Tables {
			names[i] = t.Name
		}
		return errorf(ENotFound, "table", "%q is not a canonical table: want one of %s", clip.String(name, 32), strings.Join(names, ", "))
	}
	rq.target = "data/" + table.Name
	opts := datasets.PushOptions{File: table.Name + ".csv", MergeOptions: datasets.MergeOptions{Mode: mode}}
	var err error
	if opts.Strict, err = queryBool(rq.query, "strict", false); err != nil {
		return err
	}
	if opts.DryRun, err = queryBool(rq.query, "dry_run", false); err != nil {
		return err
	}
	if share, set, err := queryFloat(rq.query, "max_reject_share"); err != nil {
		return err
	} else if set {
		if !(share > 0 && share <= 1) {
			return invalid("max_reject_share", "%g: want a share above 0, at most 1", share)
		}
		opts.MaxRejectShare = share
	}
	dir := s.cfg.dataDir(rq.key.Tenant)
	if dir == "" {
		return errorf(EUnavailable, "", "the server has no data root: start it with --data-root")
	}
	body, err := uploadBody(c.Request)
	if err != nil {
		return err
	}
	defer body.Close()

	rq.t.dataMu.Lock()
	defer rq.t.dataMu.Unlock()
	res, err := datasets.Push(dir, table, body, opts)
	if err != nil {
		return uploadError(err)
	}
	rep, m := res.Table, res.Merge
	resp := uploadResponse{Table: table.Name, File: opts.File, Counts: rep.TableCounts, Merge: m, Problems: []problemJSON{}, Warnings: []string{}}
	for _, p := range rep.Problems {
		resp.Problems = append(resp.Problems, problemJSON{File: p.File, Line: p.Line, Column: p.Column, Reason: p.Reason, Text: p.String()})
	}
	for _, w := range res.Warnings {
		resp.Warnings = append(resp.Warnings, w.String())
	}
	rq.detail = fmt.Sprintf("%s: read %d, rejected %d; before %d, inserted %d, updated %d, removed %d, after %d",
		m.Mode, rep.Read, rep.Rejected, m.Before, m.Inserted, m.Updated, m.Removed, m.After)
	if m.Refused != "" {
		rq.detail += "; refused: " + m.Refused
		s.metrics.uploads.WithLabelValues(rq.key.Tenant, table.Name, "invalid").Inc()
		msg := "nothing was written: " + m.Refused
		if len(rep.Problems) > 0 {
			msg += "; the first rejects: " + firstProblems(rep.Problems, 3)
		}
		return errorf(EInvalidData, "body", "%s", msg)
	}
	if opts.DryRun {
		rq.detail = "dry run, " + rq.detail
		resp.Dataset = map[string]any{"tables": tablesIn(dir)}
		resp.Next = "send it again without dry_run=true to write it"
		return writeJSON(c, 200, resp)
	}
	if st, err := os.Stat(filepath.Join(dir, opts.File)); err == nil {
		resp.Bytes = st.Size()
	}
	if res.RejectsFile != "" {
		resp.RejectsFile = filepath.Base(res.RejectsFile)
	}
	s.metrics.uploads.WithLabelValues(rq.key.Tenant, table.Name, "ok").Inc()
	s.log.Info("table merged", "tenant", rq.key.Tenant, "table", table.Name, "mode", m.Mode, "rows", m.After,
		"inserted", m.Inserted, "updated", m.Updated, "removed", m.Removed, "rejected", rep.Rejected, "request_id", rq.id)
	// The snapshot picks up the new data in the background: forecasts keep being served
	// from the current one meanwhile.
	s.requestReload(rq.t)
	resp.Dataset = map[string]any{"tables": tablesIn(dir)}
	resp.Next = "POST /v1/training-runs retrains the models on the tenant's data"
	return writeJSON(c, 200, resp)
}

func firstProblems(ps []datasets.Problem, n int) string {
	var parts []string
	for _, p := range ps[:min(n, len(ps))] {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, "; ")
}

// uploadBody returns the table's bytes: the body itself for text/csv, or the "file" part of a
// multipart form. The body is bounded by the route's limit.
func uploadBody(r *http.Request) (io.ReadCloser, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		return nil, errorf(EMediaType, "Content-Type", "send the table as text/csv, or as the \"file\" part of multipart/form-data")
	}
	switch mt {
	case "text/csv", "application/csv":
		return r.Body, nil
	case "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return nil, invalid("Content-Type", "multipart/form-data without a boundary")
		}
		mr := multipart.NewReader(r.Body, boundary)
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil, invalid("file", "the form has no \"file\" part")
			}
			if err != nil {
				var maxErr *http.MaxBytesError
				if errors.As(err, &maxErr) {
					return nil, errorf(ETooLarge, "body", "upload is larger than %d bytes", maxErr.Limit)
				}
				return nil, invalid("body", "malformed multipart form: %v", err)
			}
			if p.FormName() == "file" {
				return p, nil
			}
			p.Close()
		}
	}
	return nil, errorf(EMediaType, "Content-Type", "%q: send text/csv or multipart/form-data", clip.String(mt, 64))
}

// uploadError maps a reader failure to the client's fault: a header without the required
// columns, UTF-16, a record over the size limit, or a body over the upload limit.
func uploadError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return errorf(ETooLarge, "body", "upload is larger than %d bytes", maxErr.Limit)
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return errorf(EInvalidData, "body", "%s", err.Error())
}

type tableFile struct {
	Table    string    `json:"table"`
	File     string    `json:"file"`
	Bytes    int64     `json:"bytes"`
	Modified time.Time `json:"modified"`
}

func tablesIn(dir string) []tableFile {
	out := []tableFile{}
	for _, t := range datasets.Tables {
		st, err := os.Stat(filepath.Join(dir, t.Name+".csv"))
		if err != nil {
			continue
		}
		out = append(out, tableFile{Table: t.Name, File: t.Name + ".csv", Bytes: st.Size(), Modified: st.ModTime().UTC()})
	}
	return out
}

func (s *Server) getData(c *gin.Context, rq *call) error {
	dir := s.cfg.dataDir(rq.key.Tenant)
	sn := rq.t.live.Load()
	ds := map[string]any{"loaded": sn.data != nil && sn.data.ds != nil}
	if sn.data != nil && sn.data.err != "" {
		ds["problem"] = sn.data.err
	}
	tables := []tableFile{}
	if dir != "" {
		tables = tablesIn(dir)
	}
	return writeJSON(c, 200, map[string]any{"tables": tables, "dataset": ds})
}
