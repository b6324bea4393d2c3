package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

// config is the parsed command line.
type config struct {
	clientsPath string
	listen      string
	statePath   string
	urlFile     string
	manualClock bool
	quiet       bool
	rateLimit   authserver.RateLimit
}

// parseFlags parses the command line; usage and errors go to stderr.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("auth-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.clientsPath, "clients", "", `clients file: {"clients":[{"id":...,"secret":...,"allowed_scopes":[...],...}]} (required)`)
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:0", "loopback address to listen on")
	fs.StringVar(&cfg.statePath, "state", "", "state file (hashes and metadata only); empty keeps state in memory")
	fs.StringVar(&cfg.urlFile, "url-file", "", "also write the endpoint URL to this file")
	fs.BoolVar(&cfg.manualClock, "manual-clock", false, "start a manual clock at the current time, moved only through POST /_test/clock")
	fs.BoolVar(&cfg.quiet, "quiet", false, "log warnings and errors only, no line per request (make bench)")
	fs.Float64Var(&cfg.rateLimit.PerSecond, "rate-limit", 0, "requests per second per client (0: default 200; negative: no limit)")
	fs.IntVar(&cfg.rateLimit.Burst, "rate-burst", 0, "rate limit burst per client (0: default)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if cfg.clientsPath == "" {
		return config{}, errors.New("-clients is required")
	}
	if err := checkLoopback(cfg.listen); err != nil {
		return config{}, err
	}
	return cfg, nil
}

// checkLoopback refuses to listen anywhere but on a loopback address: the server has
// test controls that anyone reaching it could use.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-listen %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-listen %q: refusing a non-loopback address (use 127.0.0.1 or [::1])", addr)
}

// clientsFile is the format of the -clients file.
type clientsFile struct {
	Clients []authserver.ClientConfig `json:"clients"`
}

// loadClients reads the clients file strictly. Errors never quote the file's content,
// which holds secrets.
func loadClients(path string) ([]authserver.ClientConfig, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var cf clientsFile
	if err := dec.Decode(&cf); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("clients file %s: invalid JSON at byte %d", path, syntax.Offset)
		}
		return nil, fmt.Errorf("clients file %s: %w", path, err)
	}
	return cf.Clients, nil
}

// run starts the server and blocks until ctx is done, then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	clients, err := loadClients(cfg.clientsPath)
	if err != nil {
		return err
	}
	var level slog.Level // info
	if cfg.quiet {
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts := authserver.Options{
		Clients:      clients,
		RateLimit:    cfg.rateLimit,
		StatePath:    cfg.statePath,
		Logger:       logger,
		TestControls: true,
	}
	if cfg.manualClock {
		opts.Clock = authserver.NewManualClock(time.Now().UTC().Truncate(time.Second))
	}
	srv, err := authserver.New(opts)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return err
	}
	endpoint := "http://" + ln.Addr().String() + authserver.APIPrefix
	if cfg.urlFile != "" {
		// Atomic, so that a reader polling the file never sees half of the URL.
		if err := authserver.WriteFileAtomic(cfg.urlFile, []byte(endpoint), 0o644); err != nil {
			_ = ln.Close()
			return err
		}
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "AUTH_ENDPOINT=%s\n", endpoint)
	logger.Info("auth server listening", "endpoint", endpoint, "clients", len(clients),
		"state", cfg.statePath, "manual_clock", cfg.manualClock)

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}
