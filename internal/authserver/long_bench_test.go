package authserver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// BenchmarkServerIssueLong measures the server's handler for a new long-term token with
// the client_secret mechanism: routing, strict decoding, step-up check, idempotency
// record, minting and the JSON answer, without a network (httptest.NewRecorder).
func BenchmarkServerIssueLong(b *testing.B) {
	srv, err := New(Options{Clients: testClients(b), RateLimit: RateLimit{PerSecond: -1}})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"grant_type":"client_credentials","client_id":"app","client_secret":"` + appSecret +
		`","name":"bench","scopes":["data:read"],"ttl_days":30}`)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		req := httptest.NewRequest(http.MethodPost, pathLong, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Client-Id", "app")
		// A fresh key each time: a repeated one would be answered from the idempotency record.
		req.Header.Set("Idempotency-Key", "bench-"+strconv.Itoa(i))
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
