package datasets

import (
	"strconv"
	"testing"
	"unsafe"
)

func TestInterner(t *testing.T) {
	tb := opportunities(t)
	in := newInterner(tb)
	const region, account = 5, 1
	buf := []byte("East")
	a := in.get(region, bytesView(buf))
	copy(buf, "West")
	b := in.get(region, "East")
	if a != "East" || b != "East" || unsafe.StringData(a) != unsafe.StringData(b) {
		t.Fatalf("repeated value not shared or not copied out of the buffer: %q %q", a, b)
	}
	// A column of mostly distinct values stops being looked up once its map is full.
	for i := range maxInterned + maxInterned/2 {
		in.get(account, "A"+strconv.Itoa(i))
	}
	if !in.off[account] || in.cols[account] != nil {
		t.Errorf("account column still interned after %d distinct values", maxInterned+maxInterned/2)
	}
	if in.off[region] {
		t.Error("region column switched off")
	}
	if got := in.get(account, "A1"); got != "A1" {
		t.Errorf("get after switching off = %q", got)
	}
}
