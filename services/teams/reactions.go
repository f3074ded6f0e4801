package teams

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// ConsumerName is the durable name under which the teams service reads the
// organisations stream.
const ConsumerName = "teams"

// organisationsConsumer subscribes to the organisations events; handlers
// act on deletions and undeletions, and the rest are passed over.
func organisationsConsumer(prefix string) events.ConsumerSpec {
	return events.ServiceConsumer(prefix, "organisations", ConsumerName)
}

// systemActor is the actor of the changes the service makes in reaction to
// events: no caller asked for them.
const systemActor = "system:" + serviceName

// reactions applies changes made elsewhere to teams and memberships, each
// inside the consumer's transaction (so exactly once per event) and with its
// own events written to the outbox.
type reactions struct {
	events emitter
}

var (
	orgDeletedType   = string(proto.MessageName(&orgpb.OrganisationDeleted{}))
	orgUndeletedType = string(proto.MessageName(&orgpb.OrganisationUndeleted{}))
	personDeleted    = string(proto.MessageName(&orgpb.PersonDeleted{}))
)

// handlers are the events teams react to.
func (r reactions) handlers() events.Handlers {
	org := func(ctx context.Context, tx *sqldb.Tx, e events.Event) error {
		var ev orgpb.OrganisationDeleted // same shape as OrganisationUndeleted
		if err := events.Decode(e, &ev); err != nil {
			return err
		}
		return r.organisationChanged(ctx, tx, ev.Organisation, e.Type == orgDeletedType)
	}
	person := func(ctx context.Context, tx *sqldb.Tx, e events.Event) error {
		var ev orgpb.PersonDeleted
		if err := events.Decode(e, &ev); err != nil {
			return err
		}
		return r.personDeleted(ctx, tx, ev.Person)
	}
	return events.Handlers{orgDeletedType: org, orgUndeletedType: org, personDeleted: person}
}

// organisationChanged soft-deletes an organisation's live teams, or restores
// the teams its deletion deleted (and no others).
func (r reactions) organisationChanged(ctx context.Context, tx *sqldb.Tx, org *orgpb.Organisation, deleted bool) error {
	ids, err := resourcename.Parse(org.GetName(), "organisations")
	if err != nil {
		return events.Permanent(fmt.Errorf("organisation event: %w", err))
	}
	orgID := ids[0]
	newest, err := events.Newer(ctx, tx, org.Name, resource.Micros(org.UpdateTime))
	if err != nil || !newest {
		return err
	}
	teams, err := teamsForCascade(ctx, tx, orgID, deleted)
	if err != nil {
		return err
	}
	for _, t := range teams {
		setTeamDeleted(t, deleted, deleted, systemActor)
		if err := writeTeam(ctx, tx, t); err != nil {
			return err
		}
		if deleted {
			err = r.events.teamDeleted(ctx, tx, t.team, org.Name)
		} else {
			err = r.events.teamUndeleted(ctx, tx, t.team, org.Name)
		}
		if err != nil {
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
		if err := endMembership(ctx, tx, m, systemActor); err != nil {
			return err
		}
		if err := r.events.memberRemoved(ctx, tx, m.member, p.Name); err != nil {
			return err
		}
	}
	return nil
}
