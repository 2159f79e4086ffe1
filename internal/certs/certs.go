// Package certs makes the webhook's serving certificate: a private CA that
// signs one leaf for the webhook Service's DNS names, and the rule for when
// to make a new pair. It is pure crypto (no Kubernetes client) so that the
// renewal rule is tested with an injected clock.
//
// The controller keeps the pair in a Secret and the CA in the webhook
// configuration's caBundle; cert-manager can replace all of this (the
// controller then only reads a mounted certificate).
package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"
)

// Pair is a CA and a serving certificate it signed, PEM encoded, as kept
// in the Secret (keys "ca.crt", "tls.crt", "tls.key").
type Pair struct {
	CA, Cert, Key []byte
}

// Options shape a new pair.
type Options struct {
	// Hosts are the DNS names (and IP addresses) the leaf serves.
	Hosts []string
	// Validity of the leaf; the CA lives twice as long. Default one year.
	Validity time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Validity == 0 {
		o.Validity = 365 * 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// New makes a CA and a leaf for o.Hosts. A new CA each time, rather than
// one kept for years: the caBundle and the Secret are written together,
// and the CA's key is never stored.
func New(o Options) (Pair, error) {
	o = o.withDefaults()
	if len(o.Hosts) == 0 {
		return Pair{}, errors.New("certs: no hosts")
	}
	now := o.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "farol-webhook-ca"},
		NotBefore:             now.Add(-time.Hour), // clock skew between nodes
		NotAfter:              now.Add(2 * o.Validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return Pair{}, fmt.Errorf("certs: CA: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return Pair{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	leaf := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: o.Hosts[0]},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(o.Validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range o.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return Pair{}, fmt.Errorf("certs: leaf: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return Pair{}, err
	}
	return Pair{
		CA:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		Key:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}

// Renew says why p must be replaced, or "" when it may stay: it does not
// parse, the key does not match, the CA did not sign it, a host is
// missing, or less than a third of its validity is left (renewing early
// leaves every replica months to pick the new one up).
func Renew(p Pair, hosts []string, now time.Time) string {
	if len(p.CA) == 0 || len(p.Cert) == 0 || len(p.Key) == 0 {
		return "no certificate yet"
	}
	kp, err := tls.X509KeyPair(p.Cert, p.Key)
	if err != nil {
		return "certificate and key do not match or do not parse: " + err.Error()
	}
	leaf, err := x509.ParseCertificate(kp.Certificate[0])
	if err != nil {
		return "certificate does not parse: " + err.Error()
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(p.CA) {
		return "CA does not parse"
	}
	for _, h := range hosts {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: roots, CurrentTime: now}); err != nil {
			return fmt.Sprintf("not valid for %s: %v", h, err)
		}
	}
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	if left := leaf.NotAfter.Sub(now); left < life/3 {
		return fmt.Sprintf("expires in %s", left.Round(time.Hour))
	}
	return ""
}

// Hosts are the names a webhook Service answers to in a cluster, plus any
// extra hosts (an address used when the API server reaches it by URL).
func Hosts(service, namespace string, extra ...string) []string {
	out := []string{service + "." + namespace + ".svc", service + "." + namespace + ".svc.cluster.local"}
	for _, h := range extra {
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}
