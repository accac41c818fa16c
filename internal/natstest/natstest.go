// Package natstest runs NATS JetStream servers inside a Go process, on loopback ports, for
// tests and for `make test-cluster`: growthlens's cluster mode needs no external binary to be
// tested. It must not be imported by the product's packages (only by tests and cmd wiring
// for the embedded test cluster).
package natstest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Options of one server.
type Options struct {
	// Dir holds the server's JetStream files (required).
	Dir string
	// Name names the server in a cluster; empty for a single server.
	Name string
	// Port is the client port; 0 picks a free one.
	Port int
	// ClusterPort and Routes join a cluster: the port this server listens on for other
	// servers, and their route URLs (nats-route://127.0.0.1:port).
	ClusterPort int
	Routes      []string
	// ClusterName names the cluster; empty means "growthlens".
	ClusterName string
}

// Run starts a JetStream server and waits until it accepts clients.
func Run(o Options) (*server.Server, error) {
	opts := &server.Options{
		ServerName: o.Name,
		Host:       "127.0.0.1",
		Port:       o.Port,
		JetStream:  true,
		StoreDir:   o.Dir,
		NoLog:      true,
		NoSigs:     true,
		// Small limits: a test machine is shared.
		JetStreamMaxMemory: 256 << 20,
		JetStreamMaxStore:  4 << 30,
	}
	if o.Port == 0 {
		opts.Port = server.RANDOM_PORT
	}
	if o.ClusterPort != 0 {
		opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: "127.0.0.1", Port: o.ClusterPort}
		if opts.Cluster.Name == "" {
			opts.Cluster.Name = "growthlens"
		}
		for _, r := range o.Routes {
			opts.Routes = append(opts.Routes, server.RoutesFromStr(r)...)
		}
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(20 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("nats server %s did not become ready", o.Name)
	}
	return s, nil
}

// Start runs a single JetStream server for the test, in a temporary directory, and stops
// it when the test ends. It returns the client URL.
func Start(tb testing.TB) (*server.Server, string) {
	tb.Helper()
	s, err := Run(Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s, s.ClientURL()
}

// FreePorts returns n TCP ports on loopback that were free a moment ago.
func FreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// TempDir makes a directory for a server that outlives one test (a package's shared server);
// the caller removes it.
func TempDir() (string, error) {
	return os.MkdirTemp("", filepath.Base(os.Args[0])+"-nats-")
}
