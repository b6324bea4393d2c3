//go:build linux

// Command shim stands in for a provider binary in a dev_overrides directory: it runs the
// real provider as its child with the same arguments, standard streams and environment,
// forwards signals to it, and on exit appends the child's resource usage as one JSON
// line to the file named by BENCH_RUSAGE_FILE. Terraform's plugin handshake and gRPC
// traffic pass straight through, because the child inherits the streams themselves.
//
// The bench harness builds one shim per provider with
//
//	-ldflags "-X main.target=/abs/path/to/terraform-provider-NAME -X main.name=NAME"
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"
)

// Set at build time.
var (
	target string // the real provider binary
	name   string // the label written in each record
)

// record is one provider process's usage; the harness reads the same fields.
type record struct {
	Name      string `json:"name"`
	PID       int    `json:"pid"`
	WallNS    int64  `json:"wall_ns"`
	UserNS    int64  `json:"user_ns"`
	SysNS     int64  `json:"sys_ns"`
	MaxRSSKiB int64  `json:"max_rss_kib"`
	ShimCPUNS int64  `json:"shim_cpu_ns"`
}

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
	start := time.Now()
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
	wall := time.Since(start)
	if err := appendRecord(cmd.ProcessState, wall); err != nil {
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

func appendRecord(state *os.ProcessState, wall time.Duration) error {
	path := os.Getenv("BENCH_RUSAGE_FILE")
	if path == "" {
		return nil
	}
	child, ok := state.SysUsage().(*syscall.Rusage)
	if !ok {
		return errors.New("no rusage for the provider process")
	}
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		return err
	}
	line, err := json.Marshal(record{
		Name:      name,
		PID:       state.Pid(),
		WallNS:    wall.Nanoseconds(),
		UserNS:    child.Utime.Nano(),
		SysNS:     child.Stime.Nano(),
		MaxRSSKiB: child.Maxrss, // KiB on Linux
		ShimCPUNS: self.Utime.Nano() + self.Stime.Nano(),
	})
	if err != nil {
		return err
	}
	// One write with O_APPEND: concurrent provider processes never interleave lines.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600) //nolint:gosec // G703: the log file the benchmark harness named
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
