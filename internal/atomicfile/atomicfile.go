// Package atomicfile writes files so that a reader, or a crash, sees either the old content
// or the new, never a torn file: the content goes to a temporary file in the same directory,
// which is synced, given its permissions and renamed over the target, and the directory is
// synced so that the rename survives a power cut. The store's marker file, uploads, imported
// tables, backups, reports and every other file growthlens writes in place go through it.
package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a temporary file that becomes its target on Commit, for writers that decide late
// whether to keep what they wrote (an upload kept only if its rows validate). Write to it
// through its *os.File, then Commit or Abort; Abort after Commit does nothing, so
// `defer f.Abort()` is safe.
type File struct {
	*os.File
	path string
	perm fs.FileMode
	done bool
}

// Create starts a file that Commit will put at path with permissions perm. It fails when the
// temporary file cannot be created in path's directory.
func Create(path string, perm fs.FileMode) (*File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	return &File{File: tmp, path: path, perm: perm}, nil
}

// Commit syncs and closes the file, gives it its permissions, renames it over the target and
// syncs the directory. On an error the target is untouched and the temporary file removed.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: " + f.path + " already committed or aborted")
	}
	f.done = true
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), f.perm)
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return SyncDir(filepath.Dir(f.path))
}

// Abort closes and removes the temporary file, leaving the target as it was.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// Write writes path with permissions perm from write, atomically (see the package
// documentation): when write or any step fails, path is left as it was. A path that exists
// and is not a regular file (/dev/null, a pipe) is written directly, since it cannot be
// replaced.
func Write(path string, perm fs.FileMode, write func(w io.Writer) error) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}

// SyncDir syncs a directory, so that the entries renamed or created in it survive a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
