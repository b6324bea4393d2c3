package authclient

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	fuzzLong = `{"token_id":"lt_ABCDEFGHIJKLMNOP0001","token":"ltsecret_LONGtermSECRETvalue0001","token_type":"Bearer",` +
		`"client_id":"client-1","name":"ci","scopes":["tokens:write"],"issued_at":"2030-01-01T00:00:00Z",` +
		`"expires_at":"2030-03-31T00:00:00Z","rotated_from":"lt_ZYXWVUTSRQPONMLK0002","previous_token_expires_at":"2030-01-01T01:00:00+01:00"}`
	fuzzShort = `{"token_id":"st_ABCDEFGHIJKLMNOP0003","token":"eyJhbGciOiJFUzI1NiJ9.e30.SHORTsecretJWT","token_type":"Bearer",` +
		`"expires_in":900,"expires_at":"2030-01-01T00:15:00Z","scopes":["tokens:read"],"parent_token_id":"lt_ABCDEFGHIJKLMNOP0001"}`
)

func addSeeds(f *testing.F, valid string) {
	f.Add([]byte(valid))
	for _, s := range []string{
		"", "null", "[]", `"x"`, "{", "<html>", valid[:len(valid)/2], valid + "x",
		strings.Replace(valid, `"Bearer"`, `null`, 1),
		strings.Replace(valid, `"scopes":[`, `"scopes":[null,`, 1),
		strings.Replace(valid, `"token_type"`, `"TOKEN_TYPE"`, 1),
	} {
		f.Add([]byte(s))
	}
}

func FuzzDecodeLongTermToken(f *testing.F) {
	addSeeds(f, fuzzLong)
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := decodeLongTermToken(body)
		if err == nil {
			if !longTokenID.MatchString(tok.TokenID) || tok.Token == "" || tok.TokenType != "Bearer" ||
				tok.ClientID == "" || tok.Scopes == nil || tok.RotatedFrom != "" && !longTokenID.MatchString(tok.RotatedFrom) {
				t.Fatalf("accepted an invalid token: %+v", tok)
			}
		}
		checkErrorIgnoresToken(t, body, func(b []byte) error { _, err := decodeLongTermToken(b); return err })
	})
}

func FuzzDecodeShortTermToken(f *testing.F) {
	addSeeds(f, fuzzShort)
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := decodeShortTermToken(body)
		if err == nil {
			if !shortTokenID.MatchString(tok.TokenID) || tok.Token == "" || tok.TokenType != "Bearer" ||
				tok.ExpiresIn < 0 || tok.Scopes == nil || !longTokenID.MatchString(tok.ParentTokenID) {
				t.Fatalf("accepted an invalid token: %+v", tok)
			}
		}
		checkErrorIgnoresToken(t, body, func(b []byte) error { _, err := decodeShortTermToken(b); return err })
	})
}

// checkErrorIgnoresToken asserts that the decode error does not depend on the value of the
// "token" field (the secret), only on its presence and type: so no error can quote it.
func checkErrorIgnoresToken(t *testing.T, body []byte, decode func([]byte) error) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return
	}
	secret, ok := m["token"].(string)
	if !ok || secret == "" {
		return
	}
	errA := decode(mustJSON(t, m))
	m["token"] = "Q" + secret + "Q"
	errB := decode(mustJSON(t, m))
	if (errA == nil) != (errB == nil) || errA != nil && errA.Error() != errB.Error() {
		t.Fatalf("the error depends on the token value: %v / %v", errA, errB)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
