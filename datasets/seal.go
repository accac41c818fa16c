package datasets

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/growthlens/growthlens/internal/atomicfile"
)

// Sealed table files: encryption at rest of the files this package writes (tables, rejects and
// changes files, and the temporary files of a merge or an upload) in a directory given a key
// with Seal. A store encrypted with a key has a data root encrypted with a key derived from it,
// so a copy of the data root alone shows no employee.
//
// A sealed file is the header sealMagic, a 16-byte random salt, then the file's bytes in
// chunks of sealChunk bytes, each sealed with AES-256-GCM under a key derived (HKDF-SHA256)
// from the directory's key and the salt. A chunk's nonce is its number and whether it is the
// last, and the header is authenticated with every chunk, so a changed, reordered, truncated or
// extended file fails to read instead of yielding other rows. The last chunk may be empty.
//
// Reading is transparent: every reader of this package (Load, OpenTable, merges, imports)
// opens files with OpenFile, which decrypts a sealed file with the key of its directory and
// reads a plaintext file as it is. Plaintext tables written before the key was given stay
// readable; SealFiles encrypts them in place (serve does at start).

const (
	sealMagic = "GLSEALv1"
	saltLen   = 16
	sealChunk = 64 << 10
	tagLen    = 16
	hdrLen    = len(sealMagic) + saltLen
)

// keyring maps a cleaned absolute directory to the key derived for its files.
var keyring = struct {
	sync.RWMutex
	dirs map[string][]byte
}{dirs: map[string][]byte{}}

// Seal makes the files this package writes in dir and its subdirectories encrypted, and lets
// them be read back, with a key derived from key (the store's encryption key: 16, 24 or 32
// bytes). The derivation keeps the store key itself out of the data root's reach: knowing
// one file key says nothing about the store. Seal holds for the life of the process; calling
// it again for the same directory replaces the key.
func Seal(dir string, key []byte) error {
	switch len(key) {
	case 16, 24, 32:
	default:
		return fmt.Errorf("seal %s: key of %d bytes: want 16, 24 or 32", dir, len(key))
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("seal %s: %w", dir, err)
	}
	dk, err := hkdf.Key(sha256.New, key, nil, "growthlens data root v1", 32)
	if err != nil {
		return fmt.Errorf("seal %s: %w", dir, err)
	}
	keyring.Lock()
	keyring.dirs[abs] = dk
	keyring.Unlock()
	return nil
}

// Sealed reports whether files written at path are encrypted (Seal was called for its
// directory or one above it).
func Sealed(path string) bool { return keyFor(path) != nil }

// keyFor returns the key of the nearest sealed directory holding path, or nil.
func keyFor(path string) []byte {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	keyring.RLock()
	defer keyring.RUnlock()
	if len(keyring.dirs) == 0 {
		return nil
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		if k, ok := keyring.dirs[d]; ok {
			return k
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// SealedError says that a file is encrypted and no key, or another key, was given for it.
type SealedError struct {
	Path string
	// NoKey is true when no key was given for the file's directory; false when the key given
	// does not open it (another store's key, or the file was changed).
	NoKey bool
}

func (e *SealedError) Error() string {
	if e.NoKey {
		return e.Path + " is encrypted: give the store's encryption key (GROWTHLENS_ENCRYPTION_KEY or --encryption-key-file) to read it"
	}
	return e.Path + " is encrypted and does not open with the key given: another store's key, or the file was changed or cut short"
}

// File is a file opened with OpenFile: its bytes as written, decrypted when it was sealed.
type File struct {
	r    io.Reader
	f    *os.File
	size int64
}

func (f *File) Read(p []byte) (int, error) { return f.r.Read(p) }

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// Size returns the number of bytes Read yields (for a sealed file, the plaintext's).
func (f *File) Size() int64 { return f.size }

// OpenFile opens a file for reading, decrypting it when it is sealed (see Seal); a plaintext
// file is read as it is. It returns a *SealedError for a sealed file whose directory has no
// key or whose key does not open it; a sealed file changed on disk fails in Read with one.
func OpenFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	var hdr [hdrLen]byte
	n, err := f.ReadAt(hdr[:], 0)
	if n < len(sealMagic) || string(hdr[:len(sealMagic)]) != sealMagic {
		if err != nil && !errors.Is(err, io.EOF) {
			f.Close()
			return nil, err
		}
		return &File{r: f, f: f, size: st.Size()}, nil // plaintext: the offset is still 0
	}
	key := keyFor(path)
	if key == nil {
		f.Close()
		return nil, &SealedError{Path: path, NoKey: true}
	}
	if n < hdrLen {
		f.Close()
		return nil, &SealedError{Path: path}
	}
	aead, err := fileAEAD(key, hdr[len(sealMagic):])
	if err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(int64(hdrLen), io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	// Every chunk carries a tag; only the last is shorter than a full one (see sealWriter).
	body := st.Size() - int64(hdrLen)
	chunks := (body + sealChunk + tagLen - 1) / (sealChunk + tagLen)
	sr := &sealReader{r: bufio.NewReaderSize(f, sealChunk+tagLen+1), aead: aead, ad: hdr[:], path: path,
		buf: make([]byte, 0, sealChunk+tagLen)}
	return &File{r: sr, f: f, size: max(0, body-chunks*tagLen)}, nil
}

func fileAEAD(key, salt []byte) (cipher.AEAD, error) {
	fk, err := hkdf.Key(sha256.New, key, salt, "growthlens table file", 32)
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(fk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func chunkNonce(n uint64, last bool) []byte {
	var nonce [12]byte
	binary.BigEndian.PutUint64(nonce[:8], n)
	if last {
		nonce[11] = 1
	}
	return nonce[:]
}

// sealReader decrypts a sealed file chunk by chunk.
type sealReader struct {
	r    *bufio.Reader
	aead cipher.AEAD
	ad   []byte
	path string
	n    uint64
	buf  []byte // the current chunk's plaintext
	off  int
	done bool
	err  error
}

func (s *sealReader) Read(p []byte) (int, error) {
	for s.off == len(s.buf) {
		if s.err != nil {
			return 0, s.err
		}
		if s.done {
			return 0, io.EOF
		}
		s.err = s.next()
	}
	n := copy(p, s.buf[s.off:])
	s.off += n
	return n, nil
}

// next reads and opens the next chunk: a full chunk followed by more bytes is a middle one,
// anything else the last.
func (s *sealReader) next() error {
	ct := s.buf[:sealChunk+tagLen]
	n, err := io.ReadFull(s.r, ct)
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
	case err != nil:
		return err
	}
	last := n < len(ct)
	if !last {
		if _, err := s.r.Peek(1); errors.Is(err, io.EOF) {
			last = true
		} else if err != nil {
			return err
		}
	}
	pt, err := s.aead.Open(ct[:0], chunkNonce(s.n, last), ct[:n], s.ad)
	if err != nil {
		return &SealedError{Path: s.path}
	}
	s.n++
	s.buf, s.off, s.done = pt, 0, last
	return nil
}

// fileWriter is where a table file's bytes go: the file itself, or a sealWriter over it. Call
// Finish after the last Write and before syncing or closing the file.
type fileWriter interface {
	io.Writer
	Finish() error
}

type plainWriter struct{ io.Writer }

func (plainWriter) Finish() error { return nil }

// writerFor returns the writer of f's bytes: sealed when f's directory has a key. f must be
// empty and positioned at its start.
func writerFor(f interface {
	io.Writer
	Name() string
}) (fileWriter, error) {
	key := keyFor(f.Name())
	if key == nil {
		return plainWriter{f}, nil
	}
	hdr := make([]byte, hdrLen)
	copy(hdr, sealMagic)
	if _, err := rand.Read(hdr[len(sealMagic):]); err != nil {
		return nil, err
	}
	aead, err := fileAEAD(key, hdr[len(sealMagic):])
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(hdr); err != nil {
		return nil, err
	}
	return &sealWriter{w: f, aead: aead, ad: hdr, buf: make([]byte, 0, sealChunk), out: make([]byte, 0, sealChunk+tagLen)}, nil
}

// sealWriter encrypts what is written to it in chunks. A full chunk is sealed only when more
// bytes arrive, so that Finish can mark whichever chunk is last.
type sealWriter struct {
	w        io.Writer
	aead     cipher.AEAD
	ad       []byte
	n        uint64
	buf, out []byte
	finished bool
}

func (s *sealWriter) Write(p []byte) (int, error) {
	if s.finished {
		return 0, errors.New("datasets: write after Finish")
	}
	written := 0
	for len(p) > 0 {
		if len(s.buf) == sealChunk {
			if err := s.flush(false); err != nil {
				return written, err
			}
		}
		k := min(len(p), sealChunk-len(s.buf))
		s.buf = append(s.buf, p[:k]...)
		p, written = p[k:], written+k
	}
	return written, nil
}

func (s *sealWriter) flush(last bool) error {
	s.out = s.aead.Seal(s.out[:0], chunkNonce(s.n, last), s.buf, s.ad)
	s.n++
	s.buf = s.buf[:0]
	_, err := s.w.Write(s.out)
	return err
}

func (s *sealWriter) Finish() error {
	if s.finished {
		return nil
	}
	s.finished = true
	return s.flush(true)
}

// createFile creates (or truncates) path with mode 0600 and returns it with the writer of its
// bytes.
func createFile(path string) (*os.File, fileWriter, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, err
	}
	w, err := writerFor(f)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, w, nil
}

// SealFiles encrypts, in place, the plaintext CSV files directly in dir (tables, rejects and
// changes files), each replaced atomically (atomicfile) with its mode kept, and returns how
// many it encrypted. dir must have a key (Seal); sealed files are left as they are. It is how
// a data root written before its store had a key is brought under the key.
func SealFiles(dir string) (int, error) {
	if keyFor(filepath.Join(dir, "x")) == nil {
		return 0, fmt.Errorf("seal files in %s: no key was given for the directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".csv") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		done, err := sealFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return n, fmt.Errorf("seal %s: %w", e.Name(), err)
		}
		if done {
			n++
		}
	}
	return n, nil
}

func sealFile(path string) (bool, error) {
	in, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer in.Close()
	var magic [len(sealMagic)]byte
	if n, _ := in.ReadAt(magic[:], 0); n == len(magic) && string(magic[:]) == sealMagic {
		return false, nil
	}
	st, err := in.Stat()
	if err != nil {
		return false, err
	}
	out, err := atomicfile.Create(path, st.Mode().Perm())
	if err != nil {
		return false, err
	}
	defer out.Abort()
	w, err := writerFor(out)
	if err != nil {
		return false, err
	}
	if _, err := io.Copy(w, in); err != nil {
		return false, err
	}
	if err := w.Finish(); err != nil {
		return false, err
	}
	return true, out.Commit()
}
