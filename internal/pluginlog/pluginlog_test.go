package pluginlog

import (
	"maps"
	"testing"
)

func TestLevels(t *testing.T) {
	all := func(level string) map[string]string {
		return map[string]string{"TF_LOG_SDK": level, "TF_LOG_SDK_PROTO": level, "TF_LOG_SDK_FRAMEWORK": level, "TF_LOG_PROVIDER_AUTH": level}
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"no logging: Terraform drops every line", nil, all("OFF")},
		{"TF_LOG", map[string]string{"TF_LOG": "debug"}, all("DEBUG")},
		{"TF_LOG_PROVIDER wins over TF_LOG", map[string]string{"TF_LOG": "TRACE", "TF_LOG_PROVIDER": "warn"}, all("WARN")},
		{"TF_LOG_CORE alone keeps no provider line", map[string]string{"TF_LOG_CORE": "TRACE"}, all("OFF")},
		{"TRACE is the default", map[string]string{"TF_LOG": "TRACE"}, nil},
		{"JSON is TRACE", map[string]string{"TF_LOG": "json"}, nil},
		{"an unknown level is TRACE to Terraform", map[string]string{"TF_LOG": "verbose"}, nil},
		{"a logger's own variable is kept", map[string]string{"TF_LOG": "INFO", "TF_LOG_SDK_PROTO": "TRACE"},
			map[string]string{"TF_LOG_SDK": "INFO", "TF_LOG_SDK_FRAMEWORK": "INFO", "TF_LOG_PROVIDER_AUTH": "INFO"}},
	} {
		got := Levels(func(name string) string { return tc.env[name] }, "TF_LOG_PROVIDER_AUTH")
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: Levels = %v, want %v", tc.name, got, tc.want)
		}
	}
}
