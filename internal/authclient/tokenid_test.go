package authclient

import (
	"regexp"
	"strings"
	"testing"
)

// The hand-written check must accept exactly what the contract's pattern accepts.
func TestTokenIDFormatMatchesPattern(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"", "lt_", "st_", "lt_" + strings.Repeat("a", 15), "lt_" + strings.Repeat("a", 16), "lt_" + strings.Repeat("Z9", 32),
		"lt_" + strings.Repeat("a", 65), "st_ABCDEFGHIJKLMNOP0003", "xt_ABCDEFGHIJKLMNOP0003", "lt_ABCDEFGHIJKLMN-P0003",
		"lt_ABCDEFGHIJKLMNOP0003\n", " lt_ABCDEFGHIJKLMNOP0003", "lt_ABCDEFGHIJKLMNÖP0003", "LT_ABCDEFGHIJKLMNOP0003",
		"lt_lt_ABCDEFGHIJKLMNOP", "st_../../v1/auth/tokens",
	}
	for _, f := range []tokenIDFormat{longTokenID, shortTokenID, anyTokenID} {
		re := regexp.MustCompile(f.String())
		for _, in := range inputs {
			if got, want := f.MatchString(in), re.MatchString(in); got != want {
				t.Errorf("%s: MatchString(%q) = %v, the pattern says %v", f, in, got, want)
			}
		}
	}
}
