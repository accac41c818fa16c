//go:build !unix

package registry

import "os"

// lockDir relies on Badger's own directory lock where flock is not available; a second
// opener then gets Badger's error instead of an *InUseError.
func lockDir(dir string) (*os.File, error) { return nil, nil }

func unlockDir(f *os.File) {}
