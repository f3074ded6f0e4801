package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/nats-io/nats.go"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// Defaults of the live event stream's timing.
const (
	DefaultEventsHeartbeat = 15 * time.Second
	DefaultEventsRecheck   = 30 * time.Second
	// eventsBuffer is how many events wait for a slow client before the
	// stream tells it to reload instead.
	eventsBuffer = 256
	// eventsWriteTimeout drops a client that stops reading.
	eventsWriteTimeout = 10 * time.Second
)

// change is one event as a browser sees it: the CloudEvents attributes and
// the resource and kind of change from the subject, not the payload; the
// page reads what changed through the API, as the caller.
type change struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Subject  string `json:"subject"`
	Time     string `json:"time"`
	Resource string `json:"resource"`
	Change   string `json:"change"`
}

// liveEvents serves GET /v1/organisations/{org}/events: the organisation's
// change events as server-sent events, fed by a NATS subscription to its
// subjects ({prefix}.*.v1.{org}.>), for as long as the caller may read the
// organisation.
type liveEvents struct {
	nc                 *nats.Conn
	prefix             string
	orgs               orgpb.OrganisationsServiceClient
	access             orgpb.AccessServiceClient
	heartbeat, recheck time.Duration
	// closing ends every stream when the gateway closes, so that a graceful
	// shutdown is not held up by open streams.
	closing context.Context
	mux     *runtime.ServeMux
	logger  *slog.Logger
}

func (l *liveEvents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	orgID := r.PathValue("org")
	fail := func(err error) { errorHandler(r.Context(), l.mux, &runtime.JSONPb{}, w, r, err) }
	if !resourcename.ValidID(orgID) {
		fail(apierr.InvalidArgument("name", "must be organisations/{organisation}"))
		return
	}
	cred := bearer(r)
	role, err := l.authorise(r.Context(), cred, orgID)
	if err != nil {
		fail(err)
		return
	}
	if l.nc == nil {
		fail(apierr.Unavailable("live events (the gateway has no NATS connection)"))
		return
	}

	pending := make(chan change, eventsBuffer)
	var overflowed atomic.Bool
	// The callback runs on the subscription's own goroutine and never
	// waits: when this client falls behind, events are dropped and the
	// client is told to reload instead.
	sub, err := l.nc.Subscribe(l.prefix+".*.v1."+orgID+".>", func(m *nats.Msg) {
		c, ok := changeOf(m)
		if !ok {
			return
		}
		select {
		case pending <- c:
		default:
			overflowed.Store(true)
		}
	})
	if err != nil {
		fail(apierr.Unavailable("live events"))
		return
	}
	defer func() { _ = sub.Unsubscribe() }()

	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(frame string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(eventsWriteTimeout))
		if _, err := fmt.Fprint(w, frame); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 3000\n: connected\n\n") {
		return
	}
	heartbeat := time.NewTicker(l.heartbeat)
	defer heartbeat.Stop()
	recheck := time.NewTicker(l.recheck)
	defer recheck.Stop()
	for {
		var frame string
		select {
		case <-r.Context().Done():
			return
		case <-l.closing.Done():
			send("event: closing\ndata: {}\n\n")
			return
		case c := <-pending:
			if !visible(c, role) {
				continue
			}
			data, _ := json.Marshal(c)
			frame = "event: change\nid: " + c.ID + "\ndata: " + string(data) + "\n\n"
		case <-heartbeat.C:
			frame = ": heartbeat\n\n"
		case <-recheck.C:
			if role, err = l.authorise(r.Context(), cred, orgID); err != nil {
				if r.Context().Err() == nil {
					l.logger.Info("live events: caller may no longer read the organisation", "organisation", orgID, "err", err)
					send("event: revoked\ndata: {}\n\n")
				}
				return
			}
			continue
		}
		if overflowed.Swap(false) {
			frame = "event: resync\ndata: {}\n\n" + frame
		}
		if !send(frame) {
			return
		}
	}
}

// authorise asks the organisations service, with the caller's own
// credentials, whether the caller may read the organisation, and returns
// the caller's role there.
func (l *liveEvents) authorise(ctx context.Context, cred, orgID string) (orgpb.Role, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if cred != "" {
		ctx = auth.WithCredential(ctx, cred)
	}
	name := "organisations/" + orgID
	if _, err := l.orgs.GetOrganisation(ctx, &orgpb.GetOrganisationRequest{Name: name}); err != nil {
		return 0, err
	}
	caller, err := l.access.GetCaller(ctx, &orgpb.GetCallerRequest{})
	if err != nil {
		return 0, err
	}
	if caller.GetPlatformAdmin() {
		return orgpb.Role_ROLE_ADMIN, nil
	}
	for _, g := range caller.GetGrants() {
		if g.GetOrganisation() == name {
			return g.GetRole(), nil
		}
	}
	return 0, apierr.NotFound(name)
}

// visible says whether a caller with role may see the change: API tokens
// are an admin's business; everything else in the organisation is readable
// by every role.
func visible(c change, role orgpb.Role) bool {
	if c.Resource == "api_token" {
		return role >= orgpb.Role_ROLE_ADMIN
	}
	return role >= orgpb.Role_ROLE_VIEWER
}

// changeOf reads an event's attributes, and the resource and change from
// its subject ({prefix}.{service}.v1.{org}.{resource}.{change}).
func changeOf(m *nats.Msg) (change, bool) {
	e, err := events.FromMsg(m.Subject, m.Header, m.Data)
	if err != nil {
		return change{}, false
	}
	parts := strings.Split(m.Subject, ".")
	if len(parts) < 6 {
		return change{}, false
	}
	return change{ID: e.ID, Type: e.Type, Subject: e.Subject, Time: e.Time.UTC().Format(time.RFC3339Nano),
		Resource: parts[len(parts)-2], Change: parts[len(parts)-1]}, true
}

// bearer is the request's bearer credential, or "".
func bearer(r *http.Request) string {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return ""
	}
	return strings.TrimSpace(cred)
}
