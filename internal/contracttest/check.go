package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// side says who sent the traffic that the check is about.
type side string

const (
	sideServer side = "server" // seen by Handler
	sideClient side = "client" // seen by Transport
)

// exchange is one request on its way through the validator, waiting for its answer.
type exchange struct {
	side   side
	method string
	path   string
	opID   string

	input *openapi3filter.RequestValidationInput // nil when no operation matched

	routeProblem   string   // the request matches no operation of the contract
	requestProblem []string // parameters, security, body schema
	stepUpProblem  []string // semantic rules of issueLongTermToken (reported on 2xx only)

	requestID   string            // X-Request-Id sent with the request, if any
	credentials map[string]string // credential kind -> value, never to be echoed in an error
	redact      []string          // values to keep out of any message
}

// inspectRequest validates r, whose body (already read) is body. complete is false when
// the body was too large or could not be read, in which case the body is not validated.
// r itself is not modified: validation runs on a clone.
func (v *Validator) inspectRequest(s side, r *http.Request, body []byte, complete bool) *exchange {
	x := &exchange{
		side:        s,
		method:      r.Method,
		path:        r.URL.Path,
		opID:        "(no operation)",
		requestID:   r.Header.Get("X-Request-Id"),
		credentials: requestCredentials(r.Header, body),
	}
	x.redact = collectRedactions(r.Header, body, x.credentials)

	c := v.contract
	ctx := context.WithoutCancel(r.Context())
	clone := r.Clone(ctx)
	clone.Body = io.NopCloser(bytes.NewReader(body))
	clone.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	clone.ContentLength = int64(len(body))
	if len(body) == 0 {
		clone.Body = http.NoBody
	}

	route, pathParams, err := c.router.FindRoute(clone)
	if err != nil {
		x.routeProblem = "request: matches no operation of the contract (" + describe(err) + ")"
		return x
	}
	if route.Operation != nil && route.Operation.OperationID != "" {
		x.opID = route.Operation.OperationID
	}
	opts := c.opts
	if !complete {
		o := *c.opts
		o.ExcludeRequestBody = true
		opts = &o
	}
	x.input = &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: pathParams,
		Route:      route,
		Options:    opts,
	}
	if err := openapi3filter.ValidateRequest(ctx, x.input); err != nil {
		x.requestProblem = append(x.requestProblem, "request: "+describe(err))
	}
	if x.opID == "issueLongTermToken" && complete {
		for _, p := range stepUpProblems(r.Header, body) {
			x.stepUpProblem = append(x.stepUpProblem, "request: "+p)
		}
	}
	return x
}

// finish checks the answer to x and returns the violations to report, formatted.
// hasResponse is false when the client got no answer (transport error); status,
// header and body are then ignored. bodyComplete is false when the body was too large
// or broken, in which case the body is not validated.
func (v *Validator) finish(x *exchange, hasResponse bool, status int, header http.Header, body []byte, bodyComplete bool) []string {
	var problems []string
	accepted := hasResponse && status >= 200 && status < 300

	// Requests: the client is always to blame; the server only when it accepted one.
	if x.side == sideClient || accepted {
		if x.routeProblem != "" {
			problems = append(problems, x.routeProblem)
		}
		problems = append(problems, x.requestProblem...)
	}
	if accepted {
		problems = append(problems, x.stepUpProblem...)
	}

	if hasResponse && x.input != nil {
		opts := *x.input.Options
		if !bodyComplete {
			opts.ExcludeResponseBody = true
		}
		validate := func(h http.Header) error {
			return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
				RequestValidationInput: x.input,
				Status:                 status,
				Header:                 h,
				Body:                   io.NopCloser(bytes.NewReader(body)),
				Options:                &opts,
			})
		}
		if err := validate(header); err != nil {
			problems = append(problems, "response: "+describe(err))
			// kin-openapi stops at the first bad header: check the body on its own too
			// (the contract requires no response header, so only Content-Type is kept).
			if isHeaderError(err) {
				if err := validate(http.Header{"Content-Type": header.Values("Content-Type")}); err != nil {
					problems = append(problems, "response: "+describe(err))
				}
			}
		}
		for _, p := range responseRuleProblems(x, status, header, body, bodyComplete) {
			problems = append(problems, "response: "+p)
		}
	}
	if len(problems) == 0 {
		return nil
	}

	redact := append(slices.Clone(x.redact), collectRedactions(header, body, responseCredentials(body))...)
	statusText := "no response"
	if hasResponse {
		statusText = strconv.Itoa(status)
	}
	out := make([]string, 0, len(problems))
	for _, p := range problems {
		msg := fmt.Sprintf("[%s] %s %s %s -> %s: %s", x.side, x.opID, x.method, x.path, statusText, p)
		out = append(out, redactValues(msg, redact))
	}
	return out
}

// errorCodes are the `error` codes that fit each error status, from the contract's
// response descriptions.
var errorCodes = map[int][]string{
	400: {"invalid_request"},
	401: {"invalid_client", "invalid_grant", "invalid_token"},
	403: {"insufficient_scope"},
	404: {"not_found"},
	409: {"request_in_progress", "invalid_request"},
	422: {"idempotency_key_reused"},
	429: {"rate_limited"},
	500: {"server_error"},
	503: {"unavailable"},
}

// responseRuleProblems checks the cross-cutting rules of the contract's info.description
// that a schema cannot express.
func responseRuleProblems(x *exchange, status int, header http.Header, body []byte, bodyComplete bool) []string {
	var problems []string

	// Every response carries an X-Request-Id header, echoed when the client sent one.
	switch got := header.Get("X-Request-Id"); {
	case got == "":
		problems = append(problems, `header "X-Request-Id" missing (every response carries one)`)
	case x.requestID != "" && got != x.requestID:
		problems = append(problems, `header "X-Request-Id" does not echo the request's X-Request-Id`)
	}

	var errBody struct {
		Error *string `json:"error"`
	}
	isError := status >= 400
	if isError && bodyComplete {
		_ = json.Unmarshal(body, &errBody) // a broken body is kin-openapi's finding
	}

	// 429 and 503 carry Retry-After (integer seconds); so does 409 request_in_progress.
	needRetryAfter := status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable ||
		(status == http.StatusConflict && errBody.Error != nil && *errBody.Error == "request_in_progress")
	if needRetryAfter {
		ra := header.Values("Retry-After")
		if len(ra) == 0 {
			problems = append(problems, fmt.Sprintf(`header "Retry-After" missing (required with %d)`, status))
		} else if n, err := strconv.Atoi(strings.TrimSpace(ra[0])); err != nil || n < 0 {
			problems = append(problems, `header "Retry-After" is not a non-negative integer number of seconds`)
		}
	}

	// The error code fits the status.
	if allowed, ok := errorCodes[status]; ok && errBody.Error != nil && !slices.Contains(allowed, *errBody.Error) {
		problems = append(problems, fmt.Sprintf("error code does not fit status %d (expected one of %s)", status, strings.Join(allowed, ", ")))
	}

	// Token secrets never appear in any error message.
	if isError {
		kinds := make([]string, 0, len(x.credentials))
		for kind := range x.credentials {
			kinds = append(kinds, kind)
		}
		slices.Sort(kinds)
		for _, kind := range kinds {
			secret := x.credentials[kind]
			if len(secret) < 6 {
				continue
			}
			if bytes.Contains(body, []byte(secret)) {
				problems = append(problems, fmt.Sprintf("error body contains the request's %s (secrets never appear in error messages)", kind))
			}
			for name, values := range header {
				for _, val := range values {
					if strings.Contains(val, secret) {
						problems = append(problems, fmt.Sprintf("header %q contains the request's %s", name, kind))
					}
				}
			}
		}
	}
	return problems
}

// stepUpProblems checks the rules of issueLongTermToken that the schema cannot express:
// exactly one step-up mechanism per call, the grant_type that goes with it, and, with
// ClientKey, X-Client-Id equal to the body's client_id.
func stepUpProblems(header http.Header, body []byte) []string {
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil || req == nil {
		return nil // the body itself is kin-openapi's finding
	}
	type mechanism struct {
		name, grantType string
		clientKey       bool
	}
	var used []mechanism
	for _, m := range []mechanism{
		{"client_secret", "client_credentials", true},
		{"otp_code", "client_credentials", true},
		{"assertion", "assertion", true},
	} {
		if _, ok := req[m.name]; ok {
			used = append(used, m)
		}
	}
	if header.Get("Authorization") != "" {
		used = append(used, mechanism{"Authorization bearer", "token_exchange", false})
	}
	var problems []string
	if len(used) != 1 {
		names := make([]string, 0, len(used))
		for _, m := range used {
			names = append(names, m.name)
		}
		problems = append(problems, fmt.Sprintf("step-up needs exactly one mechanism, found %d [%s] (the server must answer 400)", len(used), strings.Join(names, ", ")))
		return problems
	}
	m := used[0]
	if gt, _ := req["grant_type"].(string); gt != m.grantType {
		problems = append(problems, fmt.Sprintf("mechanism %s needs grant_type %q", m.name, m.grantType))
	}
	if m.clientKey {
		if cid, _ := req["client_id"].(string); header.Get("X-Client-Id") != cid {
			problems = append(problems, "header X-Client-Id differs from body client_id")
		}
	}
	return problems
}

// requestCredentials returns the credentials a request carries, by kind.
func requestCredentials(header http.Header, body []byte) map[string]string {
	creds := map[string]string{}
	if auth := header.Get("Authorization"); auth != "" {
		if _, cred, ok := strings.Cut(auth, " "); ok && strings.TrimSpace(cred) != "" {
			creds["bearer token"] = strings.TrimSpace(cred)
		} else {
			creds["Authorization header"] = auth
		}
	}
	var req map[string]any
	if json.Unmarshal(body, &req) == nil {
		for _, k := range []string{"client_secret", "otp_code", "assertion"} {
			if s, ok := req[k].(string); ok && s != "" {
				creds[k] = s
			}
		}
	}
	return creds
}

// responseCredentials returns the secret a response carries (an issued token).
func responseCredentials(body []byte) map[string]string {
	var resp map[string]any
	if json.Unmarshal(body, &resp) != nil {
		return nil
	}
	if s, ok := resp["token"].(string); ok && s != "" {
		return map[string]string{"token": s}
	}
	return nil
}

// minRedactLen is the length from which a header or body value is redacted from messages;
// shorter values (e.g. "1", "true") would mangle the text. Credentials are always redacted.
const minRedactLen = 8

// collectRedactions lists the values that must not appear in a message: the credentials,
// every header value and every string in the JSON body that is long enough to matter.
func collectRedactions(header http.Header, body []byte, creds map[string]string) []string {
	var out []string
	for _, c := range creds {
		if len(c) >= 4 {
			out = append(out, c)
		}
	}
	for _, values := range header {
		for _, val := range values {
			if len(val) >= minRedactLen {
				out = append(out, val)
			}
		}
	}
	var doc any
	if json.Unmarshal(body, &doc) == nil {
		var walk func(any)
		walk = func(n any) {
			switch t := n.(type) {
			case string:
				if len(t) >= minRedactLen {
					out = append(out, t)
				}
			case []any:
				for _, e := range t {
					walk(e)
				}
			case map[string]any:
				for _, e := range t {
					walk(e)
				}
			}
		}
		walk(doc)
	}
	return out
}

// redactValues replaces every value of redact found in msg, longest first.
func redactValues(msg string, redact []string) string {
	if len(redact) == 0 {
		return msg
	}
	sorted := slices.Clone(redact)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	for _, r := range sorted {
		if r != "" {
			msg = strings.ReplaceAll(msg, r, "<redacted>")
		}
	}
	return msg
}

// isHeaderError reports whether ValidateResponse stopped at a response header.
func isHeaderError(err error) bool {
	var re *openapi3filter.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	for _, prefix := range []string{"response header ", "unable to decode header ", "unable to get header "} {
		if strings.HasPrefix(re.Reason, prefix) {
			return true
		}
	}
	return false
}
