package authclient

import (
	"math"
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	const lo, hi = 250 * time.Millisecond, 30 * time.Second
	for attempt := range 100 {
		want := min(lo<<min(attempt, 20), hi)
		if got := backoff(lo, hi, attempt, nil); got < want/2 || got > want {
			t.Errorf("attempt %d: backoff %v, want within [%v, %v]", attempt, got, want/2, want)
		}
	}
	// Retry-After is the least wait, with up to half again of jitter; past it, the
	// exponential backoff grows as usual; never more than hi.
	for _, tc := range []struct {
		header  string
		attempt int
		least   time.Duration // -1: not a Retry-After, plain backoff
		most    time.Duration
	}{
		{header: "2", least: 2 * time.Second, most: 3 * time.Second},
		{header: " 7 ", least: 7 * time.Second, most: 10500 * time.Millisecond},
		{header: "0", least: lo, most: lo * 3 / 2},
		{header: "1", attempt: 3, least: 2 * time.Second, most: 3 * time.Second},
		{header: "3600", least: hi, most: hi},
		{header: "20", attempt: 10, least: hi, most: hi},
		{header: "99999999999999999999", least: -1}, // not an int64
		{header: "-1", least: -1},
		{header: "Fri, 31 Dec 1999 23:59:59 GMT", least: -1},
	} {
		for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
			resp := &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {tc.header}}}
			got := backoff(lo, hi, tc.attempt, resp)
			if tc.least >= 0 && (got < tc.least || got > tc.most) || tc.least < 0 && (got < lo/2 || got > lo) {
				t.Errorf("%d with Retry-After %q, attempt %d: backoff %v", status, tc.header, tc.attempt, got)
			}
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
