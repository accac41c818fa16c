package serve

import (
	"testing"
	"time"
)

// TestReviewCacheOnePerTenant is defect 2: each upload followed by a /review view added an
// entry to the indicator cache, which was cleared only past 64, pinning up to 65 old datasets
// (~240 MiB each at 2,000 employees). An entry now belongs to a tenant's data directory and is
// replaced when that tenant's data changes.
func TestReviewCacheOnePerTenant(t *testing.T) {
	rp := &reviewPages{ttl: SessionTTL, now: time.Now, sessions: map[string]*session{}}
	rp.resetIndicators()
	for i := range 5 {
		d := &tenantData{dir: "/data/acme", sig: itoa(i)}
		f1 := rp.indicatorsFor(d, nil)
		if f2 := rp.indicatorsFor(d, nil); &f1 == nil || f2 == nil {
			t.Fatal("no memoized function")
		}
	}
	rp.indicatorsFor(&tenantData{dir: "/data/globex"}, nil)
	if n := rp.indicatorEntries(); n != 2 {
		t.Errorf("%d cached entries after 5 datasets of acme and 1 of globex, want 2 (one per tenant)", n)
	}
}
