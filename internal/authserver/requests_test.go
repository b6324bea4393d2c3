package authserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestRequestRecordsOffByDefault(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.mustLong("app")
	if got := h.srv.Requests(); got != nil {
		t.Errorf("a server without RequestRecords recorded %d requests", len(got))
	}
}

// TestRequestRecords: each request's record says what its log line says, structured; the
// records are bounded and hold no credential.
func TestRequestRecords(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.RequestRecords = 5 })
	issued := h.issueLong(longBody("app", appSecret), "X-Request-Id", "call-1", "Idempotency-Key", "k1")
	secret := issued.str("token")
	h.issueLong(longBody("app", appSecret), "X-Request-Id", "call-2", "Idempotency-Key", "k1")
	h.issueLong(longBody("app", "wrong-secret-guess"), "X-Request-Id", "call-3")
	h.srv.InjectFault(OpIssueShort, Fault{DropConnection: true})
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, _ = h.try(fresh, req{path: pathShort, headers: map[string]string{"Authorization": "Bearer " + secret, "X-Request-Id": "call-4"}})
	h.revoke(secret, secret) // a token where its id belongs
	h.revoke(secret, issued.str("token_id"))

	got := h.srv.Requests()
	if len(got) != 5 || got[0].Seq != 2 || got[4].Seq != 6 {
		t.Fatalf("records %+v; want the last 5 of 6, numbered 2 to 6", got)
	}
	replay, refused, dropped, pasted, revoked := got[0], got[1], got[2], got[3], got[4]
	for _, c := range []struct {
		name string
		ok   bool
		rec  RequestRecord
	}{
		{"replay", replay.Operation == OpIssueLong && replay.Status == 201 && replay.Replayed && replay.IdempotencyKey &&
			replay.RequestID == "call-2" && replay.ClientID == "app" && replay.Time.Equal(t0), replay},
		{"refused", refused.Status == 401 && refused.Error == codeInvalidClient && !refused.IdempotencyKey && refused.TokenID == "", refused},
		{"dropped", dropped.Operation == OpIssueShort && dropped.Status == 0 && dropped.Outcome == OutcomeDropped &&
			strings.HasPrefix(dropped.TokenID, "st_") && dropped.CallerTokenID == issued.str("token_id"), dropped},
		{"pasted secret", pasted.Operation == OpRevoke && pasted.TargetTokenID == "{redacted}", pasted},
		{"revoke", revoked.Status == 204 && revoked.TargetTokenID == issued.str("token_id") && revoked.Outcome == "", revoked},
	} {
		if !c.ok {
			t.Errorf("%s: record %+v", c.name, c.rec)
		}
	}
	all := fmt.Sprintf("%+v", got)
	for _, s := range []string{appSecret, "wrong-secret-guess", secret, "k1"} {
		if strings.Contains(all, s) {
			t.Errorf("records contain %.12q...", s)
		}
	}
}
