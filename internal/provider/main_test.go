package provider

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// testCLI is the Terraform or OpenTofu CLI that TestMain chose for the suite.
var testCLI struct {
	path     string
	version  *version.Version
	openTofu bool
}

// TestMain runs scripts/find-terraform.sh, the only Terraform discovery: it picks a CLI
// >= 1.10 on purpose (or the lower minimum of TEST_TERRAFORM_MIN_VERSION) and fails loudly
// without one, so that no acceptance test is ever skipped for want of Terraform. It also
// isolates the suite from the developer's AUTH_* variables and CLI configuration.
func TestMain(m *testing.M) {
	if err := chooseCLI(); err != nil {
		fmt.Fprintln(os.Stderr, "FATAL:", err)
		os.Exit(1)
	}
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "AUTH_") {
			os.Unsetenv(name)
		}
	}
	var err error
	if testScratch, err = os.MkdirTemp("", "auth-provider-test"); err != nil {
		fmt.Fprintln(os.Stderr, "FATAL:", err)
		os.Exit(1)
	}
	if cfg := os.Getenv("TF_CLI_CONFIG_FILE"); cfg == "" || !fileExists(cfg) {
		empty := filepath.Join(testScratch, "terraformrc")
		if err := os.WriteFile(empty, nil, 0o600); err != nil {
			fmt.Fprintln(os.Stderr, "FATAL:", err)
			os.Exit(1)
		}
		os.Setenv("TF_CLI_CONFIG_FILE", empty)
	}
	code := m.Run()
	os.RemoveAll(testScratch)
	os.Exit(code)
}

// testScratch is the test process's own directory (an empty CLI configuration, the built
// provider); TestMain removes it at the end.
var testScratch string

// chooseCLI sets testCLI and TF_ACC_TERRAFORM_PATH from find-terraform.sh's choice. For
// OpenTofu it also names the provider as registry.opentofu.org/hashicorp/auth (unless set):
// tofu refuses terraform-plugin-testing's default reattach address, whose legacy namespace
// "-" it accepts only with that host.
func chooseCLI() error {
	var stderr bytes.Buffer
	find := exec.Command("../../scripts/find-terraform.sh")
	find.Stderr = &stderr
	out, err := find.Output()
	if err != nil {
		return fmt.Errorf("scripts/find-terraform.sh: %v\n%s", err, stderr.String())
	}
	testCLI.path = strings.TrimSpace(string(out))
	ask := exec.Command(testCLI.path, "version") //nolint:gosec // G204: the CLI that find-terraform.sh chose
	// With no configuration file to read, a missing one cannot print a warning first.
	ask.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1", "TF_CLI_CONFIG_FILE=/dev/null")
	banner, err := ask.Output()
	if err != nil {
		return fmt.Errorf("%s version: %v", testCLI.path, err)
	}
	// The first line is "Terraform v1.11.4" or "OpenTofu v1.12.6".
	product, v, _ := strings.Cut(strings.SplitN(string(banner), "\n", 2)[0], " v")
	if testCLI.version, err = version.NewVersion(v); err != nil {
		return fmt.Errorf("%s version printed %q: %v", testCLI.path, banner, err)
	}
	testCLI.openTofu = product == "OpenTofu"
	os.Setenv("TF_ACC_TERRAFORM_PATH", testCLI.path)
	if testCLI.openTofu {
		setUnlessSet(resource.EnvTfAccProviderNamespace, "hashicorp")
		setUnlessSet(resource.EnvTfAccProviderHost, "registry.opentofu.org")
	}
	return nil
}

func setUnlessSet(name, value string) {
	if _, ok := os.LookupEnv(name); !ok {
		os.Setenv(name, value)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p) //nolint:gosec // G703: checks the CLI configuration file that the developer named
	return err == nil
}
