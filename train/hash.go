package train

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/growthlens/growthlens/datasets"
)

// DataHash returns the hex SHA-256 of a dataset: for every canonical table present, in schema
// order, its name, its size and its bytes. Files that are not canonical tables (rejects,
// ground truth, notes) do not count, so regenerating them does not make the data look new.
func DataHash(dir string) (string, error) {
	h := sha256.New()
	for _, t := range datasets.Tables {
		path := filepath.Join(dir, t.Name+".csv")
		f, err := datasets.OpenFile(path) // a sealed table hashes as its plaintext
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return "", err
		}
		io.WriteString(h, t.Name+"\n"+strconv.FormatInt(f.Size(), 10)+"\n")
		if _, err := io.Copy(h, f); err != nil {
			f.Close()
			return "", fmt.Errorf("hash %s: %w", path, err)
		}
		f.Close()
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
