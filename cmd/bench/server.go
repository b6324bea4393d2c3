//go:build linux

package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

const benchClientID = "bench"

// authServer is the local Auth API server run as a command (cmd/auth-server).
type authServer struct {
	cmd      *exec.Cmd
	endpoint string // the API base URL, …/v1
	controls string // the test controls' base URL, …/_test
	secret   string
	http     *http.Client
}

// startServer starts the server lean, so that it is not what is measured: on loopback,
// one client, no rate limit, no state file, and quiet (no log line per request; warnings
// go to dir/server.log, whose end a failure to start quotes).
func startServer(ctx context.Context, binary, dir string) (*authServer, error) {
	s := &authServer{secret: rand.Text(), http: &http.Client{Timeout: 30 * time.Second}}
	// The format of auth-server's -clients file.
	clients, err := json.Marshal(map[string][]authserver.ClientConfig{"clients": {{ //nolint:gosec // G117: the clients file the server reads, written 0600 into the work directory
		ID: benchClientID, Secret: s.secret,
		AllowedScopes: []string{"bench:read"}, DefaultScopes: []string{"bench:read"},
	}}})
	if err != nil {
		return nil, err
	}
	clientsPath := filepath.Join(dir, "clients.json")
	if err := os.WriteFile(clientsPath, clients, 0o600); err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child holds its own descriptor
	s.cmd = exec.CommandContext(ctx, binary, "-clients", clientsPath, "-listen", "127.0.0.1:0", "-rate-limit", "-1", "-quiet")
	s.cmd.Stderr = logFile
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, r)
	}()
	failed := func(problem string) error {
		s.stop()
		log, _ := os.ReadFile(logFile.Name())
		return fmt.Errorf("auth-server %s; its log ends:\n%s", problem, tail(log, 10))
	}
	select {
	case line := <-lines:
		endpoint, ok := strings.CutPrefix(strings.TrimSpace(line), "AUTH_ENDPOINT=")
		if !ok {
			return nil, failed(fmt.Sprintf("printed %q instead of AUTH_ENDPOINT=…", line))
		}
		s.endpoint = endpoint
		s.controls = strings.TrimSuffix(endpoint, "/v1") + "/_test"
	case <-time.After(30 * time.Second):
		return nil, failed("did not print its endpoint within 30s")
	}
	return s, nil
}

func (s *authServer) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		_ = s.cmd.Wait()
	}
}

// env is what Terraform needs to reach the server as the bench client.
func (s *authServer) env() []string {
	return []string{"AUTH_ENDPOINT=" + s.endpoint, "AUTH_CLIENT_ID=" + benchClientID, "AUTH_CLIENT_SECRET=" + s.secret}
}

func (s *authServer) resetCounts() error {
	resp, err := s.http.Post(s.controls+"/counts/reset", "application/json", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("POST /_test/counts/reset: %s", resp.Status)
	}
	return nil
}

func (s *authServer) counts() (authserver.CountsResponse, error) {
	var counts authserver.CountsResponse
	return counts, s.getJSON("/counts", &counts)
}

// activeLongTokens returns the active long-term tokens whose name starts with prefix.
func (s *authServer) activeLongTokens(prefix string) ([]authserver.TokenRecord, error) {
	var list authserver.TokensResponse
	if err := s.getJSON("/tokens", &list); err != nil {
		return nil, err
	}
	var active []authserver.TokenRecord
	for _, t := range list.Tokens {
		if t.Kind == authserver.KindLong && t.State == authserver.StateActive && strings.HasPrefix(t.Name, prefix) {
			active = append(active, t)
		}
	}
	return active, nil
}

func (s *authServer) getJSON(path string, v any) error {
	resp, err := s.http.Get(s.controls + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /_test%s: %s", path, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// cpuTime reads the server process's user+system time from /proc (10 ms resolution).
func (s *authServer) cpuTime() (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// Fields after the parenthesised command name; utime and stime are fields 14 and 15.
	_, rest, ok := strings.Cut(string(raw), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0, errors.New("unexpected /proc/PID/stat format")
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicksPerSecond, nil
}

// clockTicksPerSecond is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicksPerSecond = 100
