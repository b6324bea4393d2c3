package contracttest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// safeError is an error whose text is known to hold no value of the traffic.
type safeError string

func (e safeError) Error() string { return string(e) }

// describe renders a kin-openapi validation error without quoting any value of the
// request or response: it keeps reasons, parameter names and JSON pointers, and leaves
// out SchemaError.Value, ParseError.Value and the text of unknown errors.
func describe(err error) string {
	switch e := err.(type) {
	case nil:
		return ""
	case safeError:
		return string(e)
	case openapi3.MultiError:
		parts := make([]string, 0, len(e))
		for _, sub := range e {
			parts = append(parts, describe(sub))
		}
		return strings.Join(parts, "; ")
	case *openapi3filter.SecurityRequirementsError:
		parts := make([]string, 0, len(e.Errors))
		for _, sub := range e.Errors {
			parts = append(parts, describe(sub))
		}
		return "security requirements failed (none of the alternatives is met): " + strings.Join(parts, " | ")
	case *openapi3filter.RequestError:
		msg := joinReason(stripCTValue(e.Reason), e.Err)
		switch {
		case e.Parameter != nil:
			return fmt.Sprintf("parameter %q in %s: %s", e.Parameter.Name, e.Parameter.In, msg)
		case e.RequestBody != nil:
			return "request body: " + msg
		}
		return msg
	case *openapi3filter.ResponseError:
		return joinReason(stripCTValue(e.Reason), e.Err)
	case *openapi3.SchemaError:
		return describeSchemaError(e)
	case *openapi3filter.ParseError:
		var parts []string
		if p := e.Path(); len(p) > 0 {
			segs := make([]string, 0, len(p))
			for _, s := range p {
				segs = append(segs, fmt.Sprint(s))
			}
			parts = append(parts, "at "+strings.Join(segs, "."))
		}
		if e.Reason != "" {
			parts = append(parts, stripCTValue(e.Reason))
		} else {
			parts = append(parts, "cannot be parsed")
		}
		if e.Cause != nil {
			parts = append(parts, describe(e.Cause))
		}
		return strings.Join(parts, ": ")
	case *routers.RouteError:
		return e.Reason
	}
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired):
		return openapi3filter.ErrInvalidRequired.Error()
	case errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		return openapi3filter.ErrInvalidEmptyValue.Error()
	case errors.Is(err, openapi3filter.ErrAuthenticationServiceMissing):
		return openapi3filter.ErrAuthenticationServiceMissing.Error()
	}
	if u, ok := err.(interface{ Unwrap() error }); ok && u.Unwrap() != nil {
		return describe(u.Unwrap())
	}
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		var parts []string
		for _, sub := range u.Unwrap() {
			parts = append(parts, describe(sub))
		}
		return strings.Join(parts, "; ")
	}
	// Unknown text may quote a value (e.g. a JSON syntax error): name the kind only.
	return fmt.Sprintf("%T (details withheld: they may quote a value)", err)
}

func joinReason(reason string, err error) string {
	inner := describe(err)
	switch {
	case reason == "":
		return inner
	case inner == "" || inner == reason:
		return reason
	}
	return reason + ": " + inner
}

// stripCTValue removes the quoted Content-Type value that some kin-openapi reasons append.
func stripCTValue(reason string) string {
	for _, prefix := range []string{
		"header Content-Type has unexpected value",
		"response header Content-Type has unexpected value",
		"unsupported content type",
		"not matching content types",
	} {
		if strings.HasPrefix(reason, prefix) {
			return prefix
		}
	}
	return reason
}

// describeSchemaError renders the JSON pointer and the reason of a schema error. The
// reason of a "format" error may quote the value (e.g. a time.Parse error), so it is
// rebuilt from the schema.
func describeSchemaError(e *openapi3.SchemaError) string {
	ptr := "/" + strings.Join(e.JSONPointer(), "/")
	reason := e.Reason
	switch {
	case e.SchemaField == "format":
		format := ""
		if e.Schema != nil {
			format = e.Schema.Format
		}
		reason = fmt.Sprintf("doesn't match the format %q", format)
	case reason == "":
		reason = fmt.Sprintf("doesn't match schema %q", e.SchemaField)
	}
	if sub := nestedSchemaErrors(e.Origin); sub != "" && e.SchemaField != "format" {
		reason += " (" + sub + ")"
	}
	return fmt.Sprintf("at %q: %s", ptr, reason)
}

// nestedSchemaErrors describes the schema errors under a oneOf/anyOf/allOf failure.
func nestedSchemaErrors(err error) string {
	if err == nil {
		return ""
	}
	var me openapi3.MultiError
	if errors.As(err, &me) {
		return describe(me)
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return describeSchemaError(se)
	}
	return ""
}

// authenticate is the AuthenticationFunc: it checks that the credential a security scheme
// needs is present and well-formed (Bearer token, a JWT for ShortTokenAuth; a non-empty
// X-Client-Id). Whether the credential is valid is the server's business.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	s := in.SecurityScheme
	name := in.SecuritySchemeName
	fail := func(format string, args ...any) error {
		return in.NewError(safeError(name + ": " + fmt.Sprintf(format, args...)))
	}
	switch s.Type {
	case "http":
		if !strings.EqualFold(s.Scheme, "bearer") {
			return fail("http scheme %q is not supported by the validator", s.Scheme)
		}
		values := req.Header.Values("Authorization")
		switch {
		case len(values) == 0:
			return fail("no Authorization header")
		case len(values) > 1:
			return fail("more than one Authorization header")
		}
		scheme, cred, ok := strings.Cut(values[0], " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || cred == "" || strings.TrimSpace(cred) != cred {
			return fail(`Authorization header is not of the form "Bearer <token>"`)
		}
		if strings.EqualFold(s.BearerFormat, "JWT") && !looksLikeJWT(cred) {
			return fail("the bearer token is not a JWT (three base64url segments)")
		}
		return nil
	case "apiKey":
		var values []string
		switch s.In {
		case "header":
			values = req.Header.Values(s.Name)
		case "query":
			values = req.URL.Query()[s.Name]
		case "cookie":
			for _, c := range req.CookiesNamed(s.Name) {
				values = append(values, c.Value)
			}
		default:
			return fail("apiKey location %q is not supported by the validator", s.In)
		}
		switch {
		case len(values) == 0:
			return fail("no %s %s", s.Name, s.In)
		case len(values) > 1:
			return fail("more than one %s %s", s.Name, s.In)
		case strings.TrimSpace(values[0]) == "":
			return fail("empty %s %s", s.Name, s.In)
		}
		return nil
	}
	return fail("security scheme type %q is not supported by the validator", s.Type)
}

// looksLikeJWT reports whether s has the compact JWS form: three non-empty base64url
// segments separated by dots.
func looksLikeJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		if strings.ContainsFunc(p, func(r rune) bool { return !isBase64URLChar(r) }) {
			return false
		}
	}
	return true
}

func isBase64URLChar(r rune) bool {
	return r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}
