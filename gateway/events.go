package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/nats-io/nats.go"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
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
	// DefaultEventsPerCaller is how many live event streams one caller may
	// hold open at once: a few tabs and devices, not thousands.
	DefaultEventsPerCaller = 8
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
	callers            identitypb.CallerServiceClient
	heartbeat, recheck time.Duration
	// closing ends every stream when the gateway closes, so that a graceful
	// shutdown is not held up by open streams.
	closing context.Context
	// streams holds each caller to a number of open streams.
	streams *streamSlots
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
	role, caller, err := l.authorise(r.Context(), cred, orgID)
	if err != nil {
		fail(err)
		return
	}
	if l.nc == nil {
		fail(apierr.Unavailable("live events (the gateway has no NATS connection)"))
		return
	}
	// Counted after authorisation, by who the caller is rather than by
	// token: nobody can use up another's streams, and minting more tokens
	// for oneself (a JWT per sign-in) buys no more.
	if !l.streams.acquire(caller) {
		l.logger.Info("live events: too many streams", "caller", caller, "limit", l.streams.limit)
		fail(tooManyStreams(l.streams.limit))
		return
	}
	defer l.streams.release(caller)

	pending := make(chan change, eventsBuffer)
	var overflowed atomic.Bool
	// The callback runs on the subscription's own goroutine and never
	// waits: when this client falls behind, events are dropped and the
	// client is told to reload instead.
	sub, err := l.nc.Subscribe(events.OrganisationEvents(l.prefix, orgID), func(m *nats.Msg) {
		c, ok := changeOf(l.prefix, m)
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
			if role, _, err = l.authorise(r.Context(), cred, orgID); err != nil {
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
// the caller's role there and who the caller is (user:{sub} or
// token:{name}).
func (l *liveEvents) authorise(ctx context.Context, cred, orgID string) (identitypb.Role, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if cred != "" {
		ctx = auth.WithCredential(ctx, cred)
	}
	name := "organisations/" + orgID
	if _, err := l.orgs.GetOrganisation(ctx, &orgpb.GetOrganisationRequest{Name: name}); err != nil {
		return 0, "", err
	}
	caller, err := l.callers.GetCaller(ctx, &identitypb.GetCallerRequest{})
	if err != nil {
		return 0, "", err
	}
	if caller.GetPlatformAdmin() {
		return identitypb.Role_ROLE_ADMIN, caller.GetSubject(), nil
	}
	for _, g := range caller.GetGrants() {
		if g.GetOrganisation() == name {
			return g.GetRole(), caller.GetSubject(), nil
		}
	}
	return 0, "", apierr.NotFound(name)
}

// streamSlots counts the open streams of each caller, to hold every caller
// to at most limit of them: each stream holds a NATS subscription and a
// goroutine, and re-asks the organisations service every recheck, so one
// caller opening thousands would cost everyone.
type streamSlots struct {
	limit int
	mu    sync.Mutex
	open  map[string]int
}

func newStreamSlots(limit int) *streamSlots {
	return &streamSlots{limit: limit, open: map[string]int{}}
}

// acquire takes one of caller's slots, or says there is none left.
func (s *streamSlots) acquire(caller string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[caller] >= s.limit {
		return false
	}
	s.open[caller]++
	return true
}

// release gives back a slot acquire took.
func (s *streamSlots) release(caller string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open[caller]--; s.open[caller] <= 0 {
		delete(s.open, caller) // the map holds only callers with open streams
	}
}

// tooManyStreams is the answer past the limit: RESOURCE_EXHAUSTED, which
// is HTTP 429.
func tooManyStreams(limit int) error {
	st := status.Newf(codes.ResourceExhausted,
		"too many live event streams: a caller may have at most %d open at once; close one and retry", limit)
	withDetails, err := st.WithDetails(
		&errdetails.ErrorInfo{Reason: "TOO_MANY_STREAMS", Domain: apierr.Domain, Metadata: map[string]string{"limit": strconv.Itoa(limit)}},
		&errdetails.QuotaFailure{Violations: []*errdetails.QuotaFailure_Violation{{
			Subject: "live event streams", Description: fmt.Sprintf("at most %d open at once per caller", limit)}}})
	if err != nil {
		return st.Err()
	}
	return withDetails.Err()
}

// visible says whether a caller with role may see the change: API tokens
// are an admin's business; everything else in the organisation is readable
// by every role.
func visible(c change, role identitypb.Role) bool {
	if c.Resource == "api_token" {
		return role >= identitypb.Role_ROLE_ADMIN
	}
	return role >= identitypb.Role_ROLE_VIEWER
}

// changeOf reads an event's attributes, and the resource and change from
// its subject (events.Subject) under prefix.
func changeOf(prefix string, m *nats.Msg) (change, bool) {
	e, err := events.FromMsg(m.Subject, m.Header, m.Data)
	if err != nil {
		return change{}, false
	}
	s, err := events.ParseSubject(prefix, m.Subject)
	if err != nil {
		return change{}, false
	}
	return change{ID: e.ID, Type: e.Type, Subject: e.Subject, Time: e.Time.UTC().Format(time.RFC3339Nano),
		Resource: s.Resource, Change: s.Change}, true
}

// bearer is the request's bearer credential, or "".
func bearer(r *http.Request) string {
	scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return ""
	}
	return strings.TrimSpace(cred)
}
