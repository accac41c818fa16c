//go:build !unix

package registry

import (
	"os"
	"path/filepath"
)

func freeBytes(dir string) (int64, bool) { return 0, false }

func usedBytes(dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if fi, err := os.Lstat(filepath.Join(dir, e.Name())); err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
	}
	return n
}
