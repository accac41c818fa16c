//go:build !unix

package registry

import "os"

// freeBytes is unknown on this system: only the quota guards writes.
func freeBytes(dir string) (int64, bool) { return 0, false }

func allocated(fi os.FileInfo) int64 { return fi.Size() }
