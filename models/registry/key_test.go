package registry

import (
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKey(t *testing.T) {
	k16 := []byte("0123456789abcdef")
	k32 := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name string
		text string
		want []byte
	}{
		{"hex 64", hex.EncodeToString(k32), k32},
		{"hex 32 upper case", strings.ToUpper(hex.EncodeToString(k16)), k16},
		{"hex with prefix and newline", "hex:" + hex.EncodeToString(k16) + "\n", k16},
		{"base64 std padded", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", k32},
		{"base64 std unpadded", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY", k32},
		{"base64 prefix", "base64:MDEyMzQ1Njc4OWFiY2RlZg==", k16},
		{"base64 url alphabet", "base64:-_-_-_-_-_-_-_-_-_-_-w", bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 6)[:16]},
		{"white space around", "  " + hex.EncodeToString(k16) + " \t\n", k16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("ParseKey = %x, want %x", got, tt.want)
			}
		})
	}
	bad := []struct{ name, text string }{
		{"empty", ""},
		{"hex of 8 bytes", "0011223344556677"},
		{"hex prefix with garbage", "hex:xyz"},
		{"base64 of 20 bytes", "base64:MDEyMzQ1Njc4OWFiY2RlZjAxMjM="},
		{"neither", "this is not a key!"},
	}
	for _, tt := range bad {
		t.Run("bad/"+tt.name, func(t *testing.T) {
			_, err := ParseKey(tt.text)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if tt.text != "" && len(tt.text) > 8 && strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q echoes the key text", err)
			}
		})
	}
}

func TestLoadKey(t *testing.T) {
	const env = "GROWTHLENS_TEST_KEY"
	k := bytes.Repeat([]byte{7}, 32)
	file := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(file, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("none", func(t *testing.T) {
		t.Setenv(env, "")
		got, err := LoadKey(env, "")
		if err != nil || got != nil {
			t.Errorf("LoadKey = %x, %v; want nil, nil", got, err)
		}
	})
	t.Run("env", func(t *testing.T) {
		t.Setenv(env, hex.EncodeToString(k))
		got, err := LoadKey(env, "")
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("LoadKey = %x, %v", got, err)
		}
	})
	t.Run("file", func(t *testing.T) {
		t.Setenv(env, "")
		got, err := LoadKey(env, file)
		if err != nil || !bytes.Equal(got, k) {
			t.Errorf("LoadKey = %x, %v", got, err)
		}
	})
	t.Run("both", func(t *testing.T) {
		t.Setenv(env, hex.EncodeToString(k))
		_, err := LoadKey(env, file)
		wantErr(t, err, ErrInvalid)
	})
	t.Run("bad env names the variable", func(t *testing.T) {
		t.Setenv(env, "short")
		_, err := LoadKey(env, "")
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), env) {
			t.Errorf("err = %v, want ErrInvalid naming %s", err, env)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		t.Setenv(env, "")
		if _, err := LoadKey(env, filepath.Join(t.TempDir(), "nope")); err == nil {
			t.Error("missing key file: no error")
		}
	})
}
