// Command twin is the bench's floor (cmd/bench): a provider that does for Terraform what
// the auth provider does, with its schema and no network and no logic. Its provider block
// has the auth provider's arguments and ignores them; twin_long_term_token has the schema
// of auth_long_term_token (TestTwinSchemaMirrorsAuth keeps them equal), makes every
// computed value locally on create and update, and has no ModifyPlan or ValidateConfig.
// What it costs Terraform beyond that, and what the auth provider costs beyond it, is
// what the bench measures.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/example/terraform-provider-auth/internal/pluginlog"
	"github.com/example/terraform-provider-auth/internal/profiling"
)

func main() {
	// As the auth provider does: log only at the level at which Terraform keeps the lines.
	if err := pluginlog.MatchTerraform("TF_LOG_PROVIDER_TWIN"); err != nil {
		log.Fatal(err.Error())
	}
	stopProfile := profiling.Start()
	err := providerserver.Serve(context.Background(), newProvider, providerserver.ServeOpts{
		Address: "registry.terraform.io/example/twin",
	})
	stopProfile()
	if err != nil {
		log.Fatal(err.Error())
	}
}
