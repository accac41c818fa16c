package datasets

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/growthlens/growthlens/internal/atomicfile"
)

// SettingsFile is the optional file of a dataset directory that holds what the tables do not
// say: the currency every money column is in. Example: {"currency": "EUR"}.
const SettingsFile = "dataset.json"

// Settings are a dataset's settings (SettingsFile).
type Settings struct {
	// Currency is the ISO 4217 code of the money columns (revenue, amounts, spend, salaries),
	// printed beside every amount a person reads; "" when the dataset does not say.
	Currency string `json:"currency,omitempty"`
}

// Validate checks the settings: a currency is three capital letters (ISO 4217's form).
func (s Settings) Validate() error {
	if c := s.Currency; c != "" {
		if len(c) != 3 || !isUpper(c[0]) || !isUpper(c[1]) || !isUpper(c[2]) {
			return fmt.Errorf("currency %q: want an ISO 4217 code of three capital letters, such as EUR or CNY", c)
		}
	}
	return nil
}

func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }

// ReadSettings reads dir's SettingsFile; a directory without one has the zero Settings. An
// unreadable file, unknown fields or an invalid value are errors naming the file.
func ReadSettings(dir string) (Settings, error) {
	path := filepath.Join(dir, SettingsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, err
	}
	var s Settings
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return Settings{}, fmt.Errorf("%s: %w", SettingsFile, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Settings{}, fmt.Errorf("%s: more than one JSON object", SettingsFile)
	}
	if err := s.Validate(); err != nil {
		return Settings{}, fmt.Errorf("%s: %w", SettingsFile, err)
	}
	return s, nil
}

// WriteSettings writes s to dir's SettingsFile, atomically (internal/atomicfile).
func WriteSettings(dir string, s Settings) error {
	if err := s.Validate(); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, SettingsFile), 0o644, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}
