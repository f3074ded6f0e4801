package organisations

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// webhookRecord is a webhook as stored: the API resource, the ids its name
// holds, its signing secret (never in the resource) and its revision.
type webhookRecord struct {
	resource.Stored[*pb.Webhook]
	orgID, id string
	secret    string
}

var webhooksTable = resource.Table[*webhookRecord]{
	Name: "webhooks",
	Columns: "organisation_id, id, display_name, url, event_types, enabled, disabled_reason, secret, create_time, update_time, " +
		"delete_time, revision, update_actor, format",
	Key:  2,
	Scan: scanWebhook,
	Values: func(r *webhookRecord) ([]any, error) {
		w := r.Msg
		types, err := json.Marshal(append([]string{}, w.EventTypes...))
		if err != nil {
			return nil, err
		}
		return []any{r.orgID, r.id, w.DisplayName, w.Url, string(types), sqldb.Bool(w.Enabled), w.DisabledReason, r.secret,
			resource.Micros(w.CreateTime), resource.Micros(w.UpdateTime), resource.NullMicros(w.DeleteTime), r.Rev, w.UpdateActor, int32(w.Format)}, nil
	},
}

// webhookListSchema says what ListWebhooks sorts on: newest first.
var webhookListSchema = resource.Schema[*webhookRecord, *pb.Webhook]("create_time desc", nil)

func scanWebhook(s resource.Scanner) (*webhookRecord, error) {
	r := &webhookRecord{Stored: resource.Hold(&pb.Webhook{})}
	var types string
	var enabled, format int32
	var stamps resource.Stamps
	w := r.Msg
	if err := s.Scan(&r.orgID, &r.id, &w.DisplayName, &w.Url, &types, &enabled, &w.DisabledReason, &r.secret,
		&stamps.Create, &stamps.Update, &stamps.Delete, &r.Rev, &w.UpdateActor, &format); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(types), &w.EventTypes); err != nil {
		return nil, fmt.Errorf("webhook %s: event types: %w", r.id, err)
	}
	w.Name = resource.NameOf[*pb.Webhook](r.orgID, r.id)
	w.Enabled, w.Format = enabled == 1, pb.Webhook_Format(format)
	w.CreateTime, w.UpdateTime, w.DeleteTime = stamps.Times()
	w.Etag = resource.Etag(r.Rev)
	return r, nil
}

// delivery is a queued or sent event of a webhook, as stored.
type delivery struct {
	orgID, webhookID, id string
	seq                  int64
	eventID, eventType   string
	subject, payload     string
	contentType          string
	state                pb.Delivery_State
	attempts             int32
	lastStatus           int32
	lastError            string
	lastLatency          int64
	created, next        int64
	lastAttempt          sql.NullInt64
}

const deliveryColumns = "organisation_id, webhook_id, id, seq, event_id, event_type, event_subject, payload, state, attempts, " +
	"last_status_code, last_error, last_latency, create_time, last_attempt_time, next_attempt_time, content_type"

func scanDelivery(s sqldb.Scanner) (*delivery, error) {
	d := &delivery{}
	var state int32
	err := s.Scan(&d.orgID, &d.webhookID, &d.id, &d.seq, &d.eventID, &d.eventType, &d.subject, &d.payload, &state, &d.attempts,
		&d.lastStatus, &d.lastError, &d.lastLatency, &d.created, &d.lastAttempt, &d.next, &d.contentType)
	d.state = pb.Delivery_State(state)
	return d, err
}

// message is the delivery as the API shows it.
func (d *delivery) message() *pb.Delivery {
	m := &pb.Delivery{Name: resource.NameOf[*pb.Delivery](d.orgID, d.webhookID, d.id), EventId: d.eventID,
		EventType: d.eventType, EventSubject: d.subject, State: d.state, Attempts: d.attempts, LastStatusCode: d.lastStatus,
		LastError: d.lastError, CreateTime: resource.Time(d.created), LastAttemptTime: resource.NullTime(d.lastAttempt)}
	if d.attempts > 0 {
		m.LastLatency = durationpb.New(time.Duration(d.lastLatency) * time.Microsecond)
	}
	if d.state == pb.Delivery_STATE_PENDING {
		m.NextAttemptTime = resource.Time(d.next)
	}
	return m
}

// queueDelivery queues d, once per webhook and event.
func queueDelivery(ctx context.Context, tx *sqldb.Tx, d *delivery) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO webhook_deliveries ("+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, '', 0, ?, NULL, ?, ?)
		ON CONFLICT (organisation_id, webhook_id, event_id) DO NOTHING`,
		d.orgID, d.webhookID, d.id, d.seq, d.eventID, d.eventType, d.subject, d.payload, int32(pb.Delivery_STATE_PENDING), d.created, d.next,
		d.contentType)
	if err != nil {
		return fmt.Errorf("queue delivery: %w", err)
	}
	return nil
}

// dueDeliveries are up to limit pending deliveries due by now, each the
// earliest pending one of its webhook and resource, so that each
// resource's events go in order.
func dueDeliveries(ctx context.Context, q sqldb.Querier, now int64, limit int) ([]*delivery, error) {
	return sqldb.Select(ctx, q, "due deliveries", scanDelivery, "SELECT "+deliveryColumns+` FROM webhook_deliveries d
		WHERE d.state = ? AND d.next_attempt_time <= ? AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
			WHERE e.organisation_id = d.organisation_id AND e.webhook_id = d.webhook_id AND e.event_subject = d.event_subject
			AND e.state = ? AND (e.seq < d.seq OR (e.seq = d.seq AND e.id < d.id)))
		ORDER BY d.next_attempt_time LIMIT ?`,
		int32(pb.Delivery_STATE_PENDING), now, int32(pb.Delivery_STATE_PENDING), limit)
}

// nextAttempt is when the next pending delivery falls due, in Unix
// microseconds; 0 for none.
func nextAttempt(ctx context.Context, q sqldb.Querier) (int64, error) {
	var next sql.NullInt64
	err := q.QueryRowContext(ctx, "SELECT MIN(next_attempt_time) FROM webhook_deliveries WHERE state = ?", int32(pb.Delivery_STATE_PENDING)).Scan(&next)
	return next.Int64, err
}

// claimDelivery moves a due delivery's next attempt to until, unless
// another sender (a replica) moved it first: it says whether this one
// has it.
func claimDelivery(ctx context.Context, db *sqldb.DB, d *delivery, until int64) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_time = ?
		WHERE organisation_id = ? AND webhook_id = ? AND id = ? AND state = ? AND next_attempt_time = ?`,
		until, d.orgID, d.webhookID, d.id, int32(pb.Delivery_STATE_PENDING), d.next)
	if err != nil {
		return false, fmt.Errorf("claim delivery: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// saveAttempt records an attempt's outcome.
func saveAttempt(ctx context.Context, q sqldb.Querier, d *delivery) error {
	_, err := q.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = ?, last_status_code = ?, last_error = ?,
		last_latency = ?, last_attempt_time = ?, next_attempt_time = ? WHERE organisation_id = ? AND webhook_id = ? AND id = ?`,
		int32(d.state), d.attempts, d.lastStatus, d.lastError, d.lastLatency, d.lastAttempt, d.next, d.orgID, d.webhookID, d.id)
	if err != nil {
		return fmt.Errorf("save delivery: %w", err)
	}
	return nil
}

// deliveryLog is a page of a webhook's deliveries, newest first, after
// the delivery (seq, id) the page token names (none: from the newest).
func deliveryLog(ctx context.Context, q sqldb.Querier, orgID, webhookID string, afterSeq int64, afterID string, limit int) ([]*delivery, error) {
	where, args := "", []any{orgID, webhookID}
	if afterID != "" {
		where, args = " AND (seq < ? OR (seq = ? AND id < ?))", append(args, afterSeq, afterSeq, afterID)
	}
	return sqldb.Select(ctx, q, "deliveries", scanDelivery, "SELECT "+deliveryColumns+
		" FROM webhook_deliveries WHERE organisation_id = ? AND webhook_id = ?"+where+" ORDER BY seq DESC, id DESC LIMIT ?", append(args, limit)...)
}

// deliveryLogAge is how long a finished delivery stays in its webhook's
// log.
const deliveryLogAge = 30 * 24 * time.Hour

// pruneDeliveries deletes the finished deliveries older than
// deliveryLogAge.
func pruneDeliveries(ctx context.Context, db *sqldb.DB) error {
	_, err := db.ExecContext(ctx, "DELETE FROM webhook_deliveries WHERE state <> ? AND create_time < ?",
		int32(pb.Delivery_STATE_PENDING), time.Now().Add(-deliveryLogAge).UnixMicro())
	if err != nil {
		return fmt.Errorf("prune deliveries: %w", err)
	}
	return nil
}

// liveWebhooks are the enabled live webhooks of orgID.
func liveWebhooks(ctx context.Context, q sqldb.Querier, orgID string) ([]*webhookRecord, error) {
	return webhooksTable.All(ctx, q, "organisation_id = ? AND enabled = ? AND delete_time IS NULL", orgID, sqldb.Bool(true))
}
