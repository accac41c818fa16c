package registry

import (
	"os"
	"path/filepath"
)

// usedBytes returns the disk space the regular files directly in dir take (allocated blocks
// where the system says, so that Badger's sparse memory-mapped files count for what they
// hold).
func usedBytes(dir string) int64 {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, e := range entries {
		if fi, err := os.Lstat(filepath.Join(dir, e.Name())); err == nil && fi.Mode().IsRegular() {
			n += allocated(fi)
		}
	}
	return n
}
