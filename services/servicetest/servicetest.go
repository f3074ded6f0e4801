// Package servicetest starts services for tests: any set of the four, each
// on a database of its own, on one NATS, accepting the tokens of an
// authtest issuer, hosted by host.Run on one gRPC listener as in the
// all-in-one, and stopped when the test ends.
//
// Only tests import it. Its files are not _test.go files because the tests
// of every service and of the gateway share it; it lives beside the
// services rather than in services/kit because it imports all of them,
// and the kit is below the services.
package servicetest

import (
	"context"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/goldenthread/goldenthread/services/kit/auth/authtest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
	"github.com/goldenthread/goldenthread/services/kpis"
	"github.com/goldenthread/goldenthread/services/organisations"
	"github.com/goldenthread/goldenthread/services/planning"
	"github.com/goldenthread/goldenthread/services/teams"
)

// All names every service, each after those it calls.
var All = []string{"organisations", "teams", "planning", "kpis"}

// Options say which services to start and on what.
type Options struct {
	// Services to start, by name (All); they are opened in All's order.
	Services []string
	// DSN gives a service, by name, its database (the engine under test);
	// every other service gets one from NewDSN.
	DSN map[string]string
	// NewDSN makes a new database for a service; nil makes SQLite files
	// (sqldbtest.SQLiteDSN).
	NewDSN func(t *testing.T) string
	// Broker carries the services' events. Nil starts an embedded NATS of
	// the test's own (brokertest.Embedded).
	Broker *broker.Broker
	// Prefix starts the subjects and stream names. Empty: on a Broker the
	// test gives, which other tests may share, one unique to the test
	// (brokertest.Prefix); on the test's own NATS, the default one.
	Prefix string
	// Auth issues the tokens the services accept; nil makes a new issuer.
	Auth *authtest.Env
	// Addr is the gRPC listen address; empty takes a free port.
	Addr string
	// Elsewhere gives, by name, the addresses of the services called but
	// not started here; those started here are called on Addr.
	Elsewhere map[string]string
	// Webhooks are the organisations service's webhook settings.
	Webhooks organisations.WebhookOptions
}

// Env is running services.
type Env struct {
	// Addr is where the services listen.
	Addr string
	// Auth issues tokens the services accept; Admin is one of a platform
	// admin.
	Auth  *authtest.Env
	Admin string
	// Broker and Prefix are the services' NATS and subject prefix.
	Broker *broker.Broker
	Prefix string
	// DSN is each started service's database, by name.
	DSN map[string]string

	stop func()
}

// Start opens the services of o and serves them until the test ends or
// Stop is called.
func Start(t *testing.T, o Options) *Env {
	t.Helper()
	e := &Env{Auth: o.Auth, Broker: o.Broker, Prefix: o.Prefix, DSN: map[string]string{}}
	if e.Auth == nil {
		e.Auth = authtest.New(t)
	}
	if e.Broker == nil {
		e.Broker = brokertest.Embedded(t)
	} else if e.Prefix == "" {
		e.Prefix = brokertest.Prefix(t, e.Broker)
	}
	e.Admin = e.Auth.Token(t, authtest.PlatformAdmin)
	newDSN := o.NewDSN
	if newDSN == nil {
		newDSN = sqldbtest.SQLiteDSN
	}
	addr := o.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	e.Addr = lis.Addr().String()
	// Every service is reached here but those elsewhere: one not started
	// answers UNIMPLEMENTED, as a service an upgrade has not reached yet.
	addrs := map[string]string{}
	for _, name := range All {
		addrs[name] = e.Addr
		if a := o.Elsewhere[name]; a != "" && !slices.Contains(o.Services, name) {
			addrs[name] = a
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	var opened []host.OwnedService
	closeAll := func() {
		for _, s := range opened {
			s.Close()
		}
	}
	for _, name := range All {
		if !slices.Contains(o.Services, name) {
			continue
		}
		dsn := o.DSN[name]
		if dsn == "" {
			dsn = newDSN(t)
		}
		e.DSN[name] = dsn
		// The outbox keeps published events, so that tests can read what a
		// change emitted.
		svc, err := open(ctx, name, host.Settings{DSN: dsn, SubjectPrefix: e.Prefix, JWT: e.Auth.Verifier, Addrs: addrs,
			OutboxRetention: time.Hour}, o.Webhooks)
		if err != nil {
			cancel()
			lis.Close()
			closeAll()
			t.Fatalf("open %s: %v", name, err)
		}
		opened = append(opened, svc)
	}
	// In one process every service checks credentials against the
	// organisations service's data; without it, each asks the
	// organisations service elsewhere.
	resolver := opened[0].Resolver()
	services := make([]host.Service, len(opened))
	for i, s := range opened {
		services[i] = s
	}
	done := make(chan error, 1)
	go func() {
		done <- host.Run(ctx, host.Config{Logger: brokertest.Logger(), Broker: e.Broker, Services: services, Resolver: resolver, GRPC: lis})
	}()
	stopped := false
	e.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("host: %v", err)
		}
		closeAll()
	}
	t.Cleanup(e.stop)
	return e
}

// open opens the service called name with settings s (and, for the
// organisations service, webhooks).
func open(ctx context.Context, name string, s host.Settings, webhooks organisations.WebhookOptions) (host.OwnedService, error) {
	logger := brokertest.Logger()
	switch name {
	case "organisations":
		return organisations.Open(ctx, organisations.Config{Settings: s, PlatformAdmins: []string{authtest.PlatformAdmin}, Webhooks: webhooks}, logger)
	case "teams":
		return teams.Open(ctx, s, logger)
	case "planning":
		return planning.Open(ctx, s, logger)
	case "kpis":
		return kpis.Open(ctx, s, logger)
	}
	panic("servicetest: no service " + name)
}

// Stop stops the services and closes them, as the end of the test would;
// a later Stop does nothing.
func (e *Env) Stop() { e.stop() }

// Dial connects to the services, calling with token.
func (e *Env) Dial(t *testing.T, token string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	return Dial(t, e.Addr, token, opts...)
}

// DB opens another handle on the database of the service called name,
// closed when the test ends, to look at what the service stored.
func (e *Env) DB(t *testing.T, name string) *sqldb.DB {
	t.Helper()
	db, err := sqldb.Open(context.Background(), e.DSN[name])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Stream is the name of the stream of the service called name.
func (e *Env) Stream(name string) string {
	prefix := e.Prefix
	if prefix == "" {
		prefix = host.DefaultSubjectPrefix
	}
	return events.ServiceStream(prefix, name, 1, 0).Name
}

// Dial connects to addr, calling with token (none when empty); the
// connection closes when the test ends.
func Dial(t *testing.T, addr, token string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	opts = append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)
	if token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(authtest.Bearer(token)))
	}
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
