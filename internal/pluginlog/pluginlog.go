// Package pluginlog sets a provider's loggers to the level at which Terraform keeps their
// lines. Terraform and OpenTofu read a provider's log lines from its stderr and keep them
// at the level of TF_LOG_PROVIDER, else of TF_LOG, and drop every one when neither is set;
// the provider inherits that environment. terraform-plugin-go and the framework log at
// TRACE unless told otherwise, so each RPC JSON-encodes dozens of lines that Terraform then
// drops: a third of a framework provider's CPU in the bench (BENCHMARKS.md).
package pluginlog

import (
	"os"
	"strings"
)

// sdkVariables set the levels of terraform-plugin-go's and the framework's loggers.
var sdkVariables = []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"}

// Levels returns, for each logger variable that getenv leaves unset (the SDK's and the
// provider's own, such as TF_LOG_PROVIDER_AUTH), the level at which Terraform keeps a
// provider's lines: OFF when it keeps none. It returns none when that level is TRACE, or
// one Terraform does not know (it then keeps TRACE too), since TRACE is the default.
func Levels(getenv func(string) string, providerVariables ...string) map[string]string {
	level := strings.ToUpper(getenv("TF_LOG_PROVIDER"))
	if level == "" {
		level = strings.ToUpper(getenv("TF_LOG"))
	}
	switch level {
	case "":
		level = "OFF"
	case "DEBUG", "INFO", "WARN", "ERROR", "OFF":
	default: // TRACE, JSON (TRACE in JSON) and unknown levels, which Terraform reads as TRACE
		return nil
	}
	levels := map[string]string{}
	for _, name := range append(sdkVariables, providerVariables...) {
		if getenv(name) == "" {
			levels[name] = level
		}
	}
	return levels
}

// MatchTerraform sets Levels in the process's environment, where the loggers read them when
// serving starts. A provider run with -debug prints its own lines: leave it as it is.
func MatchTerraform(providerVariables ...string) error {
	for name, level := range Levels(os.Getenv, providerVariables...) {
		if err := os.Setenv(name, level); err != nil {
			return err
		}
	}
	return nil
}
