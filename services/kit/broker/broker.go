// Package broker connects a process to NATS JetStream: an external server or
// cluster given by URL, or, for the embedded default, a nats-server started
// inside the process with JetStream storing under the data directory.
//
// The embedded server is reached in-process and listens on no port unless
// Config.Listen asks for one (so that operators can attach the nats CLI);
// 4222 is often taken by a system NATS, so nothing is grabbed by default.
package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config says which NATS to use.
type Config struct {
	// URL of an external NATS server or cluster (comma-separated URLs); empty
	// starts the embedded server.
	URL string
	// StoreDir is where the embedded server keeps JetStream data.
	StoreDir string
	// Listen is an optional host:port on which the embedded server also
	// accepts TCP clients.
	Listen string
	// Name identifies this client to the server.
	Name string
}

// Broker is a live NATS connection with its JetStream context, and the
// embedded server when there is one.
type Broker struct {
	Conn   *nats.Conn
	JS     jetstream.JetStream
	server *server.Server
}

// Connect starts or reaches NATS. An external server that is down does not
// fail Connect: the connection keeps retrying in the background, writes
// still commit to the outbox, and readiness reports NOT_SERVING until NATS
// answers.
func Connect(cfg Config, logger *slog.Logger) (*Broker, error) {
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				logger.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			logger.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
	}
	b := &Broker{}
	url := cfg.URL
	if url == "" {
		srv, err := startEmbedded(cfg, logger)
		if err != nil {
			return nil, err
		}
		b.server = srv
		opts = append(opts, nats.InProcessServer(srv))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	b.Conn = nc
	if b.JS, err = jetstream.New(nc); err != nil {
		b.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return b, nil
}

func startEmbedded(cfg Config, logger *slog.Logger) (*server.Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("embedded nats: no store directory")
	}
	opts := &server.Options{
		ServerName: "goldenthread-embedded",
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true,
		DontListen: cfg.Listen == "",
	}
	if cfg.Listen != "" {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("embedded nats listen address %q: %w", cfg.Listen, err)
		}
		if opts.Port, err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("embedded nats listen address %q: bad port", cfg.Listen)
		}
		opts.Host = host
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	srv.SetLoggerV2(serverLogger{logger.With("component", "nats-server")}, false, false, false)
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("embedded nats: not ready after 30s (is the listen port taken?)")
	}
	if cfg.Listen != "" {
		logger.Info("embedded nats listening", "url", srv.ClientURL())
	}
	return srv, nil
}

// Ready reports whether NATS is reachable now.
func (b *Broker) Ready() error {
	if b.Conn == nil || !b.Conn.IsConnected() {
		return errors.New("nats is not connected")
	}
	return nil
}

// Close drains the connection, so pending publishes finish, and stops the
// embedded server.
func (b *Broker) Close() {
	if b.Conn != nil {
		_ = b.Conn.Drain()
		for i := 0; i < 100 && !b.Conn.IsClosed(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		b.Conn.Close()
	}
	if b.server != nil {
		b.server.Shutdown()
		b.server.WaitForShutdown()
	}
}

// serverLogger sends the embedded server's log through slog.
type serverLogger struct{ l *slog.Logger }

func (s serverLogger) Noticef(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Warnf(format string, v ...any)   { s.l.Warn(fmt.Sprintf(format, v...)) }
func (s serverLogger) Fatalf(format string, v ...any)  { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLogger) Errorf(format string, v ...any)  { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLogger) Debugf(format string, v ...any)  { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Tracef(format string, v ...any)  {}
