package events

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// The inbox is what makes a consumer handle each event once: the row of
// every event handled, written in the handler's transaction, and the
// floor below which every event is done, so that old rows may go.

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations creates the tables Consume needs (inbox, dead_letters) and
// Newer's (event_versions); apply it with
// db.Migrate(ctx, "inbox", events.Migrations) before consuming.
var Migrations, _ = fs.Sub(migrations, "migrations")

// How often a consumer prunes its inbox; how many inbox rows one deleting
// transaction takes.
const (
	inboxPruneEvery = 10 * time.Minute
	inboxPruneBatch = 1000
)

// pruneInbox deletes the inbox rows that guard against nothing any more.
// An inbox row turns away an event delivered again, which happens three
// ways:
//
//  1. JetStream redelivers an event not yet acknowledged (a handler past
//     AckWait, an ack lost): only events above the consumer's ack floor,
//     every event at or below it being acknowledged.
//  2. The durable consumer starts over from the stream's first event: an
//     operator deleted it (see deploy/README, restoring a service), or a
//     NATS node failure lost acknowledgements and moved the ack floor back.
//  3. The producer publishes the event again as a new message, with a new
//     stream sequence: its relay lost the record of the publication (a
//     crash between JetStream's ack and its commit) and published again
//     more than DuplicateWindow later, past JetStream's de-duplication.
//
// So a row may go once its event is at or below the ack floor (1), and
// was handled more than spec.InboxKeep ago (3, within that time). For 2,
// the floor is recorded first, in inbox_floors, synced, before any row it
// covers is deleted: handle skips an event at or below it, of the same
// stream, without its row. (The floor is in the service's database, so a
// restored backup has the floor matching the rows it kept.)
//
// Independently, the rows of events older than the stream's MaxAge go
// whatever their sequence (the rows of releases before stream_seq have
// none): the stream no longer holds those events, so JetStream cannot
// deliver them again (a row's handled time is after its event's
// publication). Dead letters go at the same age, as their events have
// gone from the stream. A stream without MaxAge keeps every event, and
// its dead letters and sequence-less rows are kept.
func pruneInbox(ctx context.Context, js jetstream.JetStream, db *sqldb.DB, spec ConsumerSpec, cons jetstream.Consumer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	stream, err := js.Stream(ctx, spec.Stream)
	if err != nil {
		return fmt.Errorf("stream %s: %w", spec.Stream, err)
	}
	info := stream.CachedInfo()
	if maxAge := info.Config.MaxAge; maxAge > 0 {
		before := time.Now().Add(-maxAge).UnixMicro()
		if _, err := db.ExecContext(ctx, "DELETE FROM inbox WHERE consumer = ? AND stream = ? AND handled_time < ?",
			spec.Durable, spec.Stream, before); err != nil {
			return fmt.Errorf("prune inbox: %w", err)
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM dead_letters WHERE consumer = ? AND stream = ? AND dead_time < ?",
			spec.Durable, spec.Stream, before); err != nil {
			return fmt.Errorf("prune dead letters: %w", err)
		}
	}

	ci, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("consumer %s: %w", spec.Durable, err)
	}
	floor := ci.AckFloor.Stream
	if floor == 0 {
		return nil
	}
	// The ack floor counts in the stream asked about before it: were the
	// stream recreated in between, its creation time would differ now.
	again, err := streamCreated(ctx, js, spec.Stream)
	if err != nil {
		return err
	}
	created := info.Created.UnixMicro()
	if again != created {
		return nil // the next round sees one stream throughout
	}
	if err := raiseFloor(ctx, db, spec, created, floor); err != nil {
		return err
	}
	before := time.Now().Add(-spec.InboxKeep).UnixMicro()
	_, err = db.DeleteInBatches(ctx, inboxPruneBatch, "DELETE FROM inbox WHERE consumer = ? AND event_id IN "+
		"(SELECT event_id FROM inbox WHERE consumer = ? AND stream = ? AND stream_seq > 0 AND stream_seq <= ? AND handled_time < ? LIMIT ?)",
		spec.Durable, spec.Durable, spec.Stream, int64(floor), before)
	if err != nil {
		return fmt.Errorf("prune inbox below the ack floor: %w", err)
	}
	return nil
}

// raiseFloor records, synced, that every event of the stream created at
// created (Unix microseconds) up to floor is done. It never lowers the
// floor of the same stream, whichever replica wrote it; a floor of
// another (earlier) stream of that name is replaced.
func raiseFloor(ctx context.Context, db *sqldb.DB, spec ConsumerSpec, created int64, floor uint64) error {
	err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, "INSERT INTO inbox_floors (consumer, stream, stream_created, floor_seq) VALUES (?, ?, ?, ?) "+
			"ON CONFLICT (consumer, stream) DO NOTHING", spec.Durable, spec.Stream, created, int64(floor)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE inbox_floors SET stream_created = ?, floor_seq = ? "+
			"WHERE consumer = ? AND stream = ? AND (stream_created <> ? OR floor_seq < ?)",
			created, int64(floor), spec.Durable, spec.Stream, created, int64(floor))
		return err
	})
	if err != nil {
		return fmt.Errorf("raise the inbox floor: %w", err)
	}
	return nil
}

// belowFloor reports whether the event at stream sequence seq, of the
// stream created at created, is at or below the consumer's inbox floor:
// handled, or given up, already.
func belowFloor(ctx context.Context, tx *sqldb.Tx, spec ConsumerSpec, created int64, seq uint64) (bool, error) {
	if seq == 0 || created == 0 {
		return false, nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM inbox_floors WHERE consumer = ? AND stream = ? AND stream_created = ? AND floor_seq >= ?",
		spec.Durable, spec.Stream, created, int64(seq)).Scan(&n); err != nil {
		return false, fmt.Errorf("inbox floor: %w", err)
	}
	return n > 0, nil
}

// streamCreated is the creation time of the stream, in Unix microseconds.
func streamCreated(ctx context.Context, js jetstream.JetStream, name string) (int64, error) {
	stream, err := js.Stream(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("stream %s: %w", name, err)
	}
	return stream.CachedInfo().Created.UnixMicro(), nil
}
