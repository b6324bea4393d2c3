package authclient_test

import (
	"context"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"sync"
	"testing"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

var p384Key = sync.OnceValue(func() *ecdsa.PrivateKey { return must(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)) })

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkcs8(key any) string { return pemOf("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(key))) }

func TestParsePrivateKeyPEM_Accepted(t *testing.T) {
	t.Parallel()
	ecParams := pemOf("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})
	tests := []struct {
		name string
		pem  string
		want crypto.PublicKey
	}{
		{"RSA PKCS#8", pkcs8(rsaKey()), rsaKey().Public()},
		{"RSA PKCS#1", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey())), rsaKey().Public()},
		{"EC P-256 PKCS#8", pkcs8(ecKey()), ecKey().Public()},
		{"EC P-256 SEC1", pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey()))), ecKey().Public()},
		{"EC P-256 SEC1 after EC PARAMETERS", ecParams + pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey()))), ecKey().Public()},
		{"Ed25519 PKCS#8", pkcs8(edKey()), edKey().Public()},
		{"surrounding whitespace", "\n  " + pkcs8(edKey()) + "\n\n", edKey().Public()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := authclient.ParsePrivateKeyPEM(tt.pem)
			if err != nil {
				t.Fatal(err)
			}
			public, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
			if !ok {
				t.Fatalf("public key %T cannot be compared", key.Public())
			}
			if !public.Equal(tt.want) {
				t.Error("parsed a different key")
			}
			// The parsed key signs assertions (verified in depth by TestIssueLongTermToken_PrivateKeyAssertion).
			api := newFakeAPI(t, issueAnswers)
			if _, err := api.client().IssueLongTermToken(context.Background(), longInput(authclient.StepUp{PrivateKey: key})); err != nil {
				t.Errorf("IssueLongTermToken with the parsed key: %v", err)
			}
		})
	}
}

func TestParsePrivateKeyPEM_Refused(t *testing.T) {
	t.Parallel()
	rsa1024 := must(rsa.GenerateKey(rand.Reader, 1024)) //nolint:gosec // a weak key on purpose: the provider must refuse it
	x25519 := must(ecdh.X25519().GenerateKey(rand.Reader))
	encrypted := strings.Replace(pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey())),
		"-----\n", "-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\n", 1)
	tests := []struct {
		name string
		pem  string
		want string
	}{
		{"EC P-384 SEC1", pemOf("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(p384Key()))), "P-256"},
		{"EC P-384 PKCS#8", pkcs8(p384Key()), "P-256"},
		{"RSA 1024", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsa1024)), "at least 2048 bits"},
		{"RSA 1024 PKCS#8", pkcs8(rsa1024), "at least 2048 bits"},
		{"X25519", pkcs8(x25519), "cannot sign"},
		{"garbage", "not a key at all", "no PEM block"},
		{"empty", "", "no PEM block"},
		{"corrupt body", pemOf("PRIVATE KEY", []byte("definitely not DER, but secret-ish bytes")), "not a valid PKCS#8"},
		{"corrupt SEC1", pemOf("EC PRIVATE KEY", []byte("junk junk junk junk")), "not a valid SEC1"},
		{"corrupt PKCS#1", pemOf("RSA PRIVATE KEY", []byte("junk junk junk junk")), "not a valid PKCS#1"},
		{"public key", pemOf("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(ecKey().Public()))), "not a private key"},
		{"encrypted PKCS#8", pemOf("ENCRYPTED PRIVATE KEY", []byte("whatever")), "encrypted"},
		{"encrypted PKCS#1", encrypted, "encrypted"},
		{"two keys", pkcs8(ecKey()) + pkcs8(edKey()), "exactly one"},
		{"unknown type", pemOf("OPENSSH PRIVATE KEY", []byte("whatever")), "unsupported PEM block type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := authclient.ParsePrivateKeyPEM(tt.pem)
			if err == nil {
				t.Fatalf("accepted a %T", key)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			// No line of the key's base64 may appear in the error.
			for _, line := range strings.Split(tt.pem, "\n") {
				if len(line) >= 16 && !strings.HasPrefix(line, "-----") && strings.Contains(err.Error(), line) {
					t.Errorf("error quotes the PEM: %q", err)
				}
			}
		})
	}
}
