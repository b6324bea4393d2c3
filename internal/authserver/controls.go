package authserver

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// controlsPrefix is where the test controls live (not part of the contract).
const controlsPrefix = "/_test/"

// The bodies and answers of the test controls, declared once for the server and its
// clients (the bench, scripts/demo-tokens); the README's "The local Auth API server"
// documents them. Answers without a body are 204 or 201; errors are the contract's error
// body.

// HealthResponse answers GET /_test/health.
type HealthResponse struct {
	Status string `json:"status"` // always "ok"
}

// TokensResponse answers GET /_test/tokens: every token ever issued, oldest first.
type TokensResponse struct {
	Tokens []TokenRecord `json:"tokens"`
}

// CountsResponse answers GET /_test/counts: the requests each operation received since
// the start or the last POST /_test/counts/reset, every operation present.
type CountsResponse map[Operation]int

// ClockRequest is the body of POST /_test/clock: exactly one of the fields.
type ClockRequest struct {
	// Now sets the clock, backwards too.
	Now *time.Time `json:"now"`
	// Advance moves the clock forward by a Go duration such as "1h" or "90m".
	Advance string `json:"advance"`
}

// ClockResponse answers POST /_test/clock with the clock's new time.
type ClockResponse struct {
	Now time.Time `json:"now"`
}

// FaultRequest is the body of POST /_test/faults: the JSON form of a Fault for one
// operation.
type FaultRequest struct {
	Operation       Operation `json:"operation"`
	Status          int       `json:"status"`
	RetryAfter      int       `json:"retry_after"`
	Delay           string    `json:"delay"` // a Go duration such as "2s"
	Hold            string    `json:"hold"`  // a Go duration such as "1500ms"
	DropConnection  bool      `json:"drop_connection"`
	AfterProcessing bool      `json:"after_processing"`
	Times           int       `json:"times"`
}

// serveControls serves the test controls:
//
//	GET    /_test/health        200 HealthResponse
//	GET    /_test/tokens        200 TokensResponse
//	GET    /_test/counts        200 CountsResponse
//	POST   /_test/counts/reset  204
//	POST   /_test/clock         ClockRequest: 200 ClockResponse; 409 unless a ManualClock
//	POST   /_test/faults        FaultRequest: 204
//	DELETE /_test/faults        204
//	POST   /_test/clients       ClientConfig: 201 (409 if the id exists)
func (s *Server) serveControls(w http.ResponseWriter, r *http.Request, rid string) {
	fail := func(status int, code, format string, args ...any) {
		errorResponse(newError(status, code, format, args...), rid).write(w)
	}
	route := strings.TrimPrefix(r.URL.Path, controlsPrefix)
	switch r.Method + " " + route {
	case "GET health":
		jsonResponse(http.StatusOK, HealthResponse{Status: "ok"}).write(w)
	case "GET tokens":
		jsonResponse(http.StatusOK, TokensResponse{Tokens: s.Tokens()}).write(w)
	case "GET counts":
		jsonResponse(http.StatusOK, CountsResponse(s.RequestCounts())).write(w)
	case "POST counts/reset":
		s.ResetCounts()
		w.WriteHeader(http.StatusNoContent)
	case "POST clock":
		var req ClockRequest
		if err := decodeControl(r, &req); err != nil {
			fail(http.StatusBadRequest, codeInvalidRequest, "%v", err)
			return
		}
		mc, ok := s.clock.(*ManualClock)
		if !ok {
			fail(http.StatusConflict, codeInvalidRequest, "the server runs on real time, not a manual clock")
			return
		}
		switch {
		case req.Now != nil && req.Advance == "":
			mc.Set(*req.Now)
		case req.Now == nil && req.Advance != "":
			d, err := time.ParseDuration(req.Advance)
			if err != nil {
				fail(http.StatusBadRequest, codeInvalidRequest, "advance: %v", err)
				return
			}
			mc.Advance(d)
		default:
			fail(http.StatusBadRequest, codeInvalidRequest, `send exactly one of "now" and "advance"`)
			return
		}
		jsonResponse(http.StatusOK, ClockResponse{Now: s.now()}).write(w)
	case "POST faults":
		var req FaultRequest
		if err := decodeControl(r, &req); err != nil {
			fail(http.StatusBadRequest, codeInvalidRequest, "%v", err)
			return
		}
		f, err := req.fault()
		if err != nil {
			fail(http.StatusBadRequest, codeInvalidRequest, "%v", err)
			return
		}
		s.InjectFault(req.Operation, f)
		w.WriteHeader(http.StatusNoContent)
	case "DELETE faults":
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case "POST clients":
		var cfg ClientConfig
		if err := decodeControl(r, &cfg); err != nil {
			fail(http.StatusBadRequest, codeInvalidRequest, "%v", err)
			return
		}
		if err := s.AddClient(cfg); errors.Is(err, ErrClientExists) {
			fail(http.StatusConflict, codeInvalidRequest, "%v", err)
			return
		} else if err != nil {
			fail(http.StatusBadRequest, codeInvalidRequest, "%v", err)
			return
		}
		w.WriteHeader(http.StatusCreated)
	default:
		fail(http.StatusNotFound, codeNotFound, "no such test control")
	}
}

// fault validates a FaultRequest.
func (req FaultRequest) fault() (Fault, error) {
	if !slices.Contains(operations, req.Operation) {
		return Fault{}, errors.New(`operation must be issueLongTermToken, issueShortTermToken or revokeToken`)
	}
	if !validFaultStatus(req.Status) {
		return Fault{}, errors.New("status must be 0, 429, 500 or 503")
	}
	if req.AfterProcessing && req.Status == 0 {
		return Fault{}, errors.New("after_processing needs a status")
	}
	if req.RetryAfter < 0 || req.Times < 0 {
		return Fault{}, errors.New("retry_after and times must not be negative")
	}
	f := Fault{
		Status:          req.Status,
		RetryAfter:      req.RetryAfter,
		DropConnection:  req.DropConnection,
		AfterProcessing: req.AfterProcessing,
		Times:           req.Times,
	}
	for _, field := range []struct {
		name, value string
		dst         *time.Duration
	}{{"delay", req.Delay, &f.Delay}, {"hold", req.Hold, &f.Hold}} {
		if field.value == "" {
			continue
		}
		d, err := time.ParseDuration(field.value)
		if err != nil || d < 0 {
			return Fault{}, errors.New(field.name + ` must be a non-negative duration such as "2s"`)
		}
		*field.dst = d
	}
	return f, nil
}

// decodeControl decodes a control's JSON body strictly. Error messages never quote the
// body: a client config holds a secret.
func decodeControl(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr):
			return errors.New("field " + typeErr.Field + " has the wrong type")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errors.New(strings.TrimPrefix(err.Error(), "json: "))
		}
		return errors.New("body must be one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("body must be one JSON object")
	}
	return nil
}
