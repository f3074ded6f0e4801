package broker_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/broker"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
	"github.com/goldenthread/goldenthread/services/kit/events"
)

func startServer(t *testing.T, dir, listen string) *broker.Server {
	t.Helper()
	srv, err := broker.StartServer(broker.Config{StoreDir: dir, Listen: listen, SubjectPrefix: "gt"}, brokertest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

func connect(t *testing.T, srv *broker.Server, user string) *broker.Broker {
	t.Helper()
	b, err := srv.Connect(user, t.Name()+"-"+user, brokertest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// refused reports whether the server refused what the connection last
// sent for lack of permission: it answers a publish it refuses with an
// error, which has arrived once a flush (a round trip) returns.
func refused(t *testing.T, nc *nats.Conn) bool {
	t.Helper()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	err := nc.LastError()
	return err != nil && strings.Contains(strings.ToLower(err.Error()), "permissions violation")
}

func TestEmbeddedServerTakesOnlyItsUsers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nats")
	listen := apitest.FreeAddr(t)
	srv := startServer(t, dir, listen)

	// Every user's password is a file only its owner reads.
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("credentials directory: %v, %v; want mode 0700", fi, err)
	}
	passwords := map[string]string{}
	for _, user := range append([]string{broker.UserOperator, broker.UserGateway}, broker.Services...) {
		path := broker.PasswordFile(dir, user)
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, %v; want mode 0600", path, fi, err)
		}
		raw, _ := os.ReadFile(path)
		if passwords[user] = strings.TrimSpace(string(raw)); len(passwords[user]) < 32 {
			t.Fatalf("%s holds %q: not a strong password", path, raw)
		}
	}

	url := "nats://" + listen
	for name, opts := range map[string][]nats.Option{
		"no credentials":      nil,
		"a wrong password":    {nats.UserInfo(broker.UserOperator, "guess")},
		"another's password":  {nats.UserInfo(broker.UserOperator, passwords["teams"])},
		"an unknown user":     {nats.UserInfo("root", passwords[broker.UserOperator])},
		"the user as a token": {nats.Token(passwords[broker.UserOperator])},
	} {
		nc, err := nats.Connect(url, opts...)
		if err == nil {
			nc.Close()
			t.Errorf("a client with %s connected", name)
		} else if !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
			t.Errorf("a client with %s: %v, want an authorization violation", name, err)
		}
	}
	nc, err := nats.Connect(url, nats.UserInfo(broker.UserOperator, passwords[broker.UserOperator]))
	if err != nil {
		t.Fatalf("the operator with its password: %v", err)
	}
	nc.Close()

	// A later start keeps the passwords: the nats CLI and the processes
	// given the files keep working.
	srv.Close()
	srv = startServer(t, dir, listen)
	defer srv.Close()
	nc, err = nats.Connect(url, nats.UserInfo("teams", passwords["teams"]))
	if err != nil {
		t.Fatalf("after a restart, teams with its password: %v", err)
	}
	nc.Close()
}

func TestServiceUsersSpeakOnlyForThemselves(t *testing.T) {
	srv := startServer(t, t.TempDir(), "")
	defer srv.Close()
	orgs, teams, gw, operator := connect(t, srv, "organisations"), connect(t, srv, "teams"),
		connect(t, srv, broker.UserGateway), connect(t, srv, broker.UserOperator)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, time.Second)
		t.Cleanup(cancel)
		return c
	}

	// Each service makes and updates its own stream.
	orgStream := events.ServiceStream("gt", "organisations", 1, 0)
	if err := events.EnsureStream(ctx, orgs.JS, orgStream); err != nil {
		t.Fatal(err)
	}
	if err := events.EnsureStream(ctx, teams.JS, events.ServiceStream("gt", "teams", 1, time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Another's stream is out of reach: changed, its configuration could
	// source forged messages into it.
	if err := events.EnsureStream(short(), teams.JS, events.ServiceStream("gt", "organisations", 1, time.Hour)); err == nil {
		t.Error("the teams user updated the organisations stream")
	}
	if err := teams.JS.DeleteStream(short(), orgStream.Name); err == nil {
		t.Error("the teams user deleted the organisations stream")
	}
	if s, err := teams.JS.Stream(ctx, orgStream.Name); err != nil {
		t.Errorf("the teams user reading the organisations stream's configuration: %v", err)
	} else if err := s.Purge(short()); err == nil {
		t.Error("the teams user purged the organisations stream")
	}

	event := func(subject string) *nats.Msg {
		return events.Event{ID: events.NewID(), Source: "//goldenthread/organisations", Type: "goldenthread.organisations.v1.OrganisationDeleted",
			Subject: "organisations/north", Time: time.Now(), Data: []byte{}, NATSSubject: subject}.Msg()
	}
	const orgSubject = "gt.organisations.v1.north.organisation.deleted"
	if _, err := orgs.JS.PublishMsg(ctx, event(orgSubject)); err != nil {
		t.Fatalf("organisations publishing its own event: %v", err)
	}
	// The teams user may not speak for organisations, neither through
	// JetStream nor around it, nor into an inbox (a service's pull
	// deliveries arrive on one).
	if _, err := teams.JS.PublishMsg(short(), event(orgSubject)); err == nil {
		t.Error("the teams user published an organisations event")
	}
	if err := teams.Conn.PublishMsg(event(orgSubject)); err != nil || !refused(t, teams.Conn) {
		t.Errorf("the teams user's organisations event was not refused: %v, %v", err, teams.Conn.LastError())
	}
	if err := teams.Conn.Publish("_INBOX.abc", []byte("x")); err != nil || !refused(t, teams.Conn) {
		t.Error("the teams user published to an inbox")
	}
	if info, err := operator.JS.Stream(ctx, orgStream.Name); err != nil || info.CachedInfo().State.Msgs != 1 {
		t.Fatalf("organisations stream: %v, %v; want only its own event", info, err)
	}
	if _, err := teams.JS.PublishMsg(ctx, event("gt.teams.v1.north.team.deleted")); err != nil {
		t.Fatalf("teams publishing on its own subject: %v", err)
	}

	// Teams reads the organisations stream through its durable consumer,
	// and acknowledges; it may not create, or take over, planning's.
	spec := events.ServiceConsumer("gt", "organisations", "teams")
	cons, err := teams.JS.CreateOrUpdateConsumer(ctx, spec.Stream, jetstream.ConsumerConfig{Durable: spec.Durable,
		FilterSubject: spec.FilterSubject, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatalf("teams making its consumer: %v", err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var got int
	for m := range batch.Messages() {
		got++
		if err := m.DoubleAck(ctx); err != nil {
			t.Errorf("teams acknowledging: %v", err)
		}
	}
	if got != 1 || batch.Error() != nil {
		t.Fatalf("teams fetched %d events, %v", got, batch.Error())
	}
	if _, err := teams.JS.CreateOrUpdateConsumer(short(), spec.Stream, jetstream.ConsumerConfig{Durable: "planning",
		FilterSubject: spec.FilterSubject, AckPolicy: jetstream.AckExplicitPolicy}); err == nil {
		t.Error("the teams user made planning's consumer")
	}

	// A service hears when its own consumer gives an event up, and reads
	// that event by its sequence, to record its dead letter; it does not
	// hear of another service's consumers. (A connection of its own: the
	// refusals above linger as the teams connection's last error.)
	deadTeams := connect(t, srv, "teams")
	advisories, err := deadTeams.Conn.SubscribeSync(events.DeadLetterAdvisory(spec.Stream, "teams"))
	if err != nil {
		t.Fatal(err)
	}
	if err := deadTeams.Conn.Flush(); err != nil || deadTeams.Conn.LastError() != nil {
		t.Fatalf("teams subscribing to its consumer's advisories: %v, %v", err, deadTeams.Conn.LastError())
	}
	if cons, err = deadTeams.JS.CreateOrUpdateConsumer(ctx, spec.Stream, jetstream.ConsumerConfig{Durable: spec.Durable,
		FilterSubject: spec.FilterSubject, AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: 1}); err != nil {
		t.Fatalf("teams bounding its consumer's deliveries: %v", err)
	}
	if _, err := orgs.JS.PublishMsg(ctx, event(orgSubject)); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second fetch has the server find the event given up
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			_ = m.Nak()
		}
	}
	advisory, err := advisories.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("teams heard no advisory of the event its consumer gave up: %v", err)
	}
	var given struct {
		StreamSeq uint64 `json:"stream_seq"`
	}
	if err := json.Unmarshal(advisory.Data, &given); err != nil || given.StreamSeq == 0 {
		t.Fatalf("advisory %s: %v", advisory.Data, err)
	}
	if s, err := deadTeams.JS.Stream(ctx, spec.Stream); err != nil {
		t.Fatal(err)
	} else if m, err := s.GetMsg(ctx, given.StreamSeq); err != nil || m.Subject != orgSubject {
		t.Errorf("teams reading the event given up: %v, %v", m, err)
	}
	if _, err := deadTeams.Conn.SubscribeSync(events.DeadLetterAdvisory(spec.Stream, "planning")); err != nil || !refused(t, deadTeams.Conn) {
		t.Error("the teams user subscribed to the advisories of planning's consumer")
	}

	// The gateway reads events and says nothing.
	sub, err := gw.Conn.SubscribeSync("gt.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := gw.Conn.Flush(); err != nil || gw.Conn.LastError() != nil {
		t.Fatalf("the gateway subscribing to events: %v, %v", err, gw.Conn.LastError())
	}
	if _, err := orgs.JS.PublishMsg(ctx, event(orgSubject)); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("the gateway got no event: %v", err)
	}
	if err := gw.Conn.PublishMsg(event(orgSubject)); err != nil || !refused(t, gw.Conn) {
		t.Error("the gateway published an event")
	}
	if _, err := gw.Conn.SubscribeSync("$JS.ACK.>"); err != nil || !refused(t, gw.Conn) {
		t.Error("the gateway subscribed to JetStream's acknowledgements")
	}
}

// A process given a password file that does not exist yet (the process
// whose embedded server it joins writes it as it starts) connects once it
// appears.
func TestPasswordFileIsReadAtEachAttempt(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, filepath.Join(dir, "nats"), apitest.FreeAddr(t))
	defer srv.Close()
	file := filepath.Join(dir, "teams.password")
	b, err := broker.Connect(broker.Config{URL: srv.ClientURL(), Name: t.Name(),
		Credentials: broker.Credentials{User: "teams", PasswordFile: file}}, brokertest.Logger())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	time.Sleep(time.Second) // several refused attempts
	if b.Ready() == nil {
		t.Fatal("connected without a password")
	}
	raw, err := os.ReadFile(srv.PasswordFile("teams"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	apitest.Eventually(t, 10*time.Second, "not connected after the password file appeared", func() bool { return b.Ready() == nil })
}

func TestCredentialsMustBeClear(t *testing.T) {
	for name, c := range map[string]broker.Credentials{
		"password without user":    {Password: "x"},
		"user without password":    {User: "teams"},
		"password and its file":    {User: "teams", Password: "x", PasswordFile: "f"},
		"creds file and user":      {User: "teams", CredsFile: "f"},
		"creds file and password":  {Password: "x", CredsFile: "f"},
		"file without user":        {PasswordFile: "f"},
		"credentials for embedded": {User: "teams", Password: "x"},
	} {
		cfg := broker.Config{URL: "nats://127.0.0.1:1", Credentials: c}
		if name == "credentials for embedded" {
			cfg.URL, cfg.StoreDir, cfg.SubjectPrefix, cfg.User = "", t.TempDir(), "gt", "teams"
		}
		if b, err := broker.Connect(cfg, brokertest.Logger()); err == nil {
			b.Close()
			t.Errorf("%s: accepted", name)
		}
	}
}
