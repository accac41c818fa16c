// Package shareddata locates the public reference datasets (M3, IBM HR attrition, the Maven
// CRM export, support tickets) that live beside the repository in ../shared/data.
//
// The datasets are never copied into the repository. Tests and benchmarks that need them call
// Dir or Skip; when the folder is absent the test is skipped with a message that says where the
// data was looked for and how to point at it.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// EnvVar overrides where the shared data folder is looked for.
const EnvVar = "GROWTHLENS_SHARED_DATA"

// Dir returns the shared data directory and whether it exists. It honours $GROWTHLENS_SHARED_DATA;
// otherwise it walks up from the working directory to the module root (the directory holding
// go.mod) and looks for ../shared/data beside it.
func Dir() (string, bool) {
	if d := os.Getenv(EnvVar); d != "" {
		return d, isDir(d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "data")
			return d, isDir(d)
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

// Path returns the path of a dataset sub-folder (e.g. "m3") or skips the test with a clear
// message when it is absent.
func Path(tb testing.TB, sub string) string {
	tb.Helper()
	d, ok := Dir()
	p := filepath.Join(d, sub)
	if !ok || !isDir(p) {
		tb.Skipf("shared dataset %q not found (looked in %q); set %s to the folder holding m3/, ibm-hr-attrition/, crm-pipeline/ to run this test", sub, p, EnvVar)
	}
	return p
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
