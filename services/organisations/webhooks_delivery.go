package organisations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	// The events of every service are sent on: their payloads' types must
	// be known here to be sent as JSON, even where this service runs alone.
	_ "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	_ "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	_ "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Delivery: every change event of every service reaches the intake (the
// durable consumers of Spec.Consumes), which queues a delivery for each
// enabled webhook of the event's organisation that wants its type, in the
// transaction that records the event as handled: a restart loses none.
// The sender sends the due ones, each resource's in order, retrying a
// failure after each of WebhookOptions.Retries; a delivery that fails
// every retry fails for good and disables its webhook.

// eventFields are a CloudEvent's attributes.
type eventFields struct {
	id, source, typ, subject string
	time                     time.Time
}

// cloudEvent is an event in CloudEvents' structured JSON mode, its data
// the payload's JSON (protojson, with the API's field names).
func cloudEvent(f eventFields, payload proto.Message) ([]byte, error) {
	data, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(payload)
	if err != nil {
		return nil, fmt.Errorf("event %s: %w", f.id, err)
	}
	return json.Marshal(map[string]any{"specversion": events.SpecVersion, "id": f.id, "source": f.source, "type": f.typ,
		"subject": f.subject, "time": f.time.UTC().Format(time.RFC3339Nano), "datacontenttype": "application/json",
		"data": json.RawMessage(data)})
}

// concerns says whether a change event is one a live webhook of its
// organisation asks for, so that the events no webhook wants (most, in an
// organisation without webhooks) cost no transaction (the consumer's
// events.Gate). Read outside intake's transaction, it may miss a webhook
// created meanwhile, which then receives the events handled after it.
func (s *sender) concerns(ctx context.Context, e events.Event) (bool, error) {
	_, hooks, err := wanting(ctx, s.db, e)
	return len(hooks) > 0, err
}

// wanting returns the organisation of a change event (orgID) and its live
// webhooks that ask for the event; none for an event of no organisation
// (a platform token's).
func wanting(ctx context.Context, q sqldb.Querier, e events.Event) (orgID string, hooks []*webhookRecord, err error) {
	orgID, ok := organisationOf(e.Subject)
	if !ok {
		return "", nil, nil
	}
	if hooks, err = liveWebhooks(ctx, q, orgID); err != nil {
		return "", nil, err
	}
	return orgID, slices.DeleteFunc(hooks, func(w *webhookRecord) bool { return !wants(w.Msg.EventTypes, e.Type) }), nil
}

// intake queues the deliveries of a change event (an events.Any handler).
func (s *sender) intake(ctx context.Context, tx *sqldb.Tx, e events.Event) error {
	orgID, hooks, err := wanting(ctx, tx, e)
	if err != nil || len(hooks) == 0 {
		return err
	}
	b, err := eventBody(orgID, e)
	if err != nil {
		return err
	}
	for _, w := range hooks {
		d, err := b.delivery(ctx, tx, w.id, w.Msg.Format)
		if err != nil {
			return err
		}
		d.seq = e.Time.UnixMicro()
		if err := queueDelivery(ctx, tx, d); err != nil {
			return err
		}
		s.wake()
	}
	return nil
}

// body is an event of an organisation as each format sends it: made
// when a webhook of that format first needs it (a chat message asks who
// the actor is), then kept for the others.
type body struct {
	f                eventFields
	orgID            string
	payload          proto.Message
	cloudEvent, chat []byte
}

// eventBody is the body of e, an event of organisation orgID, its payload
// decoded by its type.
func eventBody(orgID string, e events.Event) (*body, error) {
	t, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(e.Type))
	if err != nil {
		return nil, fmt.Errorf("%w: event %s: unknown type %s", events.ErrPermanent, e.ID, e.Type)
	}
	payload := t.New().Interface()
	if err := proto.Unmarshal(e.Data, payload); err != nil {
		return nil, fmt.Errorf("%w: event %s: %v", events.ErrPermanent, e.ID, err)
	}
	return &body{f: eventFields{id: e.ID, source: e.Source, typ: e.Type, subject: e.Subject, time: e.Time}, orgID: orgID, payload: payload}, nil
}

// delivery is a new delivery of b to webhook webhookID in format, due
// now; its seq is the caller's to set.
func (b *body) delivery(ctx context.Context, q sqldb.Querier, webhookID string, format pb.Webhook_Format) (*delivery, error) {
	now := time.Now().UnixMicro()
	d := &delivery{orgID: b.orgID, webhookID: webhookID, id: resourcename.NewID(), eventID: b.f.id, eventType: b.f.typ, subject: b.f.subject,
		contentType: cloudEventsMIME, state: pb.Delivery_STATE_PENDING, created: now, next: now}
	var err error
	if format == pb.Webhook_FORMAT_CHAT {
		if b.chat == nil {
			b.chat, err = chatMessage(ctx, q, b.orgID, b.f.typ, b.payload)
		}
		d.payload, d.contentType = string(b.chat), chatMIME
	} else {
		if b.cloudEvent == nil {
			b.cloudEvent, err = cloudEvent(b.f, b.payload)
		}
		d.payload = string(b.cloudEvent)
	}
	return d, err
}

// organisationOf is the organisation id a resource name starts with.
func organisationOf(name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, "organisations/")
	if !ok {
		return "", false
	}
	id, _, _ := strings.Cut(rest, "/")
	return id, resourcename.ValidID(id)
}

// sender sends due deliveries.
type sender struct {
	db       *sqldb.DB
	webhooks resource.Engine[*webhookRecord, *pb.Webhook]
	client   *http.Client
	retries  []time.Duration
	timeout  time.Duration
	emit     resource.Emit
	logger   *slog.Logger
	woken    chan struct{}
}

func newSender(db *sqldb.DB, webhooks resource.Engine[*webhookRecord, *pb.Webhook], emit resource.Emit, o WebhookOptions, logger *slog.Logger) *sender {
	if o.Retries == nil {
		o.Retries = DefaultWebhookRetries
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return &sender{db: db, webhooks: webhooks, client: o.Egress.Client(o.Timeout), retries: o.Retries, timeout: o.Timeout, emit: emit,
		logger: logger.With("part", "webhooks"), woken: make(chan struct{}, 1)}
}

// wake has the sender look for due deliveries now.
func (s *sender) wake() {
	select {
	case s.woken <- struct{}{}:
	default: // already woken
	}
}

// senderPoll is how often the sender looks for due deliveries unwoken
// (retries fall due with time; a replica's intake wakes only its own).
const senderPoll = time.Second

// run sends due deliveries until ctx ends.
func (s *sender) run(ctx context.Context) {
	for {
		if err := s.sendDue(ctx); err != nil && ctx.Err() == nil {
			s.logger.Warn("sending webhook deliveries failed; will retry", "err", err)
		}
		wait := senderPoll
		if next, err := nextAttempt(ctx, s.db); err == nil && next > 0 {
			wait = min(wait, max(time.Until(time.UnixMicro(next)), 10*time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-s.woken:
		case <-time.After(wait):
		}
	}
}

// sendDue sends what is due, a batch at a time, until nothing is.
func (s *sender) sendDue(ctx context.Context) error {
	for {
		due, err := dueDeliveries(ctx, s.db, time.Now().UnixMicro(), 20)
		if err != nil || len(due) == 0 {
			return err
		}
		for _, d := range due {
			// Held for the attempt and then some: a replica's sender
			// leaves it alone meanwhile.
			mine, err := claimDelivery(ctx, s.db, d, time.Now().Add(2*s.timeout).UnixMicro())
			if err != nil {
				return err
			}
			if mine {
				if err := s.attempt(ctx, d); err != nil {
					return err
				}
			}
		}
	}
}

// attempt sends d once and records the outcome: delivered, pending its
// next retry, or failed for good (which disables the webhook).
func (s *sender) attempt(ctx context.Context, d *delivery) error {
	w, err := webhooksTable.Get(ctx, s.db, d.orgID, d.webhookID)
	now := time.Now()
	d.lastAttempt.Int64, d.lastAttempt.Valid = now.UnixMicro(), true
	switch {
	case errors.Is(err, resource.ErrNotFound) || err == nil && w.Msg.DeleteTime != nil:
		d.state, d.lastError = pb.Delivery_STATE_FAILED, "the webhook is deleted"
		return saveAttempt(ctx, s.db, d)
	case err != nil:
		return err
	case !w.Msg.Enabled:
		d.state, d.lastError = pb.Delivery_STATE_FAILED, "the webhook is disabled"
		return saveAttempt(ctx, s.db, d)
	}
	d.attempts++
	d.lastStatus, d.lastError = 0, ""
	status, err := s.post(ctx, w, d)
	d.lastLatency = time.Since(now).Microseconds()
	switch {
	case err == nil && status >= 200 && status < 300:
		d.state, d.lastStatus = pb.Delivery_STATE_DELIVERED, int32(status)
		return saveAttempt(ctx, s.db, d)
	case err != nil:
		d.lastError = err.Error()
	default:
		d.lastStatus, d.lastError = int32(status), "the receiver answered "+strconv.Itoa(status)
	}
	if int(d.attempts) <= len(s.retries) {
		d.next = now.Add(s.retries[d.attempts-1]).UnixMicro()
		return saveAttempt(ctx, s.db, d)
	}
	d.state = pb.Delivery_STATE_FAILED
	if err := saveAttempt(ctx, s.db, d); err != nil {
		return err
	}
	return s.disable(ctx, w, d)
}

// post sends d to w's URL, signed, and returns the receiver's status.
func (s *sender) post(ctx context.Context, w *webhookRecord, d *delivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	body := []byte(d.payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.Msg.Url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts := time.Now().Unix()
	req.Header.Set("Content-Type", d.contentType)
	req.Header.Set("User-Agent", "GoldenThread-Webhooks/1")
	req.Header.Set("webhook-id", d.eventID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sign(w.secret, d.eventID, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// disable turns w off after d failed every retry, and says so in a
// WebhookDisabled event; its pending deliveries fail when their turn
// comes. (Should it fail, the next delivery to fail for good disables it.)
func (s *sender) disable(ctx context.Context, w *webhookRecord, d *delivery) error {
	reason := fmt.Sprintf("every attempt to deliver event %s failed, the last at %s: %s", d.eventID,
		time.UnixMicro(d.lastAttempt.Int64).UTC().Format(time.RFC3339), d.lastError)
	c, err := s.webhooks.Named(w.Msg.Name, "")
	if err != nil {
		return err
	}
	c.Paths = []string{"enabled", "disabled_reason"}
	c.After = func(ctx context.Context, tx *sqldb.Tx, _, next *webhookRecord) error {
		return s.emit(ctx, tx, next.Msg.Name, "webhook", "disabled", &pb.WebhookDisabled{Webhook: next.Msg})
	}
	_, err = s.webhooks.Update(ctx, c, func(current *webhookRecord) (*webhookRecord, error) {
		next := resource.With(current, proto.CloneOf(current.Msg))
		next.Msg.Enabled, next.Msg.DisabledReason = false, reason
		return next, nil
	})
	if errors.Is(err, resource.ErrNotFound) || status.Code(err) == codes.FailedPrecondition {
		return nil // deleted meanwhile
	}
	if err == nil {
		s.logger.Warn("webhook disabled", "webhook", w.Msg.Name, "reason", reason)
	}
	return err
}
