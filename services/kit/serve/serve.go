// Package serve runs a process's listeners until its context ends and then
// shuts them down gracefully, and builds the process logger. Commands use it
// with an errgroup: the first listener to fail stops the others.
package serve

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/goldenthread/goldenthread/services/kit/grpcserver"
)

// Grace is how long in-flight calls get to finish at shutdown.
const Grace = 10 * time.Second

// LogFlags defines the -log-format and -log-level flags on fs and returns
// the function that builds the logger they describe, to call after parsing.
func LogFlags(fs *flag.FlagSet) func() (*slog.Logger, error) {
	format := fs.String("log-format", "text", "log format: text or json")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	return func() (*slog.Logger, error) { return Logger(*format, *level) }
}

// Logger builds the process logger writing to stderr: format "text" or
// "json", level "debug", "info", "warn" or "error".
func Logger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

// Listen opens a TCP listener, naming the address in the error.
func Listen(addr string) (net.Listener, error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	return lis, nil
}

// GRPC serves s on lis until ctx ends, then stops it gracefully.
func GRPC(ctx context.Context, s *grpcserver.Server, lis net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- s.GRPC.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("grpc server on %s: %w", lis.Addr(), err)
	case <-ctx.Done():
		s.Shutdown(Grace)
		return nil
	}
}

// HTTP serves h on lis until ctx ends, then shuts down gracefully. The
// server's timeouts guard against slow clients holding connections.
func HTTP(ctx context.Context, h http.Handler, lis net.Listener) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server on %s: %w", lis.Addr(), err)
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), Grace)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("http server on %s: shutdown: %w", lis.Addr(), err)
		}
		return nil
	}
}
