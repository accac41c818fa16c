package serve

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDefaultBindLoopback is defect 11, first half: serve --addr defaulted to every
// interface.
func TestDefaultBindLoopback(t *testing.T) {
	host, _, err := net.SplitHostPort(DefaultConfig().Addr)
	if err != nil || host != "127.0.0.1" {
		t.Errorf("default address %q, want 127.0.0.1:<port>", DefaultConfig().Addr)
	}
}

// TestTLSAndSecureCookie is defect 11: there was no TLS option, so the session cookie was
// never Secure. With --tls-cert/--tls-key the server speaks HTTPS and its cookies are Secure;
// behind a proxy that terminates TLS, --trust-proxy lets X-Forwarded-Proto: https say so, and
// without it the header is ignored.
func TestTLSAndSecureCookie(t *testing.T) {
	cert, key := selfSigned(t)
	ts := startServer(t, func(c *Config) { c.TLSCert, c.TLSKey = cert, key })
	if !strings.HasPrefix(ts.base, "https://") {
		t.Fatalf("base %s", ts.base)
	}
	r := ts.do(t, "GET", "/signin", "", "", nil)
	if r.status != 200 || !strings.Contains(r.header.Get("Set-Cookie"), "Secure") {
		t.Errorf("GET /signin over TLS: %d, Set-Cookie %q; want Secure", r.status, r.header.Get("Set-Cookie"))
	}
	// Plain HTTP to a TLS listener is refused.
	if resp, err := http.Get("http://" + strings.TrimPrefix(ts.base, "https://") + "/healthz"); err == nil {
		if resp.StatusCode == 200 {
			t.Errorf("plain HTTP served on the TLS listener")
		}
		resp.Body.Close()
	}

	for _, trust := range []bool{true, false} {
		ts := startServer(t, func(c *Config) { c.TrustProxy = trust })
		req, _ := http.NewRequest("GET", ts.base+"/signin", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := strings.Contains(resp.Header.Get("Set-Cookie"), "Secure"); got != trust {
			t.Errorf("trust proxy %v, X-Forwarded-Proto https: Secure %v, want %v", trust, got, trust)
		}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key (mode 0600) to a temp dir.
func selfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "growthlens test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// tlsClient trusts the test server's own certificate.
func tlsClient(t *testing.T, certFile string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	b, err := os.ReadFile(certFile)
	if err != nil || !pool.AppendCertsFromPEM(b) {
		t.Fatalf("read test certificate: %v", err)
	}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}
