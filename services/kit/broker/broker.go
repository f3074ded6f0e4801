// Package broker connects a process to NATS JetStream: an external server or
// cluster given by URL, or, for the embedded default, a nats-server started
// inside the process with JetStream storing under the data directory.
//
// The embedded server is reached in-process and listens on no port unless
// Config.Listen asks for one (so that operators can attach the nats CLI);
// 4222 is often taken by a system NATS, so nothing is grabbed by default.
// Either way it takes only its own users, each limited to what it needs
// (see Server).
package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config says which NATS to use, and as whom.
type Config struct {
	// URL of an external NATS server or cluster (comma-separated URLs); empty
	// starts the embedded server.
	URL string
	// Credentials for the external server; none for a server that asks for
	// none.
	Credentials Credentials
	// StoreDir is where the embedded server keeps JetStream data and its
	// users' passwords.
	StoreDir string
	// Listen is an optional host:port on which the embedded server also
	// accepts TCP clients.
	Listen string
	// SubjectPrefix starts the subjects the embedded server's users may use.
	SubjectPrefix string
	// User is who connects to the embedded server: a service's name (see
	// Services), UserGateway or UserOperator.
	User string
	// Name identifies this client to the server.
	Name string
}

// Broker is a live NATS connection with its JetStream context, and the
// embedded server when the connection started it.
type Broker struct {
	Conn   *nats.Conn
	JS     jetstream.JetStream
	server *Server
}

// Connect starts or reaches NATS. An external server that is down, or that
// refuses the credentials (a password file not written yet), does not fail
// Connect: the connection keeps retrying in the background, writes still
// commit to the outbox, and readiness reports NOT_SERVING until NATS
// answers.
//
// Without a URL, Connect starts an embedded server that the Broker owns
// (Close stops it) and connects to it as cfg.User; to connect several users
// to one embedded server, use StartServer and Server.Connect.
func Connect(cfg Config, logger *slog.Logger) (*Broker, error) {
	if cfg.URL == "" {
		if !cfg.Credentials.empty() {
			return nil, errors.New("nats credentials are for an external NATS (-nats-url); the embedded one makes its own")
		}
		srv, err := StartServer(cfg, logger)
		if err != nil {
			return nil, err
		}
		b, err := srv.Connect(cfg.User, cfg.Name, logger)
		if err != nil {
			srv.Close()
			return nil, err
		}
		b.server = srv
		return b, nil
	}
	creds, err := cfg.Credentials.options()
	if err != nil {
		return nil, err
	}
	return dial(cfg.URL, logger, append(options(cfg.Name, logger), creds...)...)
}

// options are every connection's: retry for ever, and say so in the log.
func options(name string, logger *slog.Logger) []nats.Option {
	return []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
		// Keep trying after the server refused the credentials twice: a
		// password file may be written, or rotated, meanwhile.
		nats.IgnoreAuthErrorAbort(),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				logger.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			logger.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(errorLogger(logger)),
	}
}

// errorLogger logs a connection's asynchronous errors: refused credentials
// and permission violations arrive there, and a service whose user lacks a
// permission must say so loudly. The same error is logged at most once a
// minute, as refused credentials come back at every attempt, four times a
// second.
func errorLogger(logger *slog.Logger) nats.ErrHandler {
	var mu sync.Mutex
	var last string
	var at time.Time
	return func(_ *nats.Conn, _ *nats.Subscription, err error) {
		mu.Lock()
		repeated := err.Error() == last && time.Since(at) < time.Minute
		if !repeated {
			last, at = err.Error(), time.Now()
		}
		mu.Unlock()
		if !repeated {
			logger.Error("nats error", "err", err)
		}
	}
}

func dial(url string, logger *slog.Logger, opts ...nats.Option) (*Broker, error) {
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &Broker{Conn: nc, JS: js}, nil
}

// Ready reports whether NATS is reachable now.
func (b *Broker) Ready() error {
	if b.Conn == nil || !b.Conn.IsConnected() {
		return errors.New("nats is not connected")
	}
	return nil
}

// Close drains the connection, so pending publishes finish, and stops the
// embedded server if Connect started it.
func (b *Broker) Close() {
	if b.Conn != nil {
		_ = b.Conn.Drain()
		for i := 0; i < 100 && !b.Conn.IsClosed(); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		b.Conn.Close()
	}
	if b.server != nil {
		b.server.Close()
	}
}
