package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const clientsJSON = `{"clients":[{"id":"demo","secret":"demo-secret-value-0123456789","allowed_scopes":["tokens:write","data:read"],"default_scopes":["data:read"]}]}`

func writeClients(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clients.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunPrintsEndpointAndServes(t *testing.T) {
	dir := t.TempDir()
	urlFile := filepath.Join(dir, "url")
	statePath := filepath.Join(dir, "state.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-clients", writeClients(t, clientsJSON), "-listen", "127.0.0.1:0",
			"-url-file", urlFile, "-state", statePath, "-manual-clock"}, stdoutW, &stderr)
		stdoutW.Close()
	}()

	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the startup line: %v (stderr: %s)", err, stderr.String())
	}
	m := regexp.MustCompile(`^AUTH_ENDPOINT=(http://127\.0\.0\.1:\d+/v1)\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("startup line %q", line)
	}
	endpoint := m[1]
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }() // nothing else may be printed, but never block run
	if b, err := os.ReadFile(urlFile); err != nil || string(b) != endpoint {
		t.Errorf("url file %q (%v), want %q", b, err, endpoint)
	}

	base := strings.TrimSuffix(endpoint, "/v1")
	resp, err := http.Get(base + "/_test/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/auth/tokens/long",
		strings.NewReader(`{"grant_type":"client_credentials","client_id":"demo","client_secret":"demo-secret-value-0123456789"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Client-Id", "demo")
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("issue: %v %v", resp, err)
	}
	resp.Body.Close()
	// The manual clock is in use: the clock control accepts it.
	resp, err = http.Post(base+"/_test/clock", "application/json", strings.NewReader(`{"advance":"1h"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("clock: %v %v", resp, err)
	}
	resp.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not stop")
	}
	state, err := os.ReadFile(statePath)
	if err != nil || strings.Contains(string(state), "demo-secret-value") || !strings.Contains(string(state), `"lt_`) {
		t.Errorf("state file: %v", err)
	}
	logs := stderr.String()
	if !strings.Contains(logs, "status=201") || strings.Contains(logs, "demo-secret-value") {
		t.Errorf("stderr log:\n%s", logs)
	}
}

func TestCheckLoopback(t *testing.T) {
	cases := []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:0", true},
		{"127.0.0.1:8080", true},
		{"[::1]:0", true},
		{"localhost:0", true},
		{"0.0.0.0:0", false},
		{":8080", false},
		{"[::]:0", false},
		{"192.168.1.10:80", false},
		{"example.com:80", false},
		{"127.0.0.1", false},
	}
	for _, tc := range cases {
		if err := checkLoopback(tc.addr); (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q) = %v", tc.addr, err)
		}
	}
}

func TestRunRefusesBadInput(t *testing.T) {
	good := writeClients(t, clientsJSON)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no clients flag", nil, "-clients is required"},
		{"non-loopback", []string{"-clients", good, "-listen", "0.0.0.0:0"}, "non-loopback"},
		{"missing file", []string{"-clients", filepath.Join(t.TempDir(), "none.json")}, "no such file"},
		{"bad JSON", []string{"-clients", writeClients(t, `{"clients":[{"id":"x","secret":"s3cr3t-in-file"`)}, "clients file"},
		{"unknown field", []string{"-clients", writeClients(t, `{"clients":[{"id":"x","colour":"red"}]}`)}, "colour"},
		{"invalid client", []string{"-clients", writeClients(t, `{"clients":[{"id":"x","allowed_scopes":["Bad"]}]}`)}, "invalid scope"},
		{"extra argument", []string{"-clients", good, "extra"}, "unexpected arguments"},
		{"unknown flag", []string{"-clients", good, "-port", "1"}, "flag provided but not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			err := run(context.Background(), tc.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run: %v, want an error with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error quotes the clients file: %v", err)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout %q", stdout.String())
			}
		})
	}
}

// -quiet (make bench) writes no line per request; warnings still go out.
func TestRunQuietLogsNoRequests(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-clients", writeClients(t, clientsJSON), "-quiet"}, stdoutW, &stderr)
		stdoutW.Close()
	}()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	endpoint, ok := strings.CutPrefix(strings.TrimSpace(line), "AUTH_ENDPOINT=")
	if err != nil || !ok {
		t.Fatalf("startup line %q: %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/auth/tokens/long",
		strings.NewReader(`{"grant_type":"client_credentials","client_id":"demo","client_secret":"demo-secret-value-0123456789"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Client-Id", "demo")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("issue: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if logs := stderr.String(); logs != "" {
		t.Errorf("a quiet server logged:\n%s", logs)
	}
}
