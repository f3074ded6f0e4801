package planning

import (
	"context"
	"database/sql"
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// checkInRecord is a check-in as stored: the API resource, the ids its
// name holds, and its revision (always 1: check-ins are not changed).
type checkInRecord struct {
	resource.Stored[*pb.CheckIn]
	orgID, elementID, id string
}

var checkInsTable = resource.Table[*checkInRecord]{
	Name: "check_ins",
	Columns: "organisation_id, element_id, id, assessment, progress, summary, next_steps, blockers, author, " +
		"create_time, update_time, revision, update_actor, public",
	Key:  3,
	Scan: scanCheckIn,
	Values: func(r *checkInRecord) ([]any, error) {
		c := r.Msg
		var progress any
		if c.Progress != nil {
			progress = *c.Progress
		}
		return []any{r.orgID, r.elementID, r.id, int32(c.Assessment), progress, c.Summary, c.NextSteps, c.Blockers, c.Author,
			resource.Micros(c.CreateTime), resource.Micros(c.UpdateTime), r.Rev, c.UpdateActor, sqldb.Bool(c.Public)}, nil
	},
}

// checkInListSchema says what ListCheckIns may filter on; newest first.
var checkInListSchema = resource.Schema[*checkInRecord, *pb.CheckIn]("create_time desc", []listing.Field[*checkInRecord]{
	{Name: "assessment", Column: "assessment", Kind: listing.Enum, Enum: pb.Health_value, Filter: true},
})

func scanCheckIn(s resource.Scanner) (*checkInRecord, error) {
	r := &checkInRecord{Stored: resource.Hold(&pb.CheckIn{})}
	var assessment int32
	var progress sql.NullInt32
	var stamps resource.Stamps
	var public int
	err := s.Scan(&r.orgID, &r.elementID, &r.id, &assessment, &progress, &r.Msg.Summary, &r.Msg.NextSteps, &r.Msg.Blockers, &r.Msg.Author,
		&stamps.Create, &stamps.Update, &r.Rev, &r.Msg.UpdateActor, &public)
	if err != nil {
		return nil, err
	}
	r.Msg.Name = resource.NameOf[*pb.CheckIn](r.orgID, r.elementID, r.id)
	r.Msg.Assessment, r.Msg.Public = pb.Health(assessment), public == 1
	if progress.Valid {
		r.Msg.Progress = &progress.Int32
	}
	r.Msg.CreateTime, r.Msg.UpdateTime, _ = stamps.Times()
	return r, nil
}

// setLatestCheckIn makes c its element's latest check-in. Like a roll-up,
// it is not the caller's content: the element's revision stays.
func setLatestCheckIn(ctx context.Context, tx *sqldb.Tx, r *checkInRecord) error {
	if _, err := tx.ExecContext(ctx, "UPDATE elements SET latest_check_in = ?, latest_check_in_time = ? WHERE organisation_id = ? AND id = ?",
		latestJSON(r.Msg), latestTime(r.Msg), r.orgID, r.elementID); err != nil {
		return fmt.Errorf("latest check-in: %w", err)
	}
	return nil
}

// readLatestCheckIn reads an element's latest check-in as stored ("" for
// none).
func readLatestCheckIn(s string) (*pb.CheckIn, error) {
	if s == "" {
		return nil, nil
	}
	c := &pb.CheckIn{}
	if err := protojson.Unmarshal([]byte(s), c); err != nil {
		return nil, fmt.Errorf("latest check-in: %w", err)
	}
	return c, nil
}
