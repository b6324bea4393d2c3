package authclient

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

const minRSABits = 2048

// ParsePrivateKeyPEM parses one private key for self-signed assertions: PKCS#8
// ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY", optionally after
// an "EC PARAMETERS" block). Accepted keys are RSA of at least 2048 bits, ECDSA P-256 and
// Ed25519. Errors describe the problem without quoting the input.
func ParsePrivateKeyPEM(pemText string) (crypto.Signer, error) {
	rest := []byte(strings.TrimSpace(pemText)) // pem.Decode wants BEGIN at the start of a line
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("private key: no PEM block found (expected -----BEGIN PRIVATE KEY-----)")
		}
		if block.Type == "EC PARAMETERS" { // openssl ecparam -genkey writes it before the key
			continue
		}
		key, err := parsePrivateKeyBlock(block)
		if err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		if strings.TrimSpace(string(rest)) != "" {
			return nil, errors.New("private key: unexpected data after the key; provide exactly one PEM key")
		}
		if _, err := signingMethod(key); err != nil {
			return nil, fmt.Errorf("private key: %w", err)
		}
		return key, nil
	}
}

// parsePrivateKeyBlock decodes one PEM block. The x509 errors are not wrapped: the
// explanation here is clearer, and it stays free of key bytes.
func parsePrivateKeyBlock(block *pem.Block) (crypto.Signer, error) {
	if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") || block.Type == "ENCRYPTED PRIVATE KEY" {
		return nil, errors.New("encrypted keys are not supported; provide an unencrypted key")
	}
	switch block.Type {
	case "PRIVATE KEY":
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New(`"PRIVATE KEY" block is not a valid PKCS#8 key of a supported algorithm`)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("PKCS#8 key of type %T cannot sign", key)
		}
		return signer, nil
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New(`"RSA PRIVATE KEY" block is not a valid PKCS#1 RSA key`)
		}
		return key, nil
	case "EC PRIVATE KEY":
		key, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New(`"EC PRIVATE KEY" block is not a valid SEC1 key on a supported curve`)
		}
		return key, nil
	case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		return nil, fmt.Errorf("PEM block is a %s, not a private key", block.Type)
	}
	return nil, fmt.Errorf("unsupported PEM block type %q (want PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)", block.Type)
}

// signingMethod picks the JWS algorithm for key and refuses keys the contract does not allow.
func signingMethod(key crypto.Signer) (jwt.SigningMethod, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N == nil || k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("RSA key must have at least %d bits", minRSABits)
		}
		return jwt.SigningMethodRS256, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, errors.New("ECDSA key must be on curve P-256 (ES256)")
		}
		return jwt.SigningMethodES256, nil
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize {
			return nil, errors.New("Ed25519 key has the wrong size")
		}
		return jwt.SigningMethodEdDSA, nil
	}
	return nil, fmt.Errorf("unsupported key type %T (want *rsa.PrivateKey, *ecdsa.PrivateKey on P-256 or ed25519.PrivateKey)", key)
}
