package teams

import (
	"cmp"
	"context"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
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

// memberRow reads and writes the row of
// organisations/{orgID}/teams/{teamID}/members/{id}.
func memberRow(orgID, teamID, id string) resource.Row[*memberRecord] {
	return resource.Row[*memberRecord]{
		Get: func(ctx context.Context, q sqldb.Querier) (*memberRecord, error) {
			return getMember(ctx, q, orgID, teamID, id)
		},
		Save: updateMember,
	}
}

func (h *membersHandler) GetMember(ctx context.Context, req *pb.GetMemberRequest) (*pb.Member, error) {
	orgID, teamID, id, err := parseMemberName("name", req.Name)
	if err != nil {
		return nil, err
	}
	return h.members.Get(ctx, req.Name, memberRow(orgID, teamID, id))
}

func (h *membersHandler) ListMembers(ctx context.Context, req *pb.ListMembersRequest) (*pb.ListMembersResponse, error) {
	orgID, teamID, err := parseMembersParent("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	// A team that does not exist has no memberships to list: NOT_FOUND.
	if teamID != allTeams {
		if _, err := resource.Lookup(ctx, h.members.DB, req.Parent, teamRow(orgID, teamID).Get); err != nil {
			return nil, err
		}
	}
	members, next, err := resource.List(ctx, h.members.DB, memberListSchema, req, req.Parent,
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*memberRecord]) ([]*memberRecord, error) {
			return listMembers(ctx, q, orgID, teamID, plan, req.ShowDeleted)
		})
	if err != nil {
		return nil, err
	}
	return &pb.ListMembersResponse{Members: members, NextPageToken: next}, nil
}

func (h *membersHandler) CreateMember(ctx context.Context, req *pb.CreateMemberRequest) (*pb.Member, error) {
	orgID, teamID, err := parseTeamName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	pID, err := resource.InOrganisation("member.person", "people", orgID, req.Member.Person)
	if err != nil {
		return nil, err
	}
	id := cmp.Or(req.MemberId, resourcename.NewID())
	r := &memberRecord{orgID: orgID, teamID: teamID, id: id, person: pID,
		member: newMembership(memberName(orgID, teamID, id), req.Member, dates.Today())}
	if err := checkTerm(r.member); err != nil {
		return nil, err
	}
	// Ask before writing anything: an unreachable organisations service
	// leaves no half-made membership behind.
	if err := h.dir.requireLivePerson(ctx, "member.person", req.Member.Person); err != nil {
		return nil, err
	}
	return h.members.Create(ctx, resource.Creation[*memberRecord]{
		Record: r, ID: id, Row: func(id string) resource.Row[*memberRecord] { return memberRow(orgID, teamID, id) },
		Key:    idempotency.For(req.Parent+"/members", req),
		Check:  func(ctx context.Context, tx *sqldb.Tx) error { return checkJoinable(ctx, tx, req.Parent, r) },
		Insert: insertMember,
	})
}

func (h *membersHandler) UpdateMember(ctx context.Context, req *pb.UpdateMemberRequest) (*pb.Member, error) {
	if req.Member == nil {
		return nil, apierr.InvalidArgument("member", "is required")
	}
	orgID, teamID, id, err := parseMemberName("member.name", req.Member.Name)
	if err != nil {
		return nil, err
	}
	paths, err := resource.MaskPaths(req.UpdateMask.GetPaths(), memberUpdatable, memberFixed)
	if err != nil {
		return nil, err
	}
	change := resource.Change[*memberRecord]{Name: req.Member.Name, Etag: req.Member.Etag, Row: memberRow(orgID, teamID, id),
		Check: func(_ context.Context, _ *sqldb.Tx, _, next *memberRecord) error { return checkTerm(next.member) }}
	return h.members.Update(ctx, change, paths, func(current *memberRecord) (*memberRecord, error) {
		if err := checkPersonKept(current.member, req.Member, req.UpdateMask.GetPaths()); err != nil {
			return nil, err
		}
		return current.with(resource.ApplyMask(current.member, req.Member, paths)), nil
	})
}

// DeleteMember ends a live membership: from today, unless its term ended
// before.
func (h *membersHandler) DeleteMember(ctx context.Context, req *pb.DeleteMemberRequest) (*pb.Member, error) {
	orgID, teamID, id, err := parseMemberName("name", req.Name)
	if err != nil {
		return nil, err
	}
	change := resource.Change[*memberRecord]{Name: req.Name, Etag: req.Etag, Row: memberRow(orgID, teamID, id),
		Edit: func(r *memberRecord) { r.member.EndDate = endOfTerm(r.member, dates.Today()) }}
	return h.members.SetDeleted(ctx, change, true)
}

// checkJoinable is CreateMember's Check hook (see checkJoin): the team
// parent exists and is live, and the person is not a live member of it.
func checkJoinable(ctx context.Context, tx *sqldb.Tx, parent string, r *memberRecord) error {
	team, err := resource.Lookup(ctx, tx, parent, teamRow(r.orgID, r.teamID).Get)
	if err != nil {
		return err
	}
	existing, err := liveMembership(ctx, tx, r.orgID, r.teamID, r.person)
	if err != nil {
		return err
	}
	return checkJoin(parent, team, existing)
}
