package organisations_test

import (
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/egress"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/kit/sqldb/sqldbtest"
	"github.com/goldenthread/goldenthread/services/organisations"
	"github.com/goldenthread/goldenthread/services/servicetest"
)

// receiver is a webhook receiver: it answers 500 to the first fails
// requests of each event and 200 after, and keeps what it was sent.
type receiver struct {
	*httptest.Server
	mu    sync.Mutex
	fails map[string]int // still to fail, by webhook-id (event)
	seen  map[string]bool
	got   []received
}

// received is one request a receiver answered.
type received struct {
	id, timestamp, signature string
	body                     []byte
	status                   int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{fails: map[string]int{}, seen: map[string]bool{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		id := req.Header.Get("webhook-id")
		if !r.seen[id] {
			r.seen[id] = true
			r.fails[id], r.fails[""] = r.fails[""], 0
		}
		code := http.StatusOK
		if r.fails[id] > 0 || strings.HasSuffix(req.URL.Path, "/broken") {
			r.fails[id]--
			code = http.StatusInternalServerError
		}
		r.got = append(r.got, received{id, req.Header.Get("webhook-timestamp"), req.Header.Get("webhook-signature"), body, code})
		w.WriteHeader(code)
	}))
	t.Cleanup(r.Close)
	return r
}

// failNext has the first n requests of the next event it meets fail.
func (r *receiver) failNext(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fails[""] = n
}

// delivered returns the events answered 200, in order, each once.
func (r *receiver) delivered() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []received
	for _, g := range r.got {
		if g.status == http.StatusOK {
			out = append(out, g)
		}
	}
	return out
}

// verify checks a request's signature with the Standard Webhooks
// algorithm, from the specification rather than the service's code.
func verify(t *testing.T, secret string, g received) {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q is not whsec_ and base64", secret)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(g.id + "." + g.timestamp + "." + string(g.body)))
	want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(g.signature), []byte(want)) {
		t.Errorf("signature %q, want %q", g.signature, want)
	}
	ts, _ := strconv.ParseInt(g.timestamp, 10, 64)
	if d := time.Since(time.Unix(ts, 0)); d < -time.Minute || d > 5*time.Minute {
		t.Errorf("webhook-timestamp %s is %v away", g.timestamp, d)
	}
}

// TestWebhooks: a change reaches a webhook as a signed CloudEvent; a
// receiver failing three times gets it once more after backoff, and the
// delivery log shows the attempts; a restart during the retries loses
// nothing; events of one resource arrive in order; a receiver that never
// answers 200 has its webhook disabled; a private address is refused
// where the operator does not allow it. On SQLite and PostgreSQL.
func TestWebhooks(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, dsn string) {
		newDSN := sqldbtest.SQLiteDSN
		if strings.HasPrefix(dsn, "postgres") {
			newDSN = sqldbtest.PostgresDSN
		}
		options := organisations.WebhookOptions{Egress: egress.Policy{AllowPrivate: true, AllowHTTP: true},
			Retries: []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 600 * time.Millisecond}, Timeout: 2 * time.Second}
		env := servicetest.Start(t, servicetest.Options{Services: []string{"organisations"}, NewDSN: newDSN, Webhooks: options})
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		clients := func(e *servicetest.Env) (pb.OrganisationsServiceClient, pb.WebhooksServiceClient) {
			conn := e.Dial(t, e.Admin)
			return pb.NewOrganisationsServiceClient(conn), pb.NewWebhooksServiceClient(conn)
		}
		orgs, hooks := clients(env)
		const org = "organisations/hooks"
		if _, err := orgs.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{OrganisationId: "hooks", Organisation: council("Hooks")}); err != nil {
			t.Fatal(err)
		}
		rcv := newReceiver(t)
		created, err := hooks.CreateWebhook(ctx, &pb.CreateWebhookRequest{Parent: org, WebhookId: "feed",
			Webhook: &pb.Webhook{DisplayName: "feed", Url: rcv.URL + "/hook", EventTypes: []string{"goldenthread.organisations.v1.OrganisationUpdated"}}})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := hooks.GetWebhook(ctx, &pb.GetWebhookRequest{Name: created.Webhook.Name}); !got.Enabled || created.Secret == "" {
			t.Fatalf("created %v, read back %v", created, got)
		}
		// An update that changes nothing keeps the etag (and, as the engine
		// does for every resource, publishes nothing).
		same, err := hooks.UpdateWebhook(ctx, &pb.UpdateWebhookRequest{Webhook: &pb.Webhook{Name: created.Webhook.Name, DisplayName: "feed"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
		if err != nil || same.Etag != created.Webhook.Etag {
			t.Errorf("a no-op update: %v %v, want etag %s", same, err, created.Webhook.Etag)
		}
		rename := func(name string) {
			t.Helper()
			if _, err := orgs.UpdateOrganisation(ctx, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Name: org, DisplayName: name},
				UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}); err != nil {
				t.Fatal(err)
			}
		}
		waitDelivered := func(n int) []received {
			t.Helper()
			deadline := time.Now().Add(45 * time.Second)
			for len(rcv.delivered()) < n {
				if time.Now().After(deadline) {
					log, err := hooks.ListDeliveries(ctx, &pb.ListDeliveriesRequest{Parent: created.Webhook.Name})
					t.Fatalf("%d events delivered, want %d; the delivery log: %v %v", len(rcv.delivered()), n, log.GetDeliveries(), err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			return rcv.delivered()
		}

		// A chat channel's webhook gets a line to read.
		channel := newReceiver(t)
		if _, err := hooks.CreateWebhook(ctx, &pb.CreateWebhookRequest{Parent: org, Webhook: &pb.Webhook{DisplayName: "channel", Url: channel.URL,
			EventTypes: []string{"goldenthread.organisations.v1.OrganisationUpdated"}, Format: pb.Webhook_FORMAT_CHAT}}); err != nil {
			t.Fatal(err)
		}

		// Another organisation's change of a type these webhooks ask for
		// is none of theirs: the gate reads the webhooks of the event's
		// organisation only (checked with the inbox below).
		if _, err := orgs.CreateOrganisation(ctx, &pb.CreateOrganisationRequest{OrganisationId: "hookless", Organisation: council("Hookless")}); err != nil {
			t.Fatal(err)
		}
		if _, err := orgs.UpdateOrganisation(ctx, &pb.UpdateOrganisationRequest{Organisation: &pb.Organisation{Name: "organisations/hookless",
			DisplayName: "Hookless renamed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}); err != nil {
			t.Fatal(err)
		}

		// Three 500s, then the event after backoff.
		rcv.failNext(3)
		rename("Hooks renamed")
		first := waitDelivered(1)[0]
		verify(t, created.Secret, first)
		var ce struct {
			SpecVersion, ID, Source, Type, Subject, DataContentType string
			Data                                                    struct {
				Organisation struct {
					DisplayName string `json:"display_name"`
				}
			}
		}
		if err := json.Unmarshal(first.body, &ce); err != nil {
			t.Fatal(err)
		}
		if ce.SpecVersion != "1.0" || ce.ID != first.id || ce.Type != "goldenthread.organisations.v1.OrganisationUpdated" || ce.Subject != org ||
			ce.Source != "//goldenthread/organisations" || ce.DataContentType != "application/json" || ce.Data.Organisation.DisplayName != "Hooks renamed" {
			t.Errorf("CloudEvent %s", first.body)
		}
		// The intake's gate turned away, before any transaction, the events
		// no webhook asks for (the organisations' and the webhooks'
		// creation, the other organisation's rename): only the delivered
		// event has an inbox row.
		var inbox, delivered int
		if err := sqldbtest.Open(t, env.DSN["organisations"]).QueryRowContext(ctx,
			"SELECT COUNT(*), COUNT(CASE WHEN event_id = ? THEN 1 END) FROM inbox", first.id).Scan(&inbox, &delivered); err != nil {
			t.Fatal(err)
		}
		if inbox != 1 || delivered != 1 {
			t.Errorf("%d inbox rows, %d of them the delivered event's; want only that one", inbox, delivered)
		}
		// The sender records the outcome just after the receiver answers.
		settled := func(webhook string) *pb.ListDeliveriesResponse {
			t.Helper()
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				log, err := hooks.ListDeliveries(ctx, &pb.ListDeliveriesRequest{Parent: webhook})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.ContainsFunc(log.Deliveries, func(d *pb.Delivery) bool { return d.State == pb.Delivery_STATE_PENDING }) ||
					time.Now().After(deadline) {
					return log
				}
			}
		}
		log := settled(created.Webhook.Name)
		for deadline := time.Now().Add(10 * time.Second); len(channel.delivered()) == 0 && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
		}
		if got := channel.delivered(); len(got) != 1 ||
			string(got[0].body) != `{"text":"Organisation updated: “Hooks renamed”, by someone outside the organisation"}` {
			t.Errorf("the chat channel got %d messages: %+v", len(got), got)
		}
		if len(log.Deliveries) != 1 || log.Deliveries[0].State != pb.Delivery_STATE_DELIVERED || log.Deliveries[0].Attempts != 4 ||
			log.Deliveries[0].LastStatusCode != 200 || log.Deliveries[0].LastLatency == nil {
			t.Errorf("delivery log %v", log.Deliveries)
		}

		// Two changes while the receiver fails, and a restart between the
		// retries: both arrive after it, in order.
		rcv.failNext(2)
		rename("Hooks, second")
		rename("Hooks, third")
		deadline := time.Now().Add(10 * time.Second)
		for {
			rcv.mu.Lock()
			n := len(rcv.got)
			rcv.mu.Unlock()
			if n >= 2 { // the first delivery and one failure
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no failed attempt before the restart")
			}
			time.Sleep(10 * time.Millisecond)
		}
		env.Stop()
		env = servicetest.Start(t, servicetest.Options{Services: []string{"organisations"}, DSN: env.DSN, Broker: env.Broker,
			Prefix: cmp.Or(env.Prefix, host.DefaultSubjectPrefix), Auth: env.Auth, Webhooks: options})
		orgs, hooks = clients(env)
		all := waitDelivered(3)
		var names []string
		for _, g := range all[1:] {
			var e struct {
				Data struct {
					Organisation struct {
						DisplayName string `json:"display_name"`
					}
				}
			}
			_ = json.Unmarshal(g.body, &e)
			names = append(names, e.Data.Organisation.DisplayName)
			verify(t, created.Secret, g)
		}
		if strings.Join(names, "; ") != "Hooks, second; Hooks, third" {
			t.Errorf("after the restart: %v, want the second and third names in order", names)
		}

		// A test event, on demand.
		sent, err := hooks.TestWebhook(ctx, &pb.TestWebhookRequest{Name: created.Webhook.Name})
		if err != nil || sent.EventType != "goldenthread.organisations.v1.WebhookTested" {
			t.Fatalf("test event: %v %v", sent, err)
		}
		if g := waitDelivered(4)[3]; g.id != sent.EventId || !strings.Contains(string(g.body), `"webhook":"`+created.Webhook.Name+`"`) {
			t.Errorf("test event delivered %s as %s", g.body, g.id)
		}

		// A receiver that never answers 200 fails every retry: the
		// delivery fails and the webhook is disabled, saying why.
		broken, err := hooks.CreateWebhook(ctx, &pb.CreateWebhookRequest{Parent: org,
			Webhook: &pb.Webhook{DisplayName: "broken", Url: rcv.URL + "/broken"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hooks.TestWebhook(ctx, &pb.TestWebhookRequest{Name: broken.Webhook.Name}); err != nil {
			t.Fatal(err)
		}
		deadline = time.Now().Add(20 * time.Second)
		for {
			w, err := hooks.GetWebhook(ctx, &pb.GetWebhookRequest{Name: broken.Webhook.Name})
			if err != nil {
				t.Fatal(err)
			}
			if !w.Enabled {
				if !strings.Contains(w.DisabledReason, "the receiver answered 500") {
					t.Errorf("disabled because %q", w.DisabledReason)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the broken webhook is still enabled")
			}
			time.Sleep(50 * time.Millisecond)
		}
		log = settled(broken.Webhook.Name)
		if len(log.Deliveries) == 0 || log.Deliveries[len(log.Deliveries)-1].State != pb.Delivery_STATE_FAILED ||
			log.Deliveries[len(log.Deliveries)-1].Attempts != 4 {
			t.Errorf("the broken webhook's log: %v", log.GetDeliveries())
		}

		// Bad input changes nothing and says which field.
		for field, w := range map[string]*pb.Webhook{
			"webhook.url":            {DisplayName: "x", Url: "ftp://example.com/"},
			"webhook.event_types[0]": {DisplayName: "x", Url: rcv.URL, EventTypes: []string{"ElementUpdated"}},
		} {
			_, err := hooks.CreateWebhook(ctx, &pb.CreateWebhookRequest{Parent: org, Webhook: w})
			if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), field) {
				t.Errorf("%v: %v, want INVALID_ARGUMENT naming %s", w, err, field)
			}
		}
	})
}

// TestWebhooksRefusePrivateAddresses: without the operator's leave, a
// webhook to a private address is refused when it is made.
func TestWebhooksRefusePrivateAddresses(t *testing.T) {
	env := servicetest.Start(t, servicetest.Options{Services: []string{"organisations"}})
	conn := env.Dial(t, env.Admin)
	ctx := context.Background()
	if _, err := pb.NewOrganisationsServiceClient(conn).CreateOrganisation(ctx, &pb.CreateOrganisationRequest{OrganisationId: "strict",
		Organisation: council("Strict")}); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"https://127.0.0.1/hook", "https://10.0.0.1/hook", "https://169.254.169.254/latest", "http://8.8.8.8/hook"} {
		_, err := pb.NewWebhooksServiceClient(conn).CreateWebhook(ctx, &pb.CreateWebhookRequest{Parent: "organisations/strict",
			Webhook: &pb.Webhook{DisplayName: "x", Url: url}})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "webhook.url") {
			t.Errorf("%s: %v, want INVALID_ARGUMENT naming webhook.url", url, err)
		}
	}
}
