package history

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	historypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/history/v1"
	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/outbox"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// BenchmarkRevisionCost measures what recording a revision adds to a
// write: the durable transaction every update makes (the row, guarded by
// its revision, and the outbox event, as the resource engine writes them),
// against the same transaction with the revision recorded too. The two
// alternate in batches, so that the machine's noise falls on both alike;
// it reports each one's time per write and with/without, their ratio. A
// call over gRPC adds the same fixed cost to both, so its ratio is lower.
func BenchmarkRevisionCost(b *testing.B) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, m := range []struct {
		component string
		files     any
	}{{"history", Migrations}, {"outbox", outbox.Migrations}} {
		if err := db.Migrate(ctx, m.component, m.files.(fs.FS)); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE items (id TEXT PRIMARY KEY, data BLOB NOT NULL, revision BIGINT NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	el := &planningpb.Element{Name: "organisations/o/elements/e", Level: planningpb.Level_LEVEL_STRATEGY,
		Title: "Put the train on the tracks", Description: strings.Repeat("A training calendar everyone keeps. ", 4),
		OwnerTeam: "organisations/o/teams/t", Parent: "organisations/o/elements/p", UpdateActor: "user:someone"}
	if _, err := db.ExecContext(ctx, "INSERT INTO items (id, data, revision) VALUES ('e', x'', 0)"); err != nil {
		b.Fatal(err)
	}
	revision := int64(0)
	write := func(withRevision bool) time.Duration {
		start := time.Now()
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			el.UpdateTime = timestamppb.Now()
			data, err := proto.Marshal(el)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "UPDATE items SET data = ?, revision = ? WHERE id = 'e' AND revision = ?", data, revision+1, revision); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO outbox (id, subject, type, resource, event_time, data) VALUES (?, ?, ?, ?, ?, ?)",
				events.NewID(), "bench.element.updated", "goldenthread.planning.v1.ElementUpdated", el.Name, time.Now().UnixMicro(), data); err != nil {
				return err
			}
			if withRevision {
				return Record(ctx, tx, el, historypb.Action_ACTION_UPDATED, "user:someone")
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		revision++
		return time.Since(start)
	}
	const batch = 50
	var with, without time.Duration
	var n int
	b.ResetTimer()
	for n < b.N {
		for range batch {
			without += write(false)
		}
		for range batch {
			with += write(true)
		}
		n += 2 * batch
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n/2) }
	b.ReportMetric(per(without), "ns/write")
	b.ReportMetric(per(with), "ns/write+revision")
	b.ReportMetric(float64(with)/float64(without), "with/without")
}
