package teams

import (
	"context"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// membersHandler is the gRPC surface of MembersService. Requests arrive
// already checked against their proto rules by the validation interceptor;
// the handler asks the organisations service about the person, adds the
// membership rules (members_rules.go), and leaves the standard AIP methods
// to the resource engine. Deleting a membership ends it; it is never
// restored.
type membersHandler struct {
	pb.UnimplementedMembersServiceServer
	members resource.Engine[*memberRecord, *pb.Member]
	dir     directory
}

func (h *membersHandler) ListMembers(ctx context.Context, req *pb.ListMembersRequest) (*pb.ListMembersResponse, error) {
	orgID, teamID, err := parseMembersParent("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	// A team that does not exist has no memberships to list: NOT_FOUND.
	if teamID != allTeams {
		if _, err := teamType.Lookup(ctx, h.members.DB, orgID, teamID); err != nil {
			return nil, err
		}
	}
	members, next, err := resource.List(ctx, h.members.DB, memberListSchema, req, req.Parent,
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*memberRecord]) ([]*memberRecord, error) {
			return listMembers(ctx, q, orgID, teamID, plan, req.ShowDeleted)
		})
	return resource.Respond(&pb.ListMembersResponse{}, members, next, err)
}

func (h *membersHandler) CreateMember(ctx context.Context, req *pb.CreateMemberRequest) (*pb.Member, error) {
	return h.members.Create(ctx, resource.Creation[*memberRecord]{Request: req, Parent: req.Parent, ID: req.MemberId,
		New: func(ids []string) (*memberRecord, error) {
			pID, err := resource.InOrganisation("member.person", "people", ids[0], req.Member.Person)
			if err != nil {
				return nil, err
			}
			r := &memberRecord{Stored: resource.Hold(newMembership(memberType.Name(ids...), req.Member, dates.Today())), orgID: ids[0], teamID: ids[1], id: ids[2], person: pID}
			if err := checkTerm(r.Msg); err != nil {
				return nil, err
			}
			// Ask before writing anything: an unreachable organisations
			// service leaves no half-made membership behind.
			return r, h.dir.requireLivePerson(ctx, "member.person", req.Member.Person)
		},
		Check: func(ctx context.Context, tx *sqldb.Tx, r *memberRecord) error {
			return checkJoinable(ctx, tx, req.Parent, r)
		}})
}

func (h *membersHandler) UpdateMember(ctx context.Context, req *pb.UpdateMemberRequest) (*pb.Member, error) {
	c, err := h.members.Patch(req.Member, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	c.Check = func(_ context.Context, _ *sqldb.Tx, _, next *memberRecord) error { return checkTerm(next.Msg) }
	return h.members.Update(ctx, c, func(current *memberRecord) (*memberRecord, error) {
		if err := checkPersonKept(current.Msg, req.Member, req.UpdateMask.GetPaths()); err != nil {
			return nil, err
		}
		return resource.With(current, resource.ApplyMask(current.Msg, req.Member, c.Paths)), nil
	})
}

// DeleteMember ends a live membership: from today, unless its term ended
// before.
func (h *membersHandler) DeleteMember(ctx context.Context, req *pb.DeleteMemberRequest) (*pb.Member, error) {
	return h.members.Delete(ctx, req.Name, req.Etag, resource.Hooks[*memberRecord]{
		Edit: func(r *memberRecord) { r.Msg.EndDate = endOfTerm(r.Msg, dates.Today()) }})
}

// checkJoinable is CreateMember's Check hook (see checkJoin): the team
// parent exists and is live, and the person is not a live member of it.
func checkJoinable(ctx context.Context, tx *sqldb.Tx, parent string, r *memberRecord) error {
	team, err := teamType.Lookup(ctx, tx, r.orgID, r.teamID)
	if err != nil {
		return err
	}
	existing, err := liveMembership(ctx, tx, r.orgID, r.teamID, r.person)
	if err != nil {
		return err
	}
	return checkJoin(parent, team, existing)
}
