package authserver

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// stateVersion is the format version of the state file.
const stateVersion = 1

// stateFile is what Options.StatePath holds: hashes and metadata only. No client secret,
// one-time code, token secret, idempotent answer or signing key is ever written.
type stateFile struct {
	Version  int                  `json:"version"`
	Clients  []clientState        `json:"clients"`
	Tokens   []token              `json:"tokens"`
	UsedJTIs map[string]time.Time `json:"used_jtis,omitempty"` // hashed jti -> assertion expiry
}

type clientState struct {
	ID             string   `json:"id"`
	SecretSalt     string   `json:"secret_salt,omitempty"`
	SecretHash     string   `json:"secret_hash,omitempty"`
	AllowedScopes  []string `json:"allowed_scopes"`
	DefaultScopes  []string `json:"default_scopes"`
	OTPSalt        string   `json:"otp_salt"`
	OTPHashes      []string `json:"otp_hashes,omitempty"`
	SpentOTPHashes []string `json:"spent_otp_hashes,omitempty"`
	PublicKeysPEM  []string `json:"public_keys_pem,omitempty"`
}

var b64 = base64.RawURLEncoding

// changed records that the state changed and must be saved. Callers hold s.mu.
func (s *Server) changed() {
	s.version++
}

// locked runs fn under s.mu with the clock's time, then saves the state if fn changed
// it. A failed save is logged: the answer stands, as the change happened in memory.
func (s *Server) locked(fn func(now time.Time) *response) *response {
	s.mu.Lock()
	before := s.version
	resp := fn(s.now())
	changed := s.version != before
	s.mu.Unlock()
	if changed {
		if err := s.save(); err != nil {
			s.log.Error("cannot save state", "error", err)
		}
	}
	return resp
}

// save writes the state file if the state changed since the last save. The snapshot is
// taken under s.mu, the file written outside it; versions keep a slow writer from
// overwriting a newer state with an older one.
func (s *Server) save() error {
	if s.statePath == "" {
		return nil
	}
	s.mu.Lock()
	snap, version := s.snapshot(), s.version
	s.mu.Unlock()

	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if version <= s.savedVersion {
		return nil
	}
	data, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(s.statePath, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	s.savedVersion = version
	return nil
}

// snapshot copies the persistent state. Callers hold s.mu.
func (s *Server) snapshot() *stateFile {
	st := &stateFile{Version: stateVersion, Clients: []clientState{}, Tokens: []token{}}
	for _, id := range slices.Sorted(maps.Keys(s.clients)) {
		c := s.clients[id]
		st.Clients = append(st.Clients, clientState{
			ID:             c.id,
			SecretSalt:     encodeOptional(c.secretSalt),
			SecretHash:     encodeOptional(c.secretHash),
			AllowedScopes:  c.allowedScopes,
			DefaultScopes:  c.defaultScopes,
			OTPSalt:        b64.EncodeToString(c.otpSalt),
			OTPHashes:      slices.Sorted(maps.Keys(c.otpUnspent)),
			SpentOTPHashes: slices.Sorted(maps.Keys(c.otpSpent)),
			PublicKeysPEM:  c.keysPEM,
		})
	}
	for _, t := range s.tokens {
		st.Tokens = append(st.Tokens, *t) // fields are replaced, never changed in place
	}
	slices.SortFunc(st.Tokens, func(a, b token) int { return compareFacts(a.TokenFacts, b.TokenFacts) })
	st.UsedJTIs = maps.Clone(s.usedJTIs)
	return st
}

func encodeOptional(b []byte) string {
	if b == nil {
		return ""
	}
	return b64.EncodeToString(b)
}

// load restores the state file, if there is one. Short-term tokens cannot survive a
// restart (the signing key is never persisted), so those still active are marked
// revoked now.
func (s *Server) load() error {
	data, err := os.ReadFile(s.statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load state: %w", err)
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("load state %s: %w", s.statePath, err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("load state %s: unsupported version %d", s.statePath, st.Version)
	}
	for _, cs := range st.Clients {
		c, err := restoreClient(cs)
		if err != nil {
			return fmt.Errorf("load state %s: client %q: %w", s.statePath, cs.ID, err)
		}
		s.clients[c.id] = c
	}
	for i := range st.Tokens {
		t := &st.Tokens[i]
		s.tokens[t.ID] = t
		switch t.Kind {
		case KindLong:
			s.bySecret[t.SecretHash] = t.ID
		case KindShort:
			s.children[t.ParentTokenID] = append(s.children[t.ParentTokenID], t.ID)
		}
	}
	now := s.now()
	for _, t := range s.tokens {
		if t.Kind == KindShort {
			s.revokeAt(t, now)
		}
	}
	if st.UsedJTIs != nil {
		s.usedJTIs = st.UsedJTIs
	}
	s.pruneJTIs(now)
	return nil
}

func restoreClient(cs clientState) (*client, error) {
	c := &client{
		id:            cs.ID,
		allowedScopes: cs.AllowedScopes,
		defaultScopes: cs.DefaultScopes,
		otpUnspent:    map[string]bool{},
		otpSpent:      map[string]bool{},
		keysPEM:       cs.PublicKeysPEM,
	}
	if c.defaultScopes == nil {
		c.defaultScopes = []string{}
	}
	var err error
	if c.otpSalt, err = b64.DecodeString(cs.OTPSalt); err != nil {
		return nil, err
	}
	if cs.SecretHash != "" {
		if c.secretSalt, err = b64.DecodeString(cs.SecretSalt); err != nil {
			return nil, err
		}
		if c.secretHash, err = b64.DecodeString(cs.SecretHash); err != nil {
			return nil, err
		}
	}
	for _, h := range cs.OTPHashes {
		c.otpUnspent[h] = true
	}
	for _, h := range cs.SpentOTPHashes {
		c.otpSpent[h] = true
	}
	for _, p := range cs.PublicKeysPEM {
		k, err := parsePublicKey(p)
		if err != nil {
			return nil, err
		}
		c.keys = append(c.keys, k)
	}
	return c, nil
}

// WriteFileAtomic replaces path with data, with the given mode, so that readers never
// see a partial file: write a temporary file in the same directory, sync, rename.
func WriteFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(mode); err != nil {
		_ = f.Close()
		return err
	}
	if _, err = f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
