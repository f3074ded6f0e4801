package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apitest"
	"github.com/goldenthread/goldenthread/services/kit/events"
)

// The embedded NATS opened with -nats-listen takes only its users: nobody
// else reads the organisations' events, a service's user cannot publish
// another service's events, and an event that claims another producer
// than its subject names is refused by the consumers. The operator's
// password, in the data directory, lets the nats CLI in.
func TestEmbeddedNATSTakesOnlyItsUsers(t *testing.T) {
	dataDir := t.TempDir()
	listen := apitest.FreeAddr(t)
	p, _ := launch(t, dataDir, "-nats-listen", listen)
	base, admin, url := "http://"+p.httpAddr, p.adminToken, "nats://"+listen
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// An organisation with a team and a plan.
	for _, c := range [][2]string{
		{"/v1/organisations?organisation_id=north", `{"display_name":"North","kind":"KIND_COUNCIL"}`},
		{"/v1/organisations/north/teams?team_id=board", `{"display_name":"Board","kind":"KIND_LEADERSHIP"}`},
		{"/v1/organisations/north/elements?element_id=vision", `{"level":"LEVEL_VISION","title":"A council people trust",` +
			`"owner_team":"organisations/north/teams/board","start_date":{"year":2026,"month":1,"day":1},"end_date":{"year":2030,"month":12,"day":31}}`},
	} {
		if code, body := httpDo(t, admin, "POST", base+c[0], c[1]); code != 200 {
			t.Fatalf("POST %s: %d %s", c[0], code, body)
		}
	}

	// (a) Without credentials, or with a wrong password, the port refuses.
	for _, opts := range [][]nats.Option{nil, {nats.UserInfo("operator", "guess")}} {
		if nc, err := nats.Connect(url, opts...); err == nil {
			nc.Close()
			t.Fatal("a client without the password connected to the embedded NATS")
		} else if !strings.Contains(strings.ToLower(err.Error()), "authorization violation") {
			t.Fatalf("a client without the password: %v, want an authorization violation", err)
		}
	}

	// The passwords are files in the data directory, for their owner only.
	password := func(user string) string {
		t.Helper()
		path := filepath.Join(dataDir, "nats", user+".password")
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v, %v; want mode 0600", path, fi, err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(raw))
	}

	// (c) The operator reads the events, live and from the streams.
	op, err := nats.Connect(url, nats.UserInfo("operator", password("operator")))
	if err != nil {
		t.Fatalf("the operator: %v", err)
	}
	defer op.Close()
	live, err := op.SubscribeSync("goldenthread.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Flush(); err != nil {
		t.Fatal(err)
	}
	if code, body := httpDo(t, admin, "POST", base+"/v1/organisations/north/teams?team_id=east",
		`{"display_name":"East","kind":"KIND_LEADERSHIP"}`); code != 200 {
		t.Fatalf("create team: %d %s", code, body)
	}
	for {
		m, err := live.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("the operator got no team.created event: %v", err)
		}
		if m.Subject == "goldenthread.teams.v1.north.team.created" {
			break
		}
	}
	opJS, err := jetstream.New(op)
	if err != nil {
		t.Fatal(err)
	}
	orgStream, err := opJS.Stream(ctx, "GOLDENTHREAD_ORGANISATIONS")
	if err != nil || orgStream.CachedInfo().State.Msgs == 0 {
		t.Fatalf("the operator reading the organisations stream: %v", err)
	}

	// (b) The teams service's user publishing the organisation's deletion:
	// the server refuses it, whether through JetStream or not.
	tm, err := nats.Connect(url, nats.UserInfo("teams", password("teams")),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {})) // LastError holds them
	if err != nil {
		t.Fatalf("the teams user: %v", err)
	}
	defer tm.Close()
	tmJS, err := jetstream.New(tm)
	if err != nil {
		t.Fatal(err)
	}
	forged := func(subject, source string) *nats.Msg {
		now := time.Now()
		data, err := proto.Marshal(&orgpb.OrganisationDeleted{Organisation: &orgpb.Organisation{Name: "organisations/north",
			DisplayName: "North", UpdateTime: timestamppb.New(now.Add(time.Hour)), DeleteTime: timestamppb.New(now)}})
		if err != nil {
			t.Fatal(err)
		}
		return events.Event{ID: events.NewID(), Source: source, Type: string(proto.MessageName(&orgpb.OrganisationDeleted{})),
			Subject: "organisations/north", Time: now, Data: data, NATSSubject: subject}.Msg()
	}
	orgSubject := events.Subject{Prefix: "goldenthread", Service: "organisations", Version: events.Version, Org: "north", Resource: "organisation", Change: "deleted"}.String()
	short, cancelShort := context.WithTimeout(ctx, 2*time.Second)
	defer cancelShort()
	if _, err := tmJS.PublishMsg(short, forged(orgSubject, events.ServiceSource("organisations"))); err == nil {
		t.Error("JetStream stored the teams user's OrganisationDeleted")
	}
	if err := tm.PublishMsg(forged(orgSubject, events.ServiceSource("organisations"))); err != nil {
		t.Fatal(err)
	}
	if err := tm.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := tm.LastError(); !errors.Is(err, nats.ErrPermissionViolation) {
		t.Errorf("the teams user's OrganisationDeleted: %v, want a permissions violation", err)
	}
	if _, err := orgStream.GetLastMsgForSubject(ctx, orgSubject); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Errorf("the organisations stream holds a deletion of north: %v", err)
	}

	// On its own subjects the teams user may publish, but an
	// OrganisationDeleted there, claiming to come from organisations (or
	// from teams), is refused by the consumer that would have acted on it
	// (planning reads the teams stream with the same handlers).
	var lastSeq uint64
	for _, source := range []string{events.ServiceSource("organisations"), "//goldenthread/teams"} {
		ack, err := tmJS.PublishMsg(ctx, forged("goldenthread.teams.v1.north.organisation.deleted", source))
		if err != nil {
			t.Fatalf("the teams user on its own subject: %v", err)
		}
		lastSeq = ack.Sequence
	}
	apitest.Eventually(t, 15*time.Second, "planning has not dealt with the events on the teams stream", func() bool {
		c, err := opJS.Consumer(ctx, "GOLDENTHREAD_TEAMS", "planning")
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.AckFloor.Stream >= lastSeq
	})

	// The organisation, its teams and its plan are all there.
	for _, path := range []string{"/v1/organisations/north", "/v1/organisations/north/teams/board", "/v1/organisations/north/teams/east",
		"/v1/organisations/north/elements/vision"} {
		code, body := httpDo(t, admin, "GET", base+path, "")
		if code != 200 || strings.Contains(body, "delete_time") || strings.Contains(body, "deleteTime") {
			t.Errorf("GET %s after the forged deletions: %d %s", path, code, body)
		}
	}
}
