package authclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxBodyBytes bounds what is read from any response.
const maxBodyBytes = 1 << 20

var errBodyTooLarge = errors.New("response body exceeds 1 MiB")

var (
	scopePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)*$`)
	// The contract's `^[a-z][a-z0-9_]{0,63}$`, its length checked apart: a bounded
	// repetition compiles to a program of hundreds of allocations at every start.
	errorCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// readBody reads and closes r, refusing more than maxBodyBytes.
func readBody(r io.ReadCloser) ([]byte, error) {
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if len(b) > maxBodyBytes {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// The wire forms use pointers so that a missing or null field is told apart from a zero one.
type longTokenJSON struct {
	TokenID                *string   `json:"token_id"`
	Token                  *string   `json:"token"`
	TokenType              *string   `json:"token_type"`
	ClientID               *string   `json:"client_id"`
	Name                   *string   `json:"name"`
	Scopes                 *[]string `json:"scopes"`
	IssuedAt               *string   `json:"issued_at"`
	ExpiresAt              *string   `json:"expires_at"`
	RotatedFrom            *string   `json:"rotated_from"`
	PreviousTokenExpiresAt *string   `json:"previous_token_expires_at"`
}

type shortTokenJSON struct {
	TokenID       *string   `json:"token_id"`
	Token         *string   `json:"token"`
	TokenType     *string   `json:"token_type"`
	ExpiresIn     *int64    `json:"expires_in"`
	ExpiresAt     *string   `json:"expires_at"`
	Scopes        *[]string `json:"scopes"`
	ParentTokenID *string   `json:"parent_token_id"`
}

type errorJSON struct {
	Error     *string `json:"error"`
	Message   *string `json:"message"`
	RequestID *string `json:"request_id"`
}

// decodeLongTermToken decodes and validates a LongTokenResponse. Its errors name fields and
// rules, never values: the body holds the token secret.
func decodeLongTermToken(body []byte) (*LongTermToken, error) {
	var raw longTokenJSON
	if err := unmarshalObject(body, &raw); err != nil {
		return nil, err
	}
	var v validator
	t := &LongTermToken{
		TokenID:   v.id("token_id", raw.TokenID, longTokenID),
		Token:     v.text("token", raw.Token),
		TokenType: v.tokenType(raw.TokenType),
		ClientID:  v.text("client_id", raw.ClientID),
		Scopes:    v.scopes(raw.Scopes),
		IssuedAt:  v.time("issued_at", raw.IssuedAt),
		ExpiresAt: v.time("expires_at", raw.ExpiresAt),
	}
	if raw.Name != nil {
		t.Name = *raw.Name
	}
	if raw.RotatedFrom != nil {
		t.RotatedFrom = v.id("rotated_from", raw.RotatedFrom, longTokenID)
	}
	if raw.PreviousTokenExpiresAt != nil {
		at := v.time("previous_token_expires_at", raw.PreviousTokenExpiresAt)
		t.PreviousTokenExpiresAt = &at
	}
	if v.err != nil {
		return nil, v.err
	}
	return t, nil
}

// decodeShortTermToken decodes and validates a ShortTokenResponse, like decodeLongTermToken.
func decodeShortTermToken(body []byte) (*ShortTermToken, error) {
	var raw shortTokenJSON
	if err := unmarshalObject(body, &raw); err != nil {
		return nil, err
	}
	var v validator
	t := &ShortTermToken{
		TokenID:       v.id("token_id", raw.TokenID, shortTokenID),
		Token:         v.text("token", raw.Token),
		TokenType:     v.tokenType(raw.TokenType),
		ExpiresIn:     v.seconds("expires_in", raw.ExpiresIn),
		ExpiresAt:     v.time("expires_at", raw.ExpiresAt),
		Scopes:        v.scopes(raw.Scopes),
		ParentTokenID: v.id("parent_token_id", raw.ParentTokenID, longTokenID),
	}
	if v.err != nil {
		return nil, v.err
	}
	return t, nil
}

// unmarshalObject decodes a JSON object into dst, describing failures without quoting the body.
func unmarshalObject(body []byte, dst any) error {
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return errors.New("empty body")
	case bytes.Equal(trimmed, []byte("null")):
		return errors.New("body is JSON null, not an object")
	}
	err := json.Unmarshal(body, dst)
	if err == nil {
		return nil
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("body is not valid JSON (syntax error at byte %d)", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		// Value is like "number 12": keep only the JSON type, the rest is body text.
		got, _, _ := strings.Cut(typeErr.Value, " ")
		if typeErr.Field == "" {
			return fmt.Errorf("body is a JSON %s, not an object", got)
		}
		return fmt.Errorf("field %q has the wrong type: JSON %s, want %s", typeErr.Field, got, jsonKind(typeErr.Type))
	}
	return errors.New("body could not be decoded as JSON")
}

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Bool:
		return "boolean"
	}
	return "object"
}

// validator keeps the first rule a decoded response breaks.
type validator struct{ err error }

func (v *validator) fail(field, problem string) {
	if v.err == nil {
		v.err = fmt.Errorf("field %q %s", field, problem)
	}
}

func (v *validator) text(field string, s *string) string {
	switch {
	case s == nil:
		v.fail(field, "is missing or null")
		return ""
	case *s == "":
		v.fail(field, "is empty")
	}
	return *s
}

func (v *validator) id(field string, s *string, pattern tokenIDFormat) string {
	id := v.text(field, s)
	if id != "" && !pattern.MatchString(id) {
		v.fail(field, "does not match "+pattern.String())
		return ""
	}
	return id
}

func (v *validator) tokenType(s *string) string {
	t := v.text("token_type", s)
	if t != "" && t != "Bearer" {
		v.fail("token_type", `is not "Bearer"`)
	}
	return t
}

func (v *validator) time(field string, s *string) time.Time {
	text := v.text(field, s)
	if text == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		v.fail(field, "is not an RFC 3339 date-time")
	}
	return t
}

func (v *validator) seconds(field string, n *int64) int64 {
	switch {
	case n == nil:
		v.fail(field, "is missing or null")
		return 0
	case *n < 0:
		v.fail(field, "is negative")
	}
	return *n
}

func (v *validator) scopes(s *[]string) []string {
	if s == nil {
		v.fail("scopes", "is missing or null")
		return nil
	}
	for i, scope := range *s {
		if len(scope) > 64 || !scopePattern.MatchString(scope) {
			v.fail("scopes", fmt.Sprintf("item %d is not a valid scope", i))
			return nil
		}
	}
	return *s
}

// apiErrorFrom builds the *APIError of an error answer. A body that is not a valid Error
// object is described by its content type and size, never quoted.
func apiErrorFrom(op string, resp *http.Response, body []byte, bodyErr error, secrets []string) *APIError {
	e := &APIError{Operation: op, StatusCode: resp.StatusCode, RequestID: requestIDOf(resp)}
	var raw errorJSON
	switch {
	case bodyErr != nil:
		e.Message = fmt.Sprintf("%v (Content-Type %s)", bodyErr, contentType(resp.Header))
	case len(bytes.TrimSpace(body)) == 0:
		e.Message = fmt.Sprintf("empty response body (Content-Type %s)", contentType(resp.Header))
	case json.Unmarshal(body, &raw) != nil || raw.Error == nil || len(*raw.Error) > 64 || !errorCodePattern.MatchString(*raw.Error):
		e.Message = fmt.Sprintf("response body is not a JSON Error object (Content-Type %s, %d bytes)",
			contentType(resp.Header), len(body))
	default:
		e.Code = *raw.Error
		if raw.Message != nil {
			e.Message = redact(cleanText(*raw.Message, 1000), secrets)
		}
		if raw.RequestID != nil && *raw.RequestID != "" {
			e.RequestID = cleanText(*raw.RequestID, 128)
		}
	}
	return e
}

// requestIDOf is the id the server answered with, else the one this attempt sent.
func requestIDOf(resp *http.Response) string {
	id := resp.Header.Get("X-Request-Id")
	if id == "" && resp.Request != nil {
		id = resp.Request.Header.Get("X-Request-Id")
	}
	return cleanText(id, 128)
}

// contentType describes a Content-Type header by its media type only, quoted.
func contentType(h http.Header) string {
	v := h.Get("Content-Type")
	if v == "" {
		return "missing"
	}
	mediaType, _, err := mime.ParseMediaType(v)
	if err != nil || len(mediaType) > 100 {
		return "invalid"
	}
	return strconv.Quote(mediaType)
}

func isJSON(h http.Header) bool {
	mediaType, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && (mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"))
}

// cleanText makes server-provided text safe to embed in an error: valid UTF-8, no control
// characters (no forged lines in logs), at most limit runes.
func cleanText(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}

// redact removes the call's secrets from text, in case a server echoes one.
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}
