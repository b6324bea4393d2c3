package authclient

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const lo, hi = 250 * time.Millisecond, 30 * time.Second
	for attempt := range 100 {
		want := min(lo<<min(attempt, 20), hi)
		if got := backoff(lo, hi, attempt, nil); got < want/2 || got > want {
			t.Errorf("attempt %d: backoff %v, want within [%v, %v]", attempt, got, want/2, want)
		}
	}
	for header, want := range map[string]time.Duration{
		"2":                             2 * time.Second,
		"0":                             0,
		" 7 ":                           7 * time.Second,
		"3600":                          hi,
		"99999999999999999999":          -1, // not an int64: backoff
		"-1":                            -1,
		"Fri, 31 Dec 1999 23:59:59 GMT": -1,
	} {
		resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {header}}}
		got := backoff(lo, hi, 0, resp)
		if want >= 0 && got != want || want < 0 && (got < lo/2 || got > lo) {
			t.Errorf("Retry-After %q: backoff %v", header, got)
		}
	}
	// A huge cap must not overflow the doubling.
	if got := backoff(lo, math.MaxInt64, 1000, nil); got < math.MaxInt64/2 {
		t.Errorf("backoff with an unbounded cap = %v", got)
	}
	// Retry-After means nothing on other statuses.
	resp := &http.Response{StatusCode: http.StatusInternalServerError, Header: http.Header{"Retry-After": {"20"}}}
	if got := backoff(lo, hi, 0, resp); got > lo {
		t.Errorf("500 with Retry-After: backoff %v", got)
	}
}
