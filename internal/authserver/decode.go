package authserver

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"unicode/utf8"
)

// maxBodyBytes bounds request bodies; the largest valid body (an 8 KiB assertion and
// 64 scopes) is far smaller.
const maxBodyBytes = 64 << 10

var (
	scopePattern  = regexp.MustCompile(`^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$`)
	otpPattern    = regexp.MustCompile(`^[0-9]{6,8}$`)
	longIDPattern = regexp.MustCompile(`^lt_[A-Za-z0-9]{16,64}$`)
	// tokenIDPattern is the tokenId path parameter's pattern.
	tokenIDPattern = regexp.MustCompile(`^(lt|st)_[A-Za-z0-9]{16,64}$`)
)

const (
	maxScopeLen = 64
	maxScopes   = 64
)

func validScope(s string) bool {
	return utf8.RuneCountInString(s) <= maxScopeLen && scopePattern.MatchString(s)
}

// readBody reads a request body of at most maxBodyBytes. A non-empty body must be
// declared as application/json. An empty body is returned as nil.
func readBody(r *http.Request) ([]byte, *apiError) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, badRequest("request body larger than %d bytes", maxBodyBytes)
		}
		return nil, badRequest("cannot read request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return nil, badRequest("Content-Type must be application/json")
	}
	return body, nil
}

// object is a decoded JSON object body whose members are decoded and validated one by
// one, so that every error names its field.
type object map[string]json.RawMessage

// parseObject decodes body as one JSON object with members from allowed only. JSON
// null is refused for every member: the schemas declare no nullable request field.
func parseObject(body []byte, allowed ...string) (object, *apiError) {
	if body == nil {
		return object{}, nil
	}
	var o object
	if err := json.Unmarshal(body, &o); err != nil || o == nil {
		return nil, badRequest("request body must be a JSON object")
	}
	// In name order, so that a body with several faults always gets the same answer.
	for _, name := range slices.Sorted(maps.Keys(o)) {
		raw := o[name]
		if !slices.Contains(allowed, name) {
			return nil, badRequest("unknown field %q", name)
		}
		if string(raw) == "null" {
			return nil, badRequest("field %q must not be null", name)
		}
	}
	return o, nil
}

// hash is the SHA-256 of the object's canonical form (members sorted, values
// compacted), so that formatting and member order do not make two bodies differ.
func (o object) hash() [32]byte {
	canonical, _ := json.Marshal(map[string]json.RawMessage(o)) // sorts keys, compacts values
	return sha256.Sum256(canonical)
}

// str decodes a string member. pattern may be nil. ok is false when absent.
func (o object) str(name string, minLen, maxLen int, pattern *regexp.Regexp) (v string, ok bool, e *apiError) {
	raw, ok := o[name]
	if !ok {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false, badRequest("field %q must be a string", name)
	}
	if n := utf8.RuneCountInString(v); n < minLen || n > maxLen {
		return "", false, badRequest("field %q must be %d-%d characters long", name, minLen, maxLen)
	}
	if pattern != nil && !pattern.MatchString(v) {
		return "", false, badRequest("field %q must match %s", name, pattern)
	}
	return v, true, nil
}

// integer decodes an integer member within [minV, maxV].
func (o object) integer(name string, minV, maxV int) (v int, ok bool, e *apiError) {
	raw, ok := o[name]
	if !ok {
		return 0, false, nil
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil || n < int64(minV) || n > int64(maxV) {
		return 0, false, badRequest("field %q must be an integer from %d to %d", name, minV, maxV)
	}
	return int(n), true, nil
}

// scopes decodes a scopes member: at most 64 unique valid scopes.
func (o object) scopes(name string) (v []string, ok bool, e *apiError) {
	raw, ok := o[name]
	if !ok {
		return nil, false, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, false, badRequest("field %q must be an array of scopes", name)
	}
	if len(items) > maxScopes {
		return nil, false, badRequest("field %q must hold at most %d scopes", name, maxScopes)
	}
	v = make([]string, 0, len(items))
	for i, item := range items {
		var sc string
		if err := json.Unmarshal(item, &sc); err != nil {
			return nil, false, badRequest("field %q must be an array of strings", name)
		}
		// Values are not echoed: a caller may have pasted anything there.
		if !validScope(sc) {
			return nil, false, badRequest("field %q: item %d is not a valid scope (pattern %s, at most %d characters)",
				name, i, scopePattern, maxScopeLen)
		}
		if slices.Contains(v, sc) {
			return nil, false, badRequest("field %q: item %d repeats an earlier scope", name, i)
		}
		v = append(v, sc)
	}
	return v, true, nil
}
