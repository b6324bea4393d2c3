//go:build linux

// Command shim stands in for a provider binary in a dev_overrides directory: it runs the
// real provider as its child with the same arguments, standard streams and environment,
// forwards signals to it, and on exit appends the child's resource usage (a usage.Record)
// to the file named by BENCH_RUSAGE_FILE. Terraform's plugin handshake and gRPC traffic
// pass straight through, because the child inherits the streams themselves.
//
// The bench builds one shim per provider with
//
//	-ldflags "-X main.target=/abs/path/to/terraform-provider-NAME"
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/example/terraform-provider-auth/cmd/bench/usage"
)

// target is the real provider binary, set at build time.
var target string

func main() {
	if target == "" {
		fmt.Fprintln(os.Stderr, "shim: built without -X main.target")
		os.Exit(2)
	}
	cmd := exec.Command(target, os.Args[1:]...) //nolint:gosec // G204: the binary this shim was built to wrap, with Terraform's arguments
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// If the shim is killed outright, the provider must not outlive it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}

	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "shim:", err)
		os.Exit(1)
	}
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	waitErr := cmd.Wait()
	if err := record(cmd.ProcessState); err != nil {
		fmt.Fprintln(os.Stderr, "shim: recording usage:", err)
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
	case errors.As(waitErr, &exitErr) && exitErr.ExitCode() >= 0:
		os.Exit(exitErr.ExitCode())
	default:
		os.Exit(1) // killed by a signal
	}
}

func record(state *os.ProcessState) error {
	path := os.Getenv(usage.FileEnv)
	if path == "" {
		return nil
	}
	child, ok := state.SysUsage().(*syscall.Rusage)
	if !ok {
		return errors.New("no rusage for the provider process")
	}
	return usage.Append(path, usage.Record{
		UserNS:    child.Utime.Nano(),
		SysNS:     child.Stime.Nano(),
		MaxRSSKiB: child.Maxrss, // KiB on Linux
	})
}
