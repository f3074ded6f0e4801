package outbox

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// PublishUnrecorded publishes the unsent rows as the relay does and
// returns how many JetStream acknowledged, without recording any of them
// published: what a relay does that crashes after the acks and before
// its commit.
func (o *Outbox) PublishUnrecorded(ctx context.Context, js jetstream.JetStream) (int, error) {
	rows, err := o.claim(ctx, o.db)
	if err != nil {
		return 0, err
	}
	sent, err := o.publish(js, rows)
	return len(sent), err
}

// Prune deletes the rows published before cutoff, as the relay does.
func (o *Outbox) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	return o.prune(ctx, cutoff)
}
