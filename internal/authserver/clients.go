package authserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// ClientConfig registers one client. Its JSON form is used by the clients file of the
// auth-server command and by POST /_test/clients.
type ClientConfig struct {
	ID string `json:"id"`
	// Secret is the client secret in plaintext as given by the operator; the server keeps
	// only a salted hash. Empty: the client cannot use the client_secret mechanism.
	Secret        string   `json:"secret,omitempty"`
	AllowedScopes []string `json:"allowed_scopes"`
	// DefaultScopes are granted when a request names no scopes; a subset of AllowedScopes.
	DefaultScopes []string `json:"default_scopes"`
	// OTPCodes are one-time codes (6-8 digits); each works once. Kept only as hashes.
	OTPCodes []string `json:"otp_codes,omitempty"`
	// PublicKeysPEM are PKIX ("PUBLIC KEY") PEM public keys (RSA >= 2048 bits, EC P-256,
	// Ed25519) that verify the client's assertions.
	PublicKeysPEM []string `json:"public_keys_pem,omitempty"`
}

// client is the server's record of a registered client: hashes and public data only.
type client struct {
	id            string
	secretSalt    []byte
	secretHash    []byte // sha256(salt || secret); nil: no secret registered
	allowedScopes []string
	defaultScopes []string
	// otpSalt is fixed for the client's lifetime so that a code listed again in the
	// clients file after a restart is recognised as spent.
	otpSalt    []byte
	otpUnspent map[string]bool // base64 sha256(otpSalt || code)
	otpSpent   map[string]bool
	keysPEM    []string
	keys       []crypto.PublicKey
}

func newSalt() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}

func saltedHash(salt []byte, value string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(value))
	return h.Sum(nil)
}

func (c *client) otpHash(code string) string {
	return base64.RawURLEncoding.EncodeToString(saltedHash(c.otpSalt, code))
}

// secretMatches compares in constant time so that timing tells nothing about the secret.
func (c *client) secretMatches(secret string) bool {
	if c.secretHash == nil {
		return false
	}
	return subtle.ConstantTimeCompare(saltedHash(c.secretSalt, secret), c.secretHash) == 1
}

// addOTP arms a one-time code. With rearm false a code already spent stays spent (used
// when the clients file is loaded again on restart).
func (c *client) addOTP(code string, rearm bool) {
	h := c.otpHash(code)
	if c.otpSpent[h] && !rearm {
		return
	}
	delete(c.otpSpent, h)
	c.otpUnspent[h] = true
}

// hasOTP reports whether code is an unspent one-time code of the client.
func (c *client) hasOTP(code string) bool {
	return c.otpUnspent[c.otpHash(code)]
}

// spendOTP marks a code as used.
func (c *client) spendOTP(code string) {
	h := c.otpHash(code)
	delete(c.otpUnspent, h)
	c.otpSpent[h] = true
}

// validateClientConfig checks a ClientConfig and parses its keys.
func validateClientConfig(cfg ClientConfig) ([]crypto.PublicKey, error) {
	if cfg.ID == "" || utf8.RuneCountInString(cfg.ID) > 128 {
		return nil, errors.New("client id must be 1-128 characters")
	}
	for _, list := range [][]string{cfg.AllowedScopes, cfg.DefaultScopes} {
		for _, sc := range list {
			if !validScope(sc) {
				return nil, fmt.Errorf("client %q: invalid scope %q", cfg.ID, sc)
			}
		}
	}
	for _, sc := range cfg.DefaultScopes {
		if !slices.Contains(cfg.AllowedScopes, sc) {
			return nil, fmt.Errorf("client %q: default scope %q is not an allowed scope", cfg.ID, sc)
		}
	}
	for _, code := range cfg.OTPCodes {
		if !otpPattern.MatchString(code) {
			return nil, fmt.Errorf("client %q: one-time codes must be 6-8 digits", cfg.ID)
		}
	}
	if utf8.RuneCountInString(cfg.Secret) > 512 {
		return nil, fmt.Errorf("client %q: secret longer than 512 characters", cfg.ID)
	}
	keys := make([]crypto.PublicKey, 0, len(cfg.PublicKeysPEM))
	for i, p := range cfg.PublicKeysPEM {
		k, err := parsePublicKey(p)
		if err != nil {
			return nil, fmt.Errorf("client %q: public key %d: %w", cfg.ID, i, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// parsePublicKey accepts one PKIX PEM public key of a type usable for assertions.
func parsePublicKey(p string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New(`want a PEM block of type "PUBLIC KEY"`)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	switch k := k.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return nil, errors.New("RSA keys must have at least 2048 bits")
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, errors.New("EC keys must use P-256 (ES256)")
		}
	case ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("unsupported key type %T", k)
	}
	return k, nil
}

// newClient builds a client record from a validated configuration.
func newClient(cfg ClientConfig, keys []crypto.PublicKey) *client {
	c := &client{
		id:         cfg.ID,
		otpSalt:    newSalt(),
		otpUnspent: map[string]bool{},
		otpSpent:   map[string]bool{},
	}
	c.configure(cfg, keys, true)
	return c
}

// configure applies a configuration to a client (new, or restored from the state file
// and configured again from the clients file).
func (c *client) configure(cfg ClientConfig, keys []crypto.PublicKey, rearmOTP bool) {
	c.allowedScopes = slices.Clone(cfg.AllowedScopes)
	c.defaultScopes = slices.Clone(cfg.DefaultScopes)
	if c.defaultScopes == nil {
		c.defaultScopes = []string{}
	}
	c.secretSalt, c.secretHash = nil, nil
	if cfg.Secret != "" {
		c.secretSalt = newSalt()
		c.secretHash = saltedHash(c.secretSalt, cfg.Secret)
	}
	for _, code := range cfg.OTPCodes {
		c.addOTP(code, rearmOTP)
	}
	c.keysPEM = slices.Clone(cfg.PublicKeysPEM)
	c.keys = keys
}

// ErrClientExists is returned by AddClient for an id that is already registered.
var ErrClientExists = errors.New("client already exists")

// AddClient registers a client. Registering an id twice is an error (ErrClientExists).
func (s *Server) AddClient(cfg ClientConfig) error {
	keys, err := validateClientConfig(cfg)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if _, ok := s.clients[cfg.ID]; ok {
		s.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrClientExists, cfg.ID)
	}
	s.clients[cfg.ID] = newClient(cfg, keys)
	s.changed()
	s.mu.Unlock()
	return s.save()
}

// AddOTPCode arms one more one-time code (6-8 digits) for a client. Adding a code that
// was already spent arms it again.
func (s *Server) AddOTPCode(clientID, code string) error {
	if !otpPattern.MatchString(code) {
		return errors.New("one-time codes must be 6-8 digits")
	}
	s.mu.Lock()
	c, ok := s.clients[clientID]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("unknown client %q", clientID)
	}
	c.addOTP(code, true)
	s.changed()
	s.mu.Unlock()
	return s.save()
}
