package teams

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// systemActor is the actor of the changes the service makes in reaction to
// events: no caller asked for them.
const systemActor = "system:" + serviceName

// reactions applies changes made elsewhere to teams and memberships, each
// inside the consumer's transaction (so exactly once per event) and with its
// own events written to the outbox.
type reactions struct {
	teams   teamEvents
	members memberEvents
}

var personDeleted = string(proto.MessageName(&orgpb.PersonDeleted{}))

// handlers are the events teams react to.
func (r reactions) handlers() events.Handlers {
	h := events.Cascade{Deleted: &orgpb.OrganisationDeleted{}, Undeleted: &orgpb.OrganisationUndeleted{},
		Collections: []string{"organisations"}, Apply: r.organisationChanged}.Handlers()
	h[personDeleted] = func(ctx context.Context, tx *sqldb.Tx, e events.Event) error {
		var ev orgpb.PersonDeleted
		if err := events.Decode(e, &ev); err != nil {
			return err
		}
		return r.personDeleted(ctx, tx, ev.Person)
	}
	return h
}

// organisationChanged soft-deletes an organisation's live teams, or restores
// the teams its deletion deleted (and no others).
func (r reactions) organisationChanged(ctx context.Context, tx *sqldb.Tx, ids []string, org string, deleted bool) error {
	teams, err := teamsForCascade(ctx, tx, ids[0], deleted)
	if err != nil {
		return err
	}
	for _, t := range teams {
		resource.Revise(t, systemActor, deleted)
		// Only the teams the organisation's deletion deleted come back with
		// its undeletion.
		t.deletedWithOrg = deleted
		saved, err := updateTeam(ctx, tx, t)
		if err := mustSave(t.team.Name, saved, err); err != nil {
			return err
		}
		if err := r.teams.setDeleted(ctx, tx, t.team, deleted, org); err != nil {
			return err
		}
	}
	return nil
}

// personDeleted ends the person's live memberships.
func (r reactions) personDeleted(ctx context.Context, tx *sqldb.Tx, p *orgpb.Person) error {
	ids, err := resourcename.Parse(p.GetName(), "organisations", "people")
	if err != nil {
		return events.Permanent(fmt.Errorf("person event: %w", err))
	}
	memberships, err := liveMembershipsOf(ctx, tx, ids[0], ids[1])
	if err != nil {
		return err
	}
	for _, m := range memberships {
		m.member.EndDate = endOfTerm(m.member, dates.Today())
		resource.Revise(m, systemActor, true)
		saved, err := membersTable.Update(ctx, tx, m, m.revision-1)
		if err := mustSave(m.member.Name, saved, err); err != nil {
			return err
		}
		if err := r.members.removed(ctx, tx, m.member, p.Name); err != nil {
			return err
		}
	}
	return nil
}

// mustSave turns a reaction's guarded write into an error when the row
// moved on since the reaction read it (ABORTED): the event is then
// redelivered and handled afresh.
func mustSave(name string, saved bool, err error) error {
	if err != nil {
		return err
	}
	if !saved {
		return apierr.EtagMismatch(name)
	}
	return nil
}
