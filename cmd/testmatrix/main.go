// Command testmatrix runs the provider's acceptance suite once per Terraform or OpenTofu CLI
// and reports, per CLI, how many tests passed, skipped and failed, why each skip happened,
// and which of the provider's features work there. It is the engine of `make testcompat`.
//
//	go run ./cmd/testmatrix [-readme README.md] [CLI ...]
//
// Each CLI is a path to a binary, or one of these names:
//
//	machine           the CLI that scripts/find-terraform.sh picks (as `make test` does)
//	terraform-1.5.7   built from the Go module proxy into the CLI cache on first use
//	NAME              any CLI that scripts/cli-cache.sh unpacks (terraform-1.15.9, tofu-1.12.6)
//
// With no CLI named, TERRAFORM_MATRIX (space-separated) is used, else every one of those it
// can find. It exits non-zero when any test failed, or when a named CLI cannot be had.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

func main() {
	readme := flag.String("readme", "", "rewrite the compatibility table between the markers in this file")
	pkg := flag.String("pkg", "./internal/provider/", "the package whose tests run per CLI")
	race := flag.Bool("race", false, "run the tests with the race detector (make test already does, on one CLI)")
	only := flag.String("run", "", "run only the tests matching this regular expression (go test -run)")
	flag.Parse()

	names := flag.Args()
	if len(names) == 0 {
		names = strings.Fields(os.Getenv("TERRAFORM_MATRIX"))
	}
	explicit := len(names) > 0
	if !explicit {
		var err error
		if names, err = defaultMatrix(); err != nil {
			fatal(err)
		}
	}

	var runs []run
	failed := false
	for _, name := range names {
		cli, err := resolveCLI(name)
		if err != nil {
			fatal(fmt.Errorf("%s: %w", name, err))
		}
		fmt.Printf("::: %s (%s)\n", cli.Display(), cli.Path)
		r, err := runSuite(cli, *pkg, *race, *only)
		if err != nil {
			fatal(fmt.Errorf("%s: %w", cli.Display(), err))
		}
		fmt.Print(r.Summary())
		failed = failed || r.Failed() > 0 || r.BuildFailed
		runs = append(runs, r)
	}

	fmt.Println()
	fmt.Print(matrixTable(runs))
	fmt.Println()
	fmt.Print(featureTable(runs))
	if *readme != "" {
		if err := rewriteBetweenMarkers(*readme, featureTable(runs)); err != nil {
			fatal(err)
		}
	}
	if failed {
		fmt.Fprintln(os.Stderr, "testmatrix: tests failed on at least one CLI")
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "testmatrix:", err)
	os.Exit(1)
}
