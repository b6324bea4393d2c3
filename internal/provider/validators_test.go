package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/example/terraform-provider-auth/internal/authclient"
)

// TestStepUpValidatorsNeverQuoteTheValue: a step-up value is a secret even when it is
// wrong, so no validator of a mechanism repeats what it refuses.
func TestStepUpValidatorsNeverQuoteTheValue(t *testing.T) {
	t.Parallel()
	refused := map[string]string{
		"client_secret":   strings.Repeat("s3cr3t", 100),
		"otp_code":        "12ab56",
		"assertion":       strings.Repeat("x", 8193),
		"private_key_pem": "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
		"access_token":    "", // refused for its length, which says nothing of the value
	}
	for _, m := range authclient.Mechanisms {
		value, ok := refused[m.Name]
		if !ok {
			t.Fatalf("mechanism %s has no refused value in this test", m.Name)
		}
		t.Run(m.Name, func(t *testing.T) {
			t.Parallel()
			var errors int
			for _, v := range stepUpValidators(m) {
				resp := &validator.StringResponse{}
				v.ValidateString(context.Background(), validator.StringRequest{
					Path: path.Root(m.Name), ConfigValue: types.StringValue(value),
				}, resp)
				for _, d := range resp.Diagnostics.Errors() {
					errors++
					if value != "" && (strings.Contains(d.Detail(), value) || strings.Contains(d.Summary(), value)) {
						t.Errorf("%T quotes the refused value: %s: %s", v, d.Summary(), d.Detail())
					}
				}
			}
			if errors == 0 {
				t.Errorf("no validator refused %s's bad value", m.Name)
			}
		})
	}
}
