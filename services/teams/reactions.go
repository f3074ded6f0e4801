package teams

import (
	"context"
	"fmt"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
	"github.com/goldenthread/goldenthread/services/organisations/orgevents"
)

// reactions applies changes made elsewhere to teams and memberships, each
// inside the consumer's transaction (so exactly once per event) and with its
// own events written to the outbox.
type reactions struct {
	teams   resource.Engine[*teamRecord, *pb.Team]
	members resource.Engine[*memberRecord, *pb.Member]
}

// handlers are the events teams react to.
func (r reactions) handlers() events.Handlers {
	h := orgevents.Cascade(r.teams.OrganisationCascade, nil)
	events.On(h, r.personDeleted)
	return h
}

// SetCascaded implements resource.Cascaded: only the teams the
// organisation's deletion deleted come back with its undeletion.
func (r *teamRecord) SetCascaded(deleted bool) { r.deletedWithOrg = deleted }

// personDeleted ends the person's live memberships.
func (r reactions) personDeleted(ctx context.Context, tx *sqldb.Tx, ev *orgpb.PersonDeleted) error {
	p := ev.Person
	ids, err := resourcename.Parse(p.GetName(), "organisations", "people")
	if err != nil {
		return events.Permanent(fmt.Errorf("person event: %w", err))
	}
	memberships, err := liveMembershipsOf(ctx, tx, ids[0], ids[1])
	if err != nil {
		return err
	}
	for _, m := range memberships {
		m.Msg.EndDate = endOfTerm(m.Msg, dates.Today())
	}
	return r.members.Cascade(ctx, tx, memberships, true, p.Name)
}
