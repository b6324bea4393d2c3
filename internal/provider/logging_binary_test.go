package provider

import (
	"regexp"
	"testing"
)

// TestBinaryLogsWhatTerraformKeeps runs the built provider under the real CLI: main sets
// the framework's loggers to the level at which Terraform keeps the provider's lines
// (internal/pluginlog), so a user who asks for TRACE gets the framework's and
// terraform-plugin-go's lines as before, and one who asks for DEBUG gets the provider's.
// (TestBinaryJustInTimeExchange reads INFO lines; with neither TF_LOG nor TF_LOG_PROVIDER
// Terraform shows none, and pluginlog's TestLevels checks that the provider writes none.)
func TestBinaryLogsWhatTerraformKeeps(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	runner := e.builtProviderWithLongTermToken(t, e.issueDirect("tokens:write", "deploy:read").Token)
	for _, tc := range []struct {
		level string
		want  []*regexp.Regexp
	}{ // hclog writes a line's fields in no fixed order
		{"TRACE", []*regexp.Regexp{
			regexp.MustCompile(`\[TRACE\] provider\.terraform-provider-auth[^:]*: Calling provider defined Resource ModifyPlan:.*@module=sdk\.framework`),
			regexp.MustCompile(`\[TRACE\] provider\.terraform-provider-auth[^:]*: Received request:.*@module=sdk\.proto`),
		}},
		{"DEBUG", []*regexp.Regexp{regexp.MustCompile(`\[DEBUG\] provider\.terraform-provider-auth[^:]*: auth provider configured`)}},
	} {
		run := runner("TF_LOG_PROVIDER=" + tc.level)
		out, err := run.run("plan", "-no-color")
		if err != nil {
			t.Fatalf("terraform plan: %v\n%s", err, lastLines(out, 40))
		}
		for _, re := range tc.want {
			if !re.MatchString(out) {
				t.Errorf("TF_LOG_PROVIDER=%s: no line matches %s\n%s", tc.level, re, lastLines(out, 40))
			}
		}
	}
}
