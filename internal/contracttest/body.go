package contracttest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
)

// bufferBody reads up to MaxBodyBytes of rc and returns what it read, whether that is
// the whole body, and a replacement that yields exactly what rc would have yielded
// (the buffered bytes, then the rest of rc or its read error) and closes rc.
func bufferBody(rc io.ReadCloser) (data []byte, complete bool, replacement io.ReadCloser) {
	if rc == nil || rc == http.NoBody {
		return nil, true, rc
	}
	data, err := io.ReadAll(io.LimitReader(rc, MaxBodyBytes+1))
	switch {
	case err != nil:
		return data, false, readCloser{io.MultiReader(bytes.NewReader(data), errReader{err}), rc}
	case len(data) > MaxBodyBytes:
		return data, false, readCloser{io.MultiReader(bytes.NewReader(data), rc), rc}
	}
	return data, true, readCloser{bytes.NewReader(data), rc}
}

type readCloser struct {
	io.Reader
	io.Closer
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// isTestPath reports whether path is a test-only control path (/_test/..., also under
// /v1), never validated.
func isTestPath(path string) bool {
	return strings.HasPrefix(path, testPathPrefix) || strings.HasPrefix(path, BasePath+testPathPrefix)
}
