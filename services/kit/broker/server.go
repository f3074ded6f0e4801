package broker

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"golang.org/x/crypto/bcrypt"

	"github.com/goldenthread/goldenthread/services/kit/secretfile"
)

// The embedded server's users besides the services (see Services).
const (
	// UserGateway may only subscribe to the services' events: the gateway
	// streams them to browsers and publishes nothing.
	UserGateway = "gateway"
	// UserOperator may do anything: it is for people with the nats CLI
	// (and for tests). Its password is as powerful as the server itself.
	UserOperator = "operator"
)

// Services are the services that publish events; each has a user of its own
// on the embedded server, named after it. A new service adds its name here
// and its user to deploy/nats/nats.conf.
var Services = []string{"organisations", "teams", "planning", "kpis"}

// PasswordFile is where the embedded server whose store is storeDir keeps
// user's password: <storeDir>/<user>.password, e.g. data/nats/operator.password.
func PasswordFile(storeDir, user string) string {
	return filepath.Join(storeDir, user+".password")
}

// Server is an embedded nats-server with JetStream, storing under its store
// directory.
//
// It always requires a user and password, even when it listens on no port
// and only this process reaches it: every service connects as its own user
// with the permissions a cluster gives it (deploy/nats/nats.conf), so that
// the all-in-one, the tests and `make run` exercise the same permissions as
// production, and a permission missing from them fails here first. The
// passwords are made on the first start and kept beside the store (see
// PasswordFile), for the nats CLI and for services in other processes when
// the server listens.
type Server struct {
	srv       *server.Server
	storeDir  string
	passwords map[string]string
}

// StartServer starts the embedded server of cfg: StoreDir, Listen and
// SubjectPrefix (which scopes the users' permissions).
func StartServer(cfg Config, logger *slog.Logger) (*Server, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("embedded nats: no store directory")
	}
	if cfg.SubjectPrefix == "" {
		return nil, errors.New("embedded nats: no subject prefix (the users' permissions name it)")
	}
	passwords, err := loadOrCreatePasswords(cfg.StoreDir)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	us, err := users(cfg.SubjectPrefix, passwords)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	opts := &server.Options{
		ServerName: "goldenthread-embedded",
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true,
		DontListen: cfg.Listen == "",
		Users:      us,
	}
	if cfg.Listen != "" {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("embedded nats listen address %q: %w", cfg.Listen, err)
		}
		if opts.Port, err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("embedded nats listen address %q: bad port", cfg.Listen)
		}
		if opts.Port == 0 { // a free port, as for the other listeners; 0 would be NATS's default, 4222
			opts.Port = server.RANDOM_PORT
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
	s := &Server{srv: srv, storeDir: cfg.StoreDir, passwords: passwords}
	if cfg.Listen != "" {
		logger.Info("embedded nats listening; it takes only its users, whose passwords are files (mode 0600) in the credentials directory",
			"url", srv.ClientURL(), "credentials", cfg.StoreDir, "operator_password_file", s.PasswordFile(UserOperator))
	}
	return s, nil
}

// ClientURL is the URL on which the server takes TCP clients, when it
// listens.
func (s *Server) ClientURL() string { return s.srv.ClientURL() }

// PasswordFile is the file holding user's password.
func (s *Server) PasswordFile(user string) string { return PasswordFile(s.storeDir, user) }

// Connect opens an in-process connection as user (a service's name,
// UserGateway or UserOperator), named name for the server's monitoring.
func (s *Server) Connect(user, name string, logger *slog.Logger) (*Broker, error) {
	password, ok := s.passwords[user]
	if !ok {
		return nil, fmt.Errorf("embedded nats: no user %q (want one of %s, %s, %s)", user,
			strings.Join(Services, ", "), UserGateway, UserOperator)
	}
	return dial("", logger, append(options(name, logger), nats.InProcessServer(s.srv), nats.UserInfo(user, password))...)
}

// Close stops the server; close its connections first.
func (s *Server) Close() {
	s.srv.Shutdown()
	s.srv.WaitForShutdown()
}

// users are the embedded server's users: one per service, the gateway and
// the operator, each with the permissions deploy/nats/nats.conf gives the
// same user in a cluster.
//
// The server holds bcrypt hashes of the passwords, as nats-server asks
// (it warns at every start about plain ones). At the lowest cost: the
// hashes only live in this process's memory, beside the files holding the
// passwords themselves, and a higher cost would slow every start and
// connection (tests start many servers) for nothing.
func users(prefix string, passwords map[string]string) ([]*server.User, error) {
	perms := map[string]*server.Permissions{
		UserGateway:  gatewayPermissions(prefix),
		UserOperator: nil, // everything is allowed
	}
	for _, svc := range Services {
		perms[svc] = servicePermissions(prefix, svc)
	}
	var out []*server.User
	for name, p := range perms {
		hash, err := bcrypt.GenerateFromPassword([]byte(passwords[name]), bcrypt.MinCost)
		if err != nil {
			return nil, err
		}
		out = append(out, &server.User{Username: name, Password: string(hash), Permissions: p})
	}
	return out, nil
}

// servicePermissions let service publish its own events and manage its own
// stream and durable consumers, and nothing else: it cannot publish another
// service's events (the teams user's forged OrganisationDeleted on an
// organisations subject is refused by the server; on its own subjects, the
// consumers refuse it: see events.Consume), nor create, change, purge or
// delete another's stream, nor delete another's consumer. Everything it may
// publish:
//
//   - {prefix}.{service}.>: its events (the subjects of its stream);
//   - $JS.API.STREAM.CREATE|UPDATE.{STREAM}: its own stream only (a stream's
//     configuration can source messages from elsewhere, so changing another
//     service's stream would be a way round the line above);
//   - $JS.API.STREAM.INFO.*: any stream's configuration (a consumer prunes
//     its inbox by the age its stream keeps events);
//   - $JS.API.STREAM.MSG.GET.*: any stream's event by sequence (a consumer
//     looks up the event it gave up, which the advisory below names by
//     sequence alone, to record its dead letter);
//   - $JS.API.CONSUMER.CREATE|INFO|MSG.NEXT.*.{service}: its durable pull
//     consumers, which are named after it (teams, planning, kpis), on any
//     stream;
//   - $JS.ACK.>: acknowledgements of the messages delivered to it.
//
// It subscribes to _INBOX.> (JetStream's answers and pull deliveries), to
// the organisations service's events, whose changes to roles, owners and
// tokens make it forget the callers it cached, and to
// $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.*.{service}, the advisories
// that one of its consumers gave an event up (see
// events.DeadLetterAdvisory); it never publishes to _INBOX: a user that
// could publish to _INBOX could put a message into another service's pull
// delivery. Services may read every event (they are trusted to read, as
// they consume each other's streams); they are not trusted to speak for
// each other.
func servicePermissions(prefix, service string) *server.Permissions {
	stream := strings.ToUpper(prefix + "_" + service)
	return &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{
			prefix + "." + service + ".>",
			"$JS.API.STREAM.CREATE." + stream,
			"$JS.API.STREAM.UPDATE." + stream,
			"$JS.API.STREAM.INFO.*",
			"$JS.API.STREAM.MSG.GET.*",
			"$JS.API.CONSUMER.CREATE.*." + service,
			"$JS.API.CONSUMER.CREATE.*." + service + ".>",
			"$JS.API.CONSUMER.INFO.*." + service,
			"$JS.API.CONSUMER.MSG.NEXT.*." + service,
			"$JS.ACK.>",
		}},
		Subscribe: &server.SubjectPermission{Allow: []string{"_INBOX.>", prefix + ".organisations.>",
			"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.*." + service}},
	}
}

// gatewayPermissions let the gateway subscribe to the services' events,
// which it streams to browsers, and publish nothing.
func gatewayPermissions(prefix string) *server.Permissions {
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Deny: []string{">"}},
		Subscribe: &server.SubjectPermission{Allow: []string{prefix + ".>"}},
	}
}

// loadOrCreatePasswords reads every user's password from its file under
// dir, making the files that do not exist yet: random, for the owner only
// (0600, in a 0700 directory), like the admin token. Later starts reuse
// them, so that the nats CLI and other processes keep working.
func loadOrCreatePasswords(dir string) (map[string]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("credentials directory: %w", err)
	}
	// MkdirAll leaves an existing directory's mode alone; the passwords'
	// directory is for the owner only, whatever made it first.
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("credentials directory: %w", err)
	}
	passwords := map[string]string{}
	for _, user := range append([]string{UserGateway, UserOperator}, Services...) {
		path := PasswordFile(dir, user)
		raw, err := os.ReadFile(path)
		switch {
		case err == nil:
			if passwords[user] = strings.TrimSpace(string(raw)); passwords[user] == "" {
				return nil, fmt.Errorf("%s is empty: delete it to have a new password made", path)
			}
		case errors.Is(err, os.ErrNotExist):
			b := make([]byte, 32)
			_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
			passwords[user] = hex.EncodeToString(b)
			if err := secretfile.Write(path, passwords[user]); err != nil {
				return nil, err
			}
		default:
			return nil, err
		}
	}
	return passwords, nil
}

// serverLogger sends the embedded server's log through slog.
type serverLogger struct{ l *slog.Logger }

func (s serverLogger) Noticef(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Warnf(format string, v ...any)   { s.l.Warn(fmt.Sprintf(format, v...)) }
func (s serverLogger) Fatalf(format string, v ...any)  { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLogger) Errorf(format string, v ...any)  { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLogger) Debugf(format string, v ...any)  { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Tracef(format string, v ...any)  {}
