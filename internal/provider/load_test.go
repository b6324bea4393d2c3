package provider

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

const loadTokens = 200

// loadRateLimit: a burst of 2 against Terraform's default parallelism of 10, so the server
// answers 429 from the first second; the 429s and their Retry-After are part of the test.
var loadRateLimit = authserver.RateLimit{PerSecond: 40, Burst: 2}

// TestAccLongTermToken_load: 200 tokens in one apply, at Terraform's default parallelism,
// against a per-client rate limit that answers 429: every token is created exactly once,
// and destroy revokes them all.
func TestAccLongTermToken_load(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, withRequestRecords, func(o *authserver.Options) { o.RateLimit = loadRateLimit })
	config := e.providerBlock(fmt.Sprintf("client_secret = %q", testClientSecret), "max_retries = 10") + fmt.Sprintf(`
resource "auth_long_term_token" "load" {
  count = %d
  name  = "load-${count.index}"
}`, loadTokens)
	resource.UnitTest(t, resource.TestCase{
		ProtoV6ProviderFactories: e.factories(),
		CheckDestroy:             e.checkNoActiveTokens,
		Steps: []resource.TestStep{{
			Config: config,
			ConfigStateChecks: []statecheck.StateCheck{
				e.expectActiveLongTermTokensMatchState(),
				serverCheck(func(state *tfjson.State) error {
					if n := len(stateTokenIDs(state)); n != loadTokens {
						return fmt.Errorf("%d distinct tokens in state, want %d", n, loadTokens)
					}
					names := map[string]int{}
					for _, r := range e.server.Tokens() {
						if r.Kind == authserver.KindLong {
							names[r.Name]++
						}
					}
					for i := range loadTokens {
						if n := names[fmt.Sprintf("load-%d", i)]; n != 1 {
							return fmt.Errorf("token load-%d was minted %d times, want once", i, n)
						}
					}
					if len(names) != loadTokens {
						return fmt.Errorf("server minted tokens of %d names, want %d", len(names), loadTokens)
					}
					limited := e.server.RateLimitedCounts()[authserver.OpIssueLong]
					if limited == 0 {
						return fmt.Errorf("the rate limit (%v per second, burst %d) never answered 429: the test proves nothing", loadRateLimit.PerSecond, loadRateLimit.Burst)
					}
					// Every request was either refused by the limiter or minted one token.
					if got := e.server.RequestCounts()[authserver.OpIssueLong]; got != loadTokens+limited {
						return fmt.Errorf("server received %d issue requests, want %d tokens + %d refused", got, loadTokens, limited)
					}
					t.Logf("%d tokens created; the rate limiter refused %d issue requests; at most %d attempts for one token",
						loadTokens, limited, maxAttempts(e.server.Requests()))
					return nil
				}),
			},
		}},
	})
}

// maxAttempts reads the most attempts of one call from the server's records: the client
// numbers each attempt in its X-Request-Id (<call id>-<attempt>).
func maxAttempts(requests []authserver.RequestRecord) int {
	most := 0
	for _, r := range requests {
		id := r.RequestID
		if i := strings.LastIndexByte(id, '-'); i >= 0 {
			if n, err := strconv.Atoi(id[i+1:]); err == nil {
				most = max(most, n)
			}
		}
	}
	return most
}
