package authclient

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// Defaults for the zero values of Config.
const (
	defaultRequestTimeout = 30 * time.Second
	defaultMaxRetryWait   = 30 * time.Second
	defaultMinRetryWait   = 250 * time.Millisecond
	defaultUserAgent      = "terraform-provider-auth/dev"
)

// Config configures a Client. Zero values select the documented defaults.
type Config struct {
	// Endpoint is the base URL, e.g. https://api.example.com/v1; operation paths such as
	// /auth/tokens/long are appended. A trailing slash is tolerated.
	Endpoint string
	// MaxRetries is the number of retries after the first attempt; 0 disables retrying.
	MaxRetries int
	// RequestTimeout bounds each attempt, including reading the response; 0 means 30s.
	RequestTimeout time.Duration
	// MaxRetryWait caps every wait between attempts, Retry-After included; 0 means 30s.
	MaxRetryWait time.Duration
	// MinRetryWait is the base of the exponential backoff; 0 means 250ms.
	MinRetryWait time.Duration
	// CACertPEM holds extra trusted CA certificates, added to the system pool. It applies
	// to the default transport only, not to Transport.
	CACertPEM string
	// UserAgent is sent on every request; "" means "terraform-provider-auth/dev".
	UserAgent string
	// Clock gives iat and exp of self-signed assertions; nil means time.Now.
	Clock func() time.Time
	// Transport replaces the default pooled transport, e.g. to validate traffic in tests.
	Transport http.RoundTripper
}

// Client calls the Auth API. It is safe for concurrent use.
type Client struct {
	endpoint  string // without trailing slash
	userAgent string
	clock     func() time.Time
	http      *retryablehttp.Client
}

// New validates cfg and returns a Client. Whether plain http is acceptable is the
// caller's policy; New only requires an absolute http or https URL.
func New(cfg Config) (*Client, error) {
	endpoint, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.MaxRetries < 0:
		return nil, errors.New("authclient: MaxRetries must not be negative")
	case cfg.RequestTimeout < 0, cfg.MaxRetryWait < 0, cfg.MinRetryWait < 0:
		return nil, errors.New("authclient: RequestTimeout, MaxRetryWait and MinRetryWait must not be negative")
	case !validHeaderValue(cfg.UserAgent):
		return nil, errors.New("authclient: UserAgent must not contain control characters")
	}
	roots, err := rootCAs(cfg.CACertPEM) // refused even when Transport replaces its use
	if err != nil {
		return nil, err
	}
	transport := cfg.Transport
	if transport == nil {
		t := cleanhttp.DefaultPooledTransport()
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
		transport = t
	}

	c := &Client{
		endpoint:  endpoint,
		userAgent: cmp.Or(cfg.UserAgent, defaultUserAgent),
		clock:     cfg.Clock,
		http: &retryablehttp.Client{
			HTTPClient: &http.Client{
				Transport: attemptTransport{base: transport},
				Timeout:   cmp.Or(cfg.RequestTimeout, defaultRequestTimeout),
				// A redirect is outside the contract; surface it instead of following it
				// (and possibly carrying credentials elsewhere).
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			},
			Logger:   nil, // attemptTransport logs through tflog instead
			RetryMax: cfg.MaxRetries,
			CheckRetry: retryPolicy{
				maxRetries: cfg.MaxRetries,
				lo:         cmp.Or(cfg.MinRetryWait, defaultMinRetryWait),
				hi:         cmp.Or(cfg.MaxRetryWait, defaultMaxRetryWait),
			}.check,
			Backoff:      noWait,
			ErrorHandler: retryablehttp.PassthroughErrorHandler, // send builds the final error
		},
	}
	if c.clock == nil {
		c.clock = time.Now
	}
	return c, nil
}

// Endpoint returns the base URL the client calls, without a trailing slash.
func (c *Client) Endpoint() string { return c.endpoint }

func parseEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "", errors.New("authclient: Endpoint is required")
	case err != nil:
		return "", fmt.Errorf("authclient: Endpoint is not a valid URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", errors.New("authclient: Endpoint must be an absolute http or https URL")
	case u.Host == "":
		return "", errors.New("authclient: Endpoint has no host")
	case u.User != nil:
		return "", errors.New("authclient: Endpoint must not contain credentials")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("authclient: Endpoint must not have a query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// rootCAs returns the system pool plus the CAs in pemText, or nil (system pool) when empty.
// Every PEM block must be a parseable certificate: a half-applied CA bundle is a trap.
func rootCAs(pemText string) (*x509.CertPool, error) {
	if strings.TrimSpace(pemText) == "" {
		return nil, nil
	}
	certs, err := ParseCACertPEM(pemText)
	if err != nil {
		return nil, fmt.Errorf("authclient: CACertPEM: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	for _, cert := range certs {
		pool.AddCert(cert)
	}
	return pool, nil
}

// ErrNoCertificate is matched by errors.Is against the error of ParseCACertPEM for text
// that holds no certificate at all.
var ErrNoCertificate = errors.New("no PEM certificate found")

// ParseCACertPEM reads PEM text that must hold one or more CERTIFICATE blocks and nothing
// else: the rule for Config.CACertPEM, for callers that check it before New.
func ParseCACertPEM(pemText string) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	var problem error // the first block that is not a valid certificate
	rest := []byte(pemText)
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			problem = cmp.Or(problem, fmt.Errorf("block %d is a %q, not a CERTIFICATE", n, block.Type))
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			problem = cmp.Or(problem, fmt.Errorf("block %d is not a valid certificate: %w", n, err))
			continue
		}
		certs = append(certs, cert)
	}
	switch {
	case len(certs) == 0:
		return nil, ErrNoCertificate
	case problem != nil:
		return nil, problem
	case strings.TrimSpace(string(rest)) != "":
		return nil, errors.New("must contain only PEM CERTIFICATE blocks")
	}
	return certs, nil
}

// answer is a response with the status the operation expects.
type answer struct {
	header    http.Header
	body      []byte
	status    int
	requestID string
}

// invalid reports a body that breaks the contract.
func (a *answer) invalid(op string, err error) error {
	problem := "invalid response: " + err.Error()
	if !isJSON(a.header) {
		problem += " (Content-Type " + contentType(a.header) + ")"
	}
	return &responseError{operation: op, statusCode: a.status, requestID: a.requestID, problem: problem}
}

// newCall prepares the parts every request shares.
func (c *Client) newCall(op, path string, wantStatus int) *call {
	h := http.Header{}
	h.Set("User-Agent", c.userAgent)
	h.Set("Accept", "application/json")
	return &call{
		op:         op,
		url:        c.endpoint + path,
		header:     h,
		wantStatus: wantStatus,
		requestID:  newID(),
	}
}

// send performs cl with its retries. It returns the answer when the status is the expected
// one, and otherwise an *APIError (4xx/5xx), a *responseError, or a transport or context
// error, each naming the operation and, after retries, the number of attempts.
//
// The end of ctx (Terraform stopped the provider, or the operation's timeout passed) stops
// the call from sending anything more, but it does not cut short an attempt under way:
// that one runs to its end, bounded by RequestTimeout, so that its outcome is known rather
// than in doubt (the server may act on a request whatever the client does). A call whose
// ctx has ended before it starts sends nothing.
func (c *Client) send(ctx context.Context, cl *call) (*answer, error) {
	if err := ctx.Err(); err != nil {
		return nil, &notSentError{err: fmt.Errorf("%s: not sent: %w", cl.op, err)}
	}
	cl.callerDoneCh, cl.callerErr = ctx.Done(), ctx.Err
	attemptCtx := context.WithValue(context.WithoutCancel(ctx), callKey{}, cl)
	var rawBody any // a typed nil []byte would still make retryablehttp send a body
	if cl.body != nil {
		rawBody = cl.body
		cl.header.Set("Content-Type", "application/json")
	}
	if cl.idempotencyKey != "" {
		cl.header.Set("Idempotency-Key", cl.idempotencyKey)
	}
	req, err := retryablehttp.NewRequestWithContext(attemptCtx, http.MethodPost, cl.url, rawBody) // every operation of the contract is a POST
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cl.op, err)
	}
	req.Header = cl.header
	req.SetResponseHandler(bufferBody)

	resp, err := c.http.Do(req)
	if resp != nil {
		defer resp.Body.Close()
	}
	ans, err := cl.outcome(resp, err)
	if err == nil {
		return ans, nil
	}
	ae := &attemptsError{err: err, attempts: cl.attempts, stopped: ctx.Err()}
	if errors.Is(err, errAttemptNotSent) {
		ae.last = cl.last // the refusal alone would hide what the server said
	}
	if ae.attempts > 1 || ae.stopped != nil {
		err = ae
	}
	if !cl.reached {
		err = &notSentError{err: err}
	}
	return nil, err
}

// outcome turns the result of the retry loop into an answer or the call's error.
func (cl *call) outcome(resp *http.Response, err error) (*answer, error) {
	if resp == nil {
		return nil, fmt.Errorf("%s: %w", cl.op, err)
	}
	// With a response, err is a failure to read its body.
	var body []byte
	if err == nil {
		body, err = readBody(resp.Body)
	}
	requestID := requestIDOf(resp)
	switch {
	case resp.StatusCode >= 400:
		return nil, apiErrorFrom(cl.op, resp, body, err, cl.secrets)
	case resp.StatusCode != cl.wantStatus:
		return nil, &responseError{operation: cl.op, statusCode: resp.StatusCode, requestID: requestID,
			problem: fmt.Sprintf("unexpected status (want %d)", cl.wantStatus)}
	case err != nil:
		return nil, &responseError{operation: cl.op, statusCode: resp.StatusCode, requestID: requestID, problem: err.Error()}
	}
	return &answer{header: resp.Header, body: body, status: resp.StatusCode, requestID: requestID}, nil
}

// bufferBody reads the final response's body inside the retry loop, so that a connection
// lost mid-body is retried like any transport error.
func bufferBody(resp *http.Response) error {
	body, err := readBody(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return err
}

// validHeaderValue refuses control characters, which net/http would reject only at send
// time, as a transport error.
func validHeaderValue(v string) bool {
	return !strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f })
}
