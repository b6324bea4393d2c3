package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-version"
)

// compatTerraform is the oldest Terraform the resource supports, the last MPL release; it is
// not shipped as a binary, so the matrix builds it from the Go module proxy.
const compatTerraform = "1.5.7"

// cli is one Terraform or OpenTofu binary of the matrix.
type cli struct {
	Path    string
	Product string // "Terraform" or "OpenTofu"
	Version *version.Version
}

// Display names the CLI as its own `version` command does.
func (c cli) Display() string { return c.Product + " " + c.Version.String() }

// defaultMatrix is every CLI this machine can have: its own, 1.5.7, and the shipped ones.
func defaultMatrix() ([]string, error) {
	names := []string{"machine", "terraform-" + compatTerraform}
	out, err := exec.Command("scripts/cli-cache.sh").Output()
	if err != nil {
		return nil, fmt.Errorf("scripts/cli-cache.sh: %w", stderrOf(err))
	}
	for line := range strings.Lines(string(out)) {
		if name, _, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			names = append(names, name)
		}
	}
	return names, nil
}

// resolveCLI finds the binary a matrix entry names and asks it which CLI it is.
func resolveCLI(name string) (cli, error) {
	path, err := binaryFor(name)
	if err != nil {
		return cli{}, err
	}
	return identify(path)
}

func binaryFor(name string) (string, error) {
	switch {
	case strings.ContainsRune(name, os.PathSeparator):
		return name, nil
	case name == "machine":
		return scriptOutput("scripts/find-terraform.sh")
	case name == "terraform-"+compatTerraform:
		return buildCompatTerraform()
	}
	return scriptOutput("scripts/cli-cache.sh", name)
}

// buildCompatTerraform installs Terraform 1.5.7 into the CLI cache unless it is there.
func buildCompatTerraform() (string, error) {
	dir, err := cliCache()
	if err != nil {
		return "", err
	}
	dir = filepath.Join(dir, "terraform-"+compatTerraform+"-build")
	bin := filepath.Join(dir, "terraform")
	if c, err := identify(bin); err == nil && c.Version.String() == compatTerraform {
		return bin, nil
	}
	fmt.Printf("::: building Terraform %s from the Go module proxy into %s\n", compatTerraform, dir)
	cmd := exec.Command("go", "install", "github.com/hashicorp/terraform@v"+compatTerraform)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go install terraform@v%s: %w", compatTerraform, err)
	}
	return bin, nil
}

// cliCache is the directory scripts/cli-cache.sh unpacks into, outside the repository.
func cliCache() (string, error) {
	if dir := os.Getenv("AUTH_CLI_CACHE"); dir != "" {
		return dir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "terraform-provider-auth", "cli"), nil
}

// identify runs `version` and `version -json`: the first line names the product, the JSON
// its version (OpenTofu keeps Terraform's "terraform_version" key).
func identify(path string) (cli, error) {
	text, err := cliOutput(path, "version")
	if err != nil {
		return cli{}, err
	}
	raw, err := cliOutput(path, "version", "-json")
	if err != nil {
		return cli{}, err
	}
	var v struct {
		TerraformVersion string `json:"terraform_version"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return cli{}, fmt.Errorf("%s version -json: %w", path, err)
	}
	parsed, err := version.NewVersion(v.TerraformVersion)
	if err != nil {
		return cli{}, fmt.Errorf("%s version -json: %w", path, err)
	}
	product := "Terraform"
	if bytes.HasPrefix(text, []byte("OpenTofu")) {
		product = "OpenTofu"
	}
	return cli{Path: path, Product: product, Version: parsed}, nil
}

func cliOutput(path string, args ...string) ([]byte, error) {
	cmd := exec.Command(path, args...) //nolint:gosec // G204/G702: running the CLI the developer named is this tool's purpose
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", path, strings.Join(args, " "), stderrOf(err))
	}
	return out, nil
}

func scriptOutput(script string, args ...string) (string, error) {
	out, err := exec.Command(script, args...).Output() //nolint:gosec // G204/G702: one of the repository's own scripts
	if err != nil {
		return "", fmt.Errorf("%s: %w", script, stderrOf(err))
	}
	return strings.TrimSpace(string(out)), nil
}

// stderrOf adds a failed command's standard error to its error.
func stderrOf(err error) error {
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && len(exitErr.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(exitErr.Stderr)))
	}
	return err
}
