// Command auth-server serves the local Auth API server (internal/authserver) on a
// loopback address, with the test controls on, for demos and benchmarks:
//
//	auth-server -clients clients.json [-listen 127.0.0.1:0] [-state state.json]
//	            [-url-file path] [-manual-clock] [-rate-limit 200] [-rate-burst 400] [-quiet]
//
// Once listening it prints one line, AUTH_ENDPOINT=http://127.0.0.1:PORT/v1, to
// stdout. It logs to stderr and stops gracefully on SIGINT or SIGTERM.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "auth-server:", err)
		stop()
		os.Exit(1)
	}
}
