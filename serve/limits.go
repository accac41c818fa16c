package serve

import (
	"net"
	"sync"
)

// keySlots bounds the requests one API key may have in flight at once on the people
// endpoints, whose work and memory grow with the batch: with the per-request memory budget
// of an allocation (incentive.DefaultAllocateBytes) it bounds what one key can make the
// server hold.
type keySlots struct {
	per int

	mu   sync.Mutex
	used map[string]int
}

func newKeySlots(per int) *keySlots { return &keySlots{per: per, used: map[string]int{}} }

// acquire takes a slot of key and returns its release, or false when the key has none free.
func (ks *keySlots) acquire(key string) (release func(), ok bool) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if ks.used[key] >= ks.per {
		return nil, false
	}
	ks.used[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			ks.mu.Lock()
			defer ks.mu.Unlock()
			if ks.used[key]--; ks.used[key] <= 0 {
				delete(ks.used, key)
			}
		})
	}, true
}

func (ks *keySlots) inUse(key string) int {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	return ks.used[key]
}

// limitListener accepts at most n connections at a time; further clients wait in the
// kernel's backlog until one closes, so that idle connections cannot use up the process's
// file descriptors.
type limitListener struct {
	net.Listener
	sem       chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newLimitListener(ln net.Listener, n int) net.Listener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
