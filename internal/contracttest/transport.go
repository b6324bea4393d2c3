package contracttest

import (
	"io"
	"net/http"
)

// Transport wraps the client's RoundTripper (http.DefaultTransport when next is nil): it
// validates each request the client sends and each response it receives. Every request
// that breaks the contract is reported, whatever the answer. The response body is
// buffered (up to MaxBodyBytes) for validation and handed to the caller intact. Requests
// under /_test/ pass through unvalidated.
func (v *Validator) Transport(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &validatingTransport{v: v, next: next}
}

type validatingTransport struct {
	v    *Validator
	next http.RoundTripper
}

func (t *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if isTestPath(req.URL.Path) {
		return t.next.RoundTrip(req)
	}
	v := t.v

	// Read the request body without disturbing the request: through GetBody when the
	// request has one, otherwise by sending a clone with a buffered copy.
	out := req
	var body []byte
	complete := true
	switch {
	case req.Body == nil || req.Body == http.NoBody:
	case req.GetBody != nil:
		if rc, err := req.GetBody(); err == nil {
			var replacement io.ReadCloser
			body, complete, replacement = bufferBody(rc)
			if replacement != nil {
				_ = replacement.Close()
			}
		} else {
			complete = false
		}
	default:
		var replacement io.ReadCloser
		body, complete, replacement = bufferBody(req.Body)
		out = req.Clone(req.Context())
		out.Body = replacement
	}
	if !complete {
		v.logf("contracttest: request body of %s %s too large or unreadable: not validated", req.Method, req.URL.Path)
	}
	x := v.inspectRequest(sideClient, req, body, complete)

	resp, err := t.next.RoundTrip(out)
	if err != nil {
		v.record(v.finish(x, false, 0, nil, nil, false))
		return resp, err
	}
	respBody, respComplete, replacement := bufferBody(resp.Body)
	resp.Body = replacement
	if !respComplete {
		v.logf("contracttest: response body of %s %s too large or unreadable: not validated", req.Method, req.URL.Path)
	}
	v.record(v.finish(x, true, resp.StatusCode, resp.Header, respBody, respComplete))
	return resp, nil
}
