//go:build linux

package main

import (
	"context"
	"fmt"
	"path/filepath"
)

// What the bench compares. To add a kind that runs a provider binary: a plugin here (its
// build, source address and schema call; from that entry alone it is built, shimmed,
// served through dev_overrides, timed at start-up and listed in the start-up table), a
// kind in kinds whose config starts with the plugin's configuration, and its columns in
// report.go, whose tables name the kinds they compare. A kind with no plugin (like
// terraform_data) needs only the last two.

// A plugin is a provider binary that Terraform runs through dev_overrides, behind a shim.
type plugin struct {
	name   string // its local name, its kinds' provider, its dev_overrides directory and the report's key
	label  string // in the report's start-up table
	source string // its address in required_providers
	// build writes the binary to out; dir is the bench's build directory.
	build func(ctx context.Context, root, dir, out string) error
	// How the start-up measure asks it for its schema, as Terraform does.
	protocol     string // plugin protocol major version
	schemaMethod string // returns the whole schema; its request is an empty message in both protocols
	resource     string // must appear in the schema answer
}

var (
	authPlugin = plugin{
		name: "auth", label: "auth", source: "example/auth",
		build: func(ctx context.Context, root, _, out string) error {
			return goBuild(ctx, root, out, stripFlags+" -X main.version=bench", ".")
		},
		protocol: "6", schemaMethod: "/tfplugin6.Provider/GetProviderSchema", resource: "auth_long_term_token",
	}
	// The twin (cmd/bench/twin): the auth provider's schema, no API and no logic, built
	// from this module, so with our framework versions. It is auth's floor.
	twinPlugin = plugin{
		name: "twin", label: "twin", source: "example/twin",
		build: func(ctx context.Context, root, _, out string) error {
			return goBuild(ctx, root, out, stripFlags, "./cmd/bench/twin")
		},
		protocol: "6", schemaMethod: "/tfplugin6.Provider/GetProviderSchema", resource: "twin_long_term_token",
	}
	peerPlugin = plugin{
		name: "time", label: "peer (time)", source: "hashicorp/time",
		build: func(ctx context.Context, root, dir, out string) error {
			return buildPeer(ctx, root, filepath.Join(dir, "peer"), out)
		},
		protocol: "5", schemaMethod: "/tfplugin5.Provider/GetSchema", resource: "time_static",
	}
	plugins = []plugin{authPlugin, twinPlugin, peerPlugin}
)

// configuration is a configuration of the plugin's resources: its required_providers
// block, the generation variable that the rotate step changes, then resources.
func (p plugin) configuration(resources string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    %s = { source = %q }
  }
}

variable "generation" { type = string }

%s`, p.name, p.source, resources)
}

// A kind is one of the things measured side by side: N resources of one configuration
// through every step.
type kind struct {
	name string // auth, twin, time, data: the report's keys
	// provider names the plugin whose shim records the provider processes; "" for
	// terraform_data (built in).
	provider string
	// api: the kind calls the local Auth API, whose counts and token listing each step is
	// held to (checkServer).
	api    bool
	config func(n int) string
	// rotate is what the rotating apply reports: added, changed, destroyed per resource.
	rotate [3]int
	// env is added to the environment of its Terraform runs, which its provider inherits.
	env []string
}

// frameworkDefaultLogging sets the twin's loggers to TRACE, the level at which
// terraform-plugin-go and the framework log unless told otherwise: internal/pluginlog,
// which both providers call, keeps a level that is set.
var frameworkDefaultLogging = []string{
	"TF_LOG_SDK=TRACE", "TF_LOG_SDK_PROTO=TRACE", "TF_LOG_SDK_FRAMEWORK=TRACE", "TF_LOG_PROVIDER_TWIN=TRACE",
}

// twinConfiguration is auth's configuration for the twin: an update makes every computed
// value anew.
func twinConfiguration(n int) string {
	return twinPlugin.configuration(fmt.Sprintf(`resource "twin_long_term_token" "bench" {
  count             = %d
  name              = "bench-n%d-${count.index}"
  rotation_triggers = { generation = var.generation }
}
`, n, n))
}

var kinds = []kind{
	{
		name: "auth", provider: authPlugin.name, api: true,
		// rotation_triggers change: an in-place update that rotates, one API request each.
		rotate: [3]int{0, 1, 0},
		config: func(n int) string {
			return authPlugin.configuration(fmt.Sprintf(`resource "auth_long_term_token" "bench" {
  count             = %d
  name              = "bench-n%d-${count.index}"
  rotation_triggers = { generation = var.generation }
}
`, n, n))
		},
	},
	{
		name: "twin", provider: twinPlugin.name,
		// The same configuration as auth's, and the same logging (internal/pluginlog).
		rotate: [3]int{0, 1, 0}, config: twinConfiguration,
	},
	{
		// The twin as every framework provider logs by default (TRACE, whatever Terraform
		// keeps): what auth's logging saves, and the floor as issue 14 first defined it.
		name: "twin-tracing", provider: twinPlugin.name, env: frameworkDefaultLogging,
		rotate: [3]int{0, 1, 0}, config: twinConfiguration,
	},
	{
		name: "time", provider: peerPlugin.name,
		// time_static has no in-place update: a triggers change replaces it.
		rotate: [3]int{1, 0, 1},
		config: func(n int) string {
			return peerPlugin.configuration(fmt.Sprintf(`resource "time_static" "bench" {
  count    = %d
  triggers = { generation = var.generation }
}
`, n))
		},
	},
	{
		name: "data", provider: "",
		// An input change is an in-place update that recomputes output.
		rotate: [3]int{0, 1, 0},
		config: func(n int) string {
			return fmt.Sprintf(`variable "generation" { type = string }

resource "terraform_data" "bench" {
  count = %d
  input = var.generation
}
`, n)
		},
	},
}
