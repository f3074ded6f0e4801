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

// teamsHandler is the gRPC surface of teams. Every change to the tree takes
// the organisation's tree lock, so that two concurrent moves cannot build a
// cycle between them.
type teamsHandler struct {
	pb.UnimplementedTeamsServiceServer
	db     *sqldb.DB
	dir    directory
	events emitter
}

// treeLock is the lock key of an organisation's team tree.
func treeLock(orgID string) string { return "teams/tree/" + orgID }

func (h *teamsHandler) GetTeam(ctx context.Context, req *pb.GetTeamRequest) (*pb.Team, error) {
	r, err := h.find(ctx, h.db, "name", req.Name)
	if err != nil {
		return nil, err
	}
	return r.team, nil
}

func (h *teamsHandler) ListTeams(ctx context.Context, req *pb.ListTeamsRequest) (*pb.ListTeamsResponse, error) {
	orgID, err := parseOrgName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	plan, err := teamListSchema.Build(listing.Request{
		PageSize: req.PageSize, PageToken: req.PageToken, Filter: req.Filter, OrderBy: req.OrderBy,
		Scope: req.Parent + " show_deleted=" + strconv.FormatBool(req.ShowDeleted),
	})
	if err != nil {
		return nil, err
	}
	rows, err := listTeams(ctx, h.db, orgID, plan, req.ShowDeleted)
	if err != nil {
		return nil, err
	}
	rows, next := plan.Page(rows)
	resp := &pb.ListTeamsResponse{NextPageToken: next, Teams: make([]*pb.Team, len(rows))}
	for i, r := range rows {
		resp.Teams[i] = r.team
	}
	return resp, nil
}

func (h *teamsHandler) CreateTeam(ctx context.Context, req *pb.CreateTeamRequest) (*pb.Team, error) {
	orgID, err := parseOrgName("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	pID, err := parentID(orgID, req.Team.ParentTeam)
	if err != nil {
		return nil, err
	}
	id := req.TeamId
	if id == "" {
		id = resourcename.NewID()
	}
	key := idempotency.For(req.Parent+"/teams", req)
	// Ask before writing anything: an unreachable organisations service
	// leaves no half-made team behind.
	if err := h.dir.requireLiveOrganisation(ctx, req.Parent); err != nil {
		return nil, err
	}
	t := resource.Now()
	r := &teamRecord{orgID: orgID, id: id, parentID: pID, revision: 1, team: &pb.Team{
		Name:             teamName(orgID, id),
		DisplayName:      req.Team.DisplayName,
		Purpose:          req.Team.Purpose,
		TermsOfReference: req.Team.TermsOfReference,
		Kind:             req.Team.Kind,
		ParentTeam:       req.Team.ParentTeam,
		CreateTime:       t,
		UpdateTime:       t,
		Etag:             resource.Etag(1),
		UpdateActor:      auth.Actor(ctx, serviceName),
	}}
	var result *pb.Team
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Lock(ctx, treeLock(orgID)); err != nil {
			return err
		}
		prior, retried, err := resource.CheckNew(ctx, tx, key, id,
			func(id string) (*teamRecord, error) { return getTeam(ctx, tx, orgID, id) }, r.team.Name)
		if err != nil {
			return err
		}
		if retried {
			result = prior.team
			return nil
		}
		if pID != "" {
			if err := checkParent(ctx, tx, orgID, pID, "", 1); err != nil {
				return err
			}
		}
		if err := insertTeam(ctx, tx, r); err != nil {
			return err
		}
		if err := key.Claim(ctx, tx, id); err != nil {
			return err
		}
		result = r.team
		return h.events.teamCreated(ctx, tx, r.team)
	})
	if sqldb.IsUniqueViolation(err) {
		return nil, apierr.AlreadyExists(r.team.Name)
	}
	return result, err
}

func (h *teamsHandler) UpdateTeam(ctx context.Context, req *pb.UpdateTeamRequest) (*pb.Team, error) {
	if req.Team == nil {
		return nil, apierr.InvalidArgument("team", "is required")
	}
	orgID, id, err := parseTeamName("team.name", req.Team.Name)
	if err != nil {
		return nil, err
	}
	paths, err := resource.MaskPaths(req.UpdateMask.GetPaths(), teamUpdatable, nil)
	if err != nil {
		return nil, err
	}
	var result *pb.Team
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Lock(ctx, treeLock(orgID)); err != nil {
			return err
		}
		current, err := h.current(ctx, tx, orgID, id, req.Team.Name, req.Team.Etag)
		if err != nil {
			return err
		}
		if current.team.DeleteTime != nil {
			return apierr.FailedPrecondition(req.Team.Name, "is deleted; undelete it before updating")
		}
		next := applyTeamMask(current.team, req.Team, paths)
		if err := protovalidate.Validate(next); err != nil {
			return interceptor.ValidationStatus(err, "team.")
		}
		if !teamChanged(current.team, next) {
			result = current.team
			return nil
		}
		r := &teamRecord{orgID: orgID, id: id, parentID: current.parentID, revision: current.revision + 1, team: next}
		if next.ParentTeam != current.team.ParentTeam {
			if r.parentID, err = parentID(orgID, next.ParentTeam); err != nil {
				return err
			}
			if r.parentID != "" {
				height, err := subtreeHeight(ctx, tx, orgID, id)
				if err != nil {
					return err
				}
				if err := checkParent(ctx, tx, orgID, r.parentID, id, height); err != nil {
					return err
				}
			}
		}
		next.UpdateTime = resource.Now()
		next.Etag = resource.Etag(r.revision)
		next.UpdateActor = auth.Actor(ctx, serviceName)
		if err := writeTeam(ctx, tx, r); err != nil {
			return err
		}
		result = next
		return h.events.teamUpdated(ctx, tx, next, paths)
	})
	return result, err
}

func (h *teamsHandler) DeleteTeam(ctx context.Context, req *pb.DeleteTeamRequest) (*pb.Team, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, true)
}

func (h *teamsHandler) UndeleteTeam(ctx context.Context, req *pb.UndeleteTeamRequest) (*pb.Team, error) {
	return h.setDeleted(ctx, req.Name, req.Etag, false)
}

// setDeleted soft-deletes a team without live children, or restores one
// whose organisation and parent team are live (AIP-164).
func (h *teamsHandler) setDeleted(ctx context.Context, name, etag string, deleted bool) (*pb.Team, error) {
	orgID, id, err := parseTeamName("name", name)
	if err != nil {
		return nil, err
	}
	if !deleted {
		if err := h.dir.requireLiveOrganisation(ctx, orgName(orgID)); err != nil {
			return nil, err
		}
	}
	var result *pb.Team
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.Lock(ctx, treeLock(orgID)); err != nil {
			return err
		}
		r, err := h.current(ctx, tx, orgID, id, name, etag)
		if err != nil {
			return err
		}
		if err := resource.CheckDeleteTransition(name, r.team.DeleteTime != nil, deleted); err != nil {
			return err
		}
		if deleted {
			err = requireNoLiveChildren(ctx, tx, r)
		} else {
			err = requireLiveParent(ctx, tx, r)
		}
		if err != nil {
			return err
		}
		setTeamDeleted(r, deleted, false, auth.Actor(ctx, serviceName))
		if err := writeTeam(ctx, tx, r); err != nil {
			return err
		}
		result = r.team
		if deleted {
			return h.events.teamDeleted(ctx, tx, r.team, "")
		}
		return h.events.teamUndeleted(ctx, tx, r.team, "")
	})
	return result, err
}

func requireNoLiveChildren(ctx context.Context, tx *sqldb.Tx, r *teamRecord) error {
	n, err := countLiveChildren(ctx, tx, r.orgID, r.id)
	if err != nil {
		return err
	}
	if n > 0 {
		return apierr.FailedPrecondition(r.team.Name, "has live child teams; delete or move them first")
	}
	return nil
}

func requireLiveParent(ctx context.Context, tx *sqldb.Tx, r *teamRecord) error {
	if r.parentID == "" {
		return nil
	}
	parent, err := getTeam(ctx, tx, r.orgID, r.parentID)
	if err != nil {
		return err
	}
	if parent.team.DeleteTime != nil {
		return apierr.FailedPrecondition(r.team.Name, "its parent team "+parent.team.Name+" is deleted; undelete that first")
	}
	return nil
}

func (h *teamsHandler) ListTeamAncestors(ctx context.Context, req *pb.ListTeamAncestorsRequest) (*pb.ListTeamAncestorsResponse, error) {
	r, err := h.find(ctx, h.db, "name", req.Name)
	if err != nil {
		return nil, err
	}
	chain, err := ancestors(ctx, h.db, r.orgID, r.id)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListTeamAncestorsResponse{Teams: make([]*pb.Team, len(chain))}
	for i, a := range chain {
		resp.Teams[i] = a.team
	}
	return resp, nil
}

func (h *teamsHandler) GetTeamSubtree(ctx context.Context, req *pb.GetTeamSubtreeRequest) (*pb.TeamTree, error) {
	r, err := h.find(ctx, h.db, "name", req.Name)
	if err != nil {
		return nil, err
	}
	recs, _, err := subtree(ctx, h.db, r.orgID, r.id)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, apierr.NotFound(req.Name)
	}
	return buildTree(recs), nil
}

// find reads the team named in field, or NOT_FOUND.
func (h *teamsHandler) find(ctx context.Context, q sqldb.Querier, field, name string) (*teamRecord, error) {
	orgID, id, err := parseTeamName(field, name)
	if err != nil {
		return nil, err
	}
	r, err := getTeam(ctx, q, orgID, id)
	if errors.Is(err, errNotFound) {
		return nil, apierr.NotFound(name)
	}
	return r, err
}

// current reads the team a change applies to, checking the caller's etag.
func (h *teamsHandler) current(ctx context.Context, tx *sqldb.Tx, orgID, id, name, etag string) (*teamRecord, error) {
	return resource.Current(func() (*teamRecord, error) { return getTeam(ctx, tx, orgID, id) },
		func(r *teamRecord) string { return r.team.Etag }, name, etag)
}

// checkParent applies the tree rules to placing team selfID ("" for a new
// team), whose subtree is height levels tall, under team parentID.
func checkParent(ctx context.Context, tx *sqldb.Tx, orgID, parentID, selfID string, height int) error {
	parent, err := getTeam(ctx, tx, orgID, parentID)
	if errors.Is(err, errNotFound) {
		return apierr.InvalidArgument("team.parent_team", "no such team: "+teamName(orgID, parentID))
	}
	if err != nil {
		return err
	}
	chain, err := ancestors(ctx, tx, orgID, parentID)
	if err != nil {
		return err
	}
	return checkPlacement(selfID, parent, chain, height)
}

// subtreeHeight is how many levels the team's live subtree spans (1 for a
// team without children).
func subtreeHeight(ctx context.Context, q sqldb.Querier, orgID, id string) (int, error) {
	_, depths, err := subtree(ctx, q, orgID, id)
	if err != nil || len(depths) == 0 {
		return 1, err
	}
	return slices.Max(depths) + 1, nil
}

// setTeamDeleted moves r to the next revision, deleted or restored by
// actor; withOrg records that the organisation's deletion caused it.
func setTeamDeleted(r *teamRecord, deleted, withOrg bool, actor string) {
	r.revision++
	r.team.UpdateActor = actor
	r.team.UpdateTime = resource.Now()
	r.team.DeleteTime = nil
	if deleted {
		r.team.DeleteTime = r.team.UpdateTime
	}
	r.deletedWithOrg = withOrg
	r.team.Etag = resource.Etag(r.revision)
}

// writeTeam stores a changed record; the revision check turns a concurrent
// change between read and write into an etag mismatch, not a lost update.
func writeTeam(ctx context.Context, tx *sqldb.Tx, r *teamRecord) error {
	ok, err := updateTeam(ctx, tx, r)
	if err != nil {
		return err
	}
	if !ok {
		return apierr.EtagMismatch(r.team.Name)
	}
	return nil
}
