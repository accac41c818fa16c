package serve

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/growthlens/growthlens/datasets"
	"github.com/growthlens/growthlens/internal/atomicfile"
)

// Data upload: PUT /v1/data/{table} takes one canonical table as a CSV body (text/csv) or as
// the "file" part of a multipart form, reads it with the same validating reader as
// `growthlens import` and datasets.Load, writes the valid rows in canonical column order to
// a temporary file beside the tenant's table and renames it into place (fsync of the file
// and the directory), so that training and the models never see half a table. Rejected rows
// go to <table>.rejects.csv beside it with their reasons, and the first of them are in the
// response as file:line: column: reason. With strict=true any rejected row refuses the whole
// upload (422) and nothing is written. An upload in which every row is rejected, or that has
// no rows, is always refused: it would replace the table with an empty one.

type problemJSON struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

type uploadResponse struct {
	Table       string               `json:"table"`
	File        string               `json:"file"`
	Counts      datasets.TableCounts `json:"counts"`
	Problems    []problemJSON        `json:"problems"`
	Warnings    []string             `json:"warnings"`
	RejectsFile string               `json:"rejects_file,omitempty"`
	Bytes       int64                `json:"bytes"`
	Dataset     map[string]any       `json:"dataset"`
	Next        string               `json:"next"`
}

func (s *Server) putData(c *gin.Context, rq *call) error {
	name := c.Param("table")
	table, ok := datasets.Lookup(name)
	if !ok {
		names := make([]string, len(datasets.Tables))
		for i, t := range datasets.Tables {
			names[i] = t.Name
		}
		return errorf(ENotFound, "table", "%q is not a canonical table: want one of %s", truncate(name, 32), strings.Join(names, ", "))
	}
	rq.target = "data/" + table.Name
	strict, err := queryBool(rq.query, "strict", false)
	if err != nil {
		return err
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
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	file := table.Name + ".csv"
	tmp, err := atomicfile.Create(filepath.Join(dir, file), 0o600)
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	defer tmp.Abort()
	rejTmp := tmp.Name() + ".rejects"
	defer os.Remove(rejTmp)
	rw := datasets.NewRejectWriter(rejTmp)
	tr, err := datasets.NewTableReader(body, table, datasets.ReadOptions{File: file, OnReject: rw.Write})
	if err != nil {
		return uploadError(err)
	}
	bw := bufio.NewWriterSize(tmp, 256<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write(table.Header()); err != nil {
		return err
	}
	for tr.Next() {
		if err := cw.Write(tr.Record()); err != nil {
			return fmt.Errorf("upload: %w", err)
		}
	}
	if err := tr.Err(); err != nil {
		return uploadError(err)
	}
	if err := rw.Close(); err != nil {
		return fmt.Errorf("upload rejects: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	rep := tr.Report()
	resp := uploadResponse{Table: table.Name, File: file, Counts: rep.TableCounts, Problems: []problemJSON{}, Warnings: []string{}}
	for _, p := range rep.Problems {
		resp.Problems = append(resp.Problems, problemJSON{File: p.File, Line: p.Line, Column: p.Column, Reason: p.Reason, Text: p.String()})
	}
	for _, w := range tr.Warnings() {
		resp.Warnings = append(resp.Warnings, w.String())
	}
	rq.detail = fmt.Sprintf("read %d, imported %d, rejected %d", rep.Read, rep.Imported, rep.Rejected)
	switch {
	case rep.Read == 0:
		s.metrics.uploads.WithLabelValues(rq.key.Tenant, table.Name, "invalid").Inc()
		return errorf(EInvalidData, "body", "%s has a header but no rows: nothing was written", file)
	case rep.Imported == 0:
		s.metrics.uploads.WithLabelValues(rq.key.Tenant, table.Name, "invalid").Inc()
		return errorf(EInvalidData, "body", "every one of the %d rows was rejected, nothing was written; the first: %s", rep.Read, firstProblems(rep.Problems, 3))
	case strict && rep.Rejected > 0:
		s.metrics.uploads.WithLabelValues(rq.key.Tenant, table.Name, "invalid").Inc()
		return errorf(EInvalidData, "body", "%d of %d rows rejected and strict=true, nothing was written; the first: %s", rep.Rejected, rep.Read, firstProblems(rep.Problems, 3))
	}
	st, err := tmp.Stat()
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	resp.Bytes = st.Size()
	if err := tmp.Commit(); err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	rejects := filepath.Join(dir, table.Name+".rejects.csv")
	if rw.Count() > 0 {
		if err := os.Rename(rejTmp, rejects); err != nil {
			return fmt.Errorf("upload rejects: %w", err)
		}
		resp.RejectsFile = filepath.Base(rejects)
	} else if err := os.Remove(rejects); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("upload: %w", err)
	}
	if err := atomicfile.SyncDir(dir); err != nil { // the rejects file's rename or removal
		return fmt.Errorf("upload: %w", err)
	}
	s.metrics.uploads.WithLabelValues(rq.key.Tenant, table.Name, "ok").Inc()
	s.log.Info("table uploaded", "tenant", rq.key.Tenant, "table", table.Name, "rows", rep.Imported, "rejected", rep.Rejected, "request_id", rq.id)
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
	return nil, errorf(EMediaType, "Content-Type", "%q: send text/csv or multipart/form-data", truncate(mt, 64))
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
