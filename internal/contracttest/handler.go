package contracttest

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"net/http"
)

// Handler wraps the server under test: it validates each incoming request and each
// outgoing response against the contract.
//
// A request that breaks the contract is reported only when next answered it 2xx (the
// server must reject such requests; a negative test may send them on purpose). The
// response is always validated: its status must be declared for the operation, its
// declared headers and its JSON body must match. The response is written through to the
// client as it is produced; a copy of its body (up to MaxBodyBytes) is kept for
// validation. When next hijacks the connection, the response is not validated.
// Requests under /_test/ pass through unvalidated.
func (v *Validator) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isTestPath(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		body, complete, replacement := bufferBody(r.Body)
		r.Body = replacement
		if !complete {
			v.logf("contracttest: request body of %s %s too large or unreadable: not validated", r.Method, r.URL.Path)
		}
		x := v.inspectRequest(sideServer, r, body, complete)

		rec := &recordingWriter{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.hijacked {
			return // the answer was replaced by a lost connection: nothing to validate
		}
		if !rec.wroteHeader {
			rec.WriteHeader(http.StatusOK) // what net/http sends for a handler that wrote nothing
		}
		if rec.overflow {
			v.logf("contracttest: response body of %s %s larger than %d bytes: not validated", r.Method, r.URL.Path, MaxBodyBytes)
		}
		v.record(v.finish(x, true, rec.status, rec.header, rec.body.Bytes(), !rec.overflow))
	})
}

// recordingWriter passes everything through to the real ResponseWriter and keeps the
// status, the headers as sent and a bounded copy of the body. It supports Flush, Hijack
// and http.ResponseController (Unwrap).
type recordingWriter struct {
	http.ResponseWriter

	wroteHeader bool
	status      int
	header      http.Header // snapshot when the header was written
	body        bytes.Buffer
	overflow    bool
	hijacked    bool
}

func (w *recordingWriter) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 { // 1xx are informational: the final status follows
		w.wroteHeader = true
		w.status = code
		w.header = w.ResponseWriter.Header().Clone()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.overflow {
		if room := MaxBodyBytes - w.body.Len(); len(p) <= room {
			w.body.Write(p)
		} else {
			w.overflow = true
		}
	}
	return w.ResponseWriter.Write(p)
}

// Flush sends any buffered data to the client, when the real writer can.
func (w *recordingWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack lets the handler take over the connection; the response is then not validated.
func (w *recordingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.Join(http.ErrNotSupported, errors.New("contracttest: the wrapped ResponseWriter cannot be hijacked"))
	}
	conn, rw, err := h.Hijack()
	if err == nil {
		w.hijacked = true
	}
	return conn, rw, err
}

// Unwrap returns the real ResponseWriter, for http.ResponseController.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
