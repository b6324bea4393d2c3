// Command terraform-provider-auth serves the auth provider over plugin protocol 6.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/example/terraform-provider-auth/internal/pluginlog"
	"github.com/example/terraform-provider-auth/internal/profiling"
	"github.com/example/terraform-provider-auth/internal/provider"
)

// version is set at build time: go build -ldflags "-X main.version=1.2.3".
var version = "dev"

// revokeUnclosedBudget bounds the revocations after serving ends; go-plugin kills a
// plugin that has not exited 2 s after it asked it to stop.
const revokeUnclosedBudget = 1500 * time.Millisecond

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "start the provider with support for debuggers like delve")
	flag.Parse()

	ignoreTerminate()
	if !debug { // a provider run with -debug prints its own lines: keep them all
		// Log at the level at which Terraform keeps the lines (none without TF_LOG or
		// TF_LOG_PROVIDER), not the framework's TRACE: encoding the lines it drops was a
		// third of this provider's CPU.
		if err := pluginlog.MatchTerraform("TF_LOG_PROVIDER_AUTH", "TF_LOG_PROVIDER_AUTH_API"); err != nil {
			log.Fatal(err.Error())
		}
	}
	// `make bench BENCH_FLAGS="-profile DIR"` sets BENCH_PROFILE_DIR; unset, this does nothing.
	stopProfile := profiling.Start()
	factory, unclosed := provider.New(version)
	err := providerserver.Serve(context.Background(), factory, providerserver.ServeOpts{
		Address: "registry.terraform.io/example/auth",
		Debug:   debug,
	})
	stopProfile()
	// Terraform skips closing an ephemeral resource when an apply fails downstream of it, and
	// the short-term tokens exchanged to step up are the process's own. Revoke them now,
	// within the grace that go-plugin gives a stopping plugin (2 s).
	ctx, cancel := context.WithTimeout(context.Background(), revokeUnclosedBudget)
	revoked, errs := unclosed.RevokeAll(ctx)
	cancel()
	for _, id := range revoked {
		log.Printf("revoked short-term token %s, still open when Terraform stopped the provider", id)
	}
	for _, e := range errs {
		log.Print(e)
	}
	if err != nil {
		log.Fatal(err.Error())
	}
}

// ignoreTerminate keeps the provider running on SIGTERM, as go-plugin does on SIGINT. A CI
// system that cancels a job signals the whole process group: Terraform then stops the
// provider, lets the requests in flight finish and ends the provider itself, while the
// default action would kill it with those requests' outcomes unrecorded.
func ignoreTerminate() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM)
	go func() {
		for range ch {
			log.Print("[DEBUG] received SIGTERM: ignored, Terraform stops the provider")
		}
	}()
}
