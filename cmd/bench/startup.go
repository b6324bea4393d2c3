//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

// terraformMagicCookie is the go-plugin handshake value every Terraform provider expects.
const terraformMagicCookie = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"

// startupSample is one provider start, as Terraform does it: exec, handshake line on
// stdout, gRPC connection, schema.
type startupSample struct {
	Handshake, Schema time.Duration
	SchemaBytes       int
	MaxRSSKiB         int64
}

// measureStartup starts the provider like Terraform does (magic cookie, protocol version,
// plain gRPC over a Unix socket without AutoMTLS), times the handshake line and the
// first complete schema answer, then shuts it down through go-plugin's controller.
func measureStartup(ctx context.Context, p plugin, binary string) (startupSample, error) {
	var s startupSample
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary) //nolint:gosec // G204: the provider binary the harness built
	cmd.Env = append(terraformEnv("/dev/null", nil),
		"TF_PLUGIN_MAGIC_COOKIE="+terraformMagicCookie, "PLUGIN_PROTOCOL_VERSIONS="+p.protocol)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return s, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return s, err
	}
	r := bufio.NewReader(stdout)
	line, err := r.ReadString('\n')
	s.Handshake = time.Since(start)
	drained := make(chan struct{})
	go func() { // the provider must never block on, or be killed by, a full or closed pipe
		_, _ = io.Copy(io.Discard, r)
		close(drained)
	}()
	stop := func() { _ = cmd.Process.Kill(); <-drained; _ = cmd.Wait() }
	if err != nil {
		stop()
		return s, fmt.Errorf("%s: no handshake: %w", p.name, err)
	}
	// CORE-VERSION|APP-VERSION|NETWORK|ADDRESS|PROTOCOL
	parts := strings.Split(strings.TrimSpace(line), "|")
	if len(parts) < 5 || parts[1] != p.protocol || parts[2] != "unix" || parts[4] != "grpc" {
		stop()
		return s, fmt.Errorf("%s: unexpected handshake %q", p.name, line)
	}
	conn, err := grpc.NewClient("unix://"+parts[3], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		stop()
		return s, err
	}
	defer conn.Close()
	// The answer is decoded as an empty message: its fields stay as unknown bytes.
	var schema emptypb.Empty
	if err := conn.Invoke(ctx, p.schemaMethod, &emptypb.Empty{}, &schema); err != nil {
		stop()
		return s, fmt.Errorf("%s: %s: %w", p.name, p.schemaMethod, err)
	}
	s.Schema = time.Since(start)
	raw := schema.ProtoReflect().GetUnknown()
	s.SchemaBytes = len(raw)
	if !bytes.Contains(raw, []byte(p.resource)) {
		stop()
		return s, fmt.Errorf("%s: the schema answer does not mention %s", p.name, p.resource)
	}
	// The provider may exit before its answer is written; the connection then just ends.
	err = conn.Invoke(ctx, "/plugin.GRPCController/Shutdown", &emptypb.Empty{}, &emptypb.Empty{})
	if err != nil && status.Code(err) != codes.Unavailable {
		stop()
		return s, fmt.Errorf("%s: shutdown: %w", p.name, err)
	}
	<-drained
	if err := cmd.Wait(); err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return s, err
		}
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		s.MaxRSSKiB = ru.Maxrss
	}
	return s, nil
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}
