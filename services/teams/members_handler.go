package teams

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"buf.build/go/protovalidate"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/interceptor"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// membersHandler is the gRPC surface of memberships.
type membersHandler struct {
	pb.UnimplementedMembersServiceServer
	db     *sqldb.DB
	dir    directory
	events emitter
}

func (h *membersHandler) GetMember(ctx context.Context, req *pb.GetMemberRequest) (*pb.Member, error) {
	orgID, teamID, id, err := parseMemberName("name", req.Name)
	if err != nil {
		return nil, err
	}
	r, err := getMember(ctx, h.db, orgID, teamID, id)
	if errors.Is(err, errNotFound) {
		return nil, apierr.NotFound(req.Name)
	}
	if err != nil {
		return nil, err
	}
	return r.member, nil
}

func (h *membersHandler) ListMembers(ctx context.Context, req *pb.ListMembersRequest) (*pb.ListMembersResponse, error) {
	orgID, teamID, err := parseMembersParent("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	if teamID != allTeams {
		if _, err := getTeam(ctx, h.db, orgID, teamID); errors.Is(err, errNotFound) {
			return nil, apierr.NotFound(req.Parent)
		} else if err != nil {
			return nil, err
		}
	}
	plan, err := memberListSchema.Build(listing.Request{
		PageSize: req.PageSize, PageToken: req.PageToken, Filter: req.Filter, OrderBy: req.OrderBy,
		Scope: req.Parent + " show_deleted=" + strconv.FormatBool(req.ShowDeleted),
	})
	if err != nil {
		return nil, err
	}
	rows, err := listMembers(ctx, h.db, orgID, teamID, plan, req.ShowDeleted)
	if err != nil {
		return nil, err
	}
	rows, next := plan.Page(rows)
	resp := &pb.ListMembersResponse{NextPageToken: next, Members: make([]*pb.Member, len(rows))}
	for i, r := range rows {
		resp.Members[i] = r.member
	}
	return resp, nil
}

func (h *membersHandler) CreateMember(ctx context.Context, req *pb.CreateMemberRequest) (*pb.Member, error) {
	orgID, teamID, err := parseTeamName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	pID, err := personID(orgID, req.Member.Person)
	if err != nil {
		return nil, err
	}
	start := req.Member.StartDate
	if start == nil {
		start = today()
	}
	if err := checkTerm(&pb.Member{StartDate: start, EndDate: req.Member.EndDate}); err != nil {
		return nil, err
	}
	// Ask before writing anything: an unreachable organisations service
	// leaves no half-made membership behind.
	if err := h.dir.requireLivePerson(ctx, "member.person", req.Member.Person); err != nil {
		return nil, err
	}
	id := req.MemberId
	if id == "" {
		id = resourcename.NewID()
	}
	key := idempotency.For(req.Parent+"/members", req)
	t := resource.Now()
	r := &memberRecord{orgID: orgID, teamID: teamID, id: id, person: pID, revision: 1, member: &pb.Member{
		Name:        memberName(orgID, teamID, id),
		Person:      req.Member.Person,
		Role:        req.Member.Role,
		StartDate:   start,
		EndDate:     req.Member.EndDate,
		CreateTime:  t,
		UpdateTime:  t,
		Etag:        resource.Etag(1),
		UpdateActor: auth.Actor(ctx, serviceName),
	}}
	var result *pb.Member
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		prior, retried, err := resource.CheckNew(ctx, tx, key, id,
			func(id string) (*memberRecord, error) { return getMember(ctx, tx, orgID, teamID, id) }, r.member.Name)
		if err != nil {
			return err
		}
		if retried {
			result = prior.member
			return nil
		}
		team, err := getTeam(ctx, tx, orgID, teamID)
		if errors.Is(err, errNotFound) {
			return apierr.NotFound(req.Parent)
		}
		if err != nil {
			return err
		}
		if team.team.DeleteTime != nil {
			return apierr.FailedPrecondition(req.Parent, "is deleted")
		}
		if existing, err := liveMembership(ctx, tx, orgID, teamID, pID); err == nil {
			return apierr.AlreadyExists(existing.member.Name)
		} else if !errors.Is(err, errNotFound) {
			return err
		}
		if err := insertMember(ctx, tx, r); err != nil {
			return err
		}
		if err := key.Claim(ctx, tx, id); err != nil {
			return err
		}
		result = r.member
		return h.events.memberAdded(ctx, tx, r.member)
	})
	if sqldb.IsUniqueViolation(err) {
		return nil, apierr.AlreadyExists(r.member.Name)
	}
	return result, err
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
	var result *pb.Member
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		current, err := h.current(ctx, tx, orgID, teamID, id, req.Member.Name, req.Member.Etag)
		if err != nil {
			return err
		}
		if current.member.DeleteTime != nil {
			return apierr.FailedPrecondition(req.Member.Name, "has ended; add the person again instead")
		}
		if slices.Contains(req.UpdateMask.GetPaths(), "person") && req.Member.Person != current.member.Person {
			return apierr.InvalidArgument("member.person", "cannot be changed; end this membership and add the other person")
		}
		next := applyMemberMask(current.member, req.Member, paths)
		if err := protovalidate.Validate(next); err != nil {
			return interceptor.ValidationStatus(err, "member.")
		}
		if err := checkTerm(next); err != nil {
			return err
		}
		if sameTerm(next, current.member) {
			result = current.member
			return nil
		}
		r := &memberRecord{orgID: orgID, teamID: teamID, id: id, person: current.person, revision: current.revision + 1, member: next}
		next.UpdateTime = resource.Now()
		next.Etag = resource.Etag(r.revision)
		next.UpdateActor = auth.Actor(ctx, serviceName)
		if err := writeMember(ctx, tx, r); err != nil {
			return err
		}
		result = next
		return h.events.memberUpdated(ctx, tx, next, paths)
	})
	return result, err
}

func (h *membersHandler) DeleteMember(ctx context.Context, req *pb.DeleteMemberRequest) (*pb.Member, error) {
	orgID, teamID, id, err := parseMemberName("name", req.Name)
	if err != nil {
		return nil, err
	}
	var result *pb.Member
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		r, err := h.current(ctx, tx, orgID, teamID, id, req.Name, req.Etag)
		if err != nil {
			return err
		}
		if err := resource.CheckDeleteTransition(req.Name, r.member.DeleteTime != nil, true); err != nil {
			return err
		}
		if err := endMembership(ctx, tx, r, auth.Actor(ctx, serviceName)); err != nil {
			return err
		}
		result = r.member
		return h.events.memberRemoved(ctx, tx, r.member, "")
	})
	return result, err
}

// current reads the membership a change applies to, checking the caller's
// etag.
func (h *membersHandler) current(ctx context.Context, tx *sqldb.Tx, orgID, teamID, id, name, etag string) (*memberRecord, error) {
	return resource.Current(func() (*memberRecord, error) { return getMember(ctx, tx, orgID, teamID, id) },
		func(r *memberRecord) string { return r.member.Etag }, name, etag)
}

// endMembership ends a live membership today, by actor, unless its term
// ended before.
func endMembership(ctx context.Context, tx *sqldb.Tx, r *memberRecord, actor string) error {
	r.revision++
	r.member.UpdateActor = actor
	r.member.UpdateTime = resource.Now()
	r.member.DeleteTime = r.member.UpdateTime
	if r.member.EndDate == nil || formatDate(r.member.EndDate) > formatDate(today()) {
		r.member.EndDate = today()
	}
	r.member.Etag = resource.Etag(r.revision)
	return writeMember(ctx, tx, r)
}

// writeMember stores a changed record, or ABORTED when it changed meanwhile.
func writeMember(ctx context.Context, tx *sqldb.Tx, r *memberRecord) error {
	ok, err := updateMember(ctx, tx, r)
	if err != nil {
		return err
	}
	if !ok {
		return apierr.EtagMismatch(r.member.Name)
	}
	return nil
}
