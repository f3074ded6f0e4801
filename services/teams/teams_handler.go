package teams

import (
	"cmp"
	"context"
	"errors"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// teamsHandler is the gRPC surface of TeamsService. Requests arrive already
// checked against their proto rules by the validation interceptor; the
// handler asks the organisations service what it must, adds the tree rules
// (teams_rules.go) as hooks that read the tree, and leaves the standard AIP
// methods to the resource engine.
type teamsHandler struct {
	pb.UnimplementedTeamsServiceServer
	teams resource.Engine[*teamRecord, *pb.Team]
	dir   directory
}

// teamRow reads and writes the row of organisations/{orgID}/teams/{id}.
func teamRow(orgID, id string) resource.Row[*teamRecord] {
	return resource.Row[*teamRecord]{
		Get:  func(ctx context.Context, q sqldb.Querier) (*teamRecord, error) { return getTeam(ctx, q, orgID, id) },
		Save: saveTeam,
	}
}

// treeLock is the Lock hook of every change to an organisation's team tree,
// so that two concurrent moves cannot build a cycle between them.
func treeLock(orgID string) func(context.Context, *sqldb.Tx) error {
	return func(ctx context.Context, tx *sqldb.Tx) error { return tx.Lock(ctx, "teams/tree/"+orgID) }
}

func (h *teamsHandler) GetTeam(ctx context.Context, req *pb.GetTeamRequest) (*pb.Team, error) {
	orgID, id, err := parseTeamName("name", req.Name)
	if err != nil {
		return nil, err
	}
	return h.teams.Get(ctx, req.Name, teamRow(orgID, id))
}

func (h *teamsHandler) ListTeams(ctx context.Context, req *pb.ListTeamsRequest) (*pb.ListTeamsResponse, error) {
	orgID, err := resource.ParseOrganisation("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	teams, next, err := resource.List(ctx, h.teams.DB, teamListSchema, req, req.Parent,
		func(ctx context.Context, q sqldb.Querier, plan *listing.Plan[*teamRecord]) ([]*teamRecord, error) {
			return listTeams(ctx, q, orgID, plan, req.ShowDeleted)
		})
	if err != nil {
		return nil, err
	}
	return &pb.ListTeamsResponse{Teams: teams, NextPageToken: next}, nil
}

func (h *teamsHandler) CreateTeam(ctx context.Context, req *pb.CreateTeamRequest) (*pb.Team, error) {
	orgID, err := resource.ParseOrganisation("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	pID, err := parentID(orgID, req.Team.ParentTeam)
	if err != nil {
		return nil, err
	}
	id := cmp.Or(req.TeamId, resourcename.NewID())
	r := &teamRecord{orgID: orgID, id: id, parentID: pID,
		team: resource.ApplyMask(&pb.Team{Name: teamName(orgID, id)}, req.Team, teamUpdatable)}
	// Ask before writing anything: an unreachable organisations service
	// leaves no half-made team behind.
	if err := h.dir.requireLiveOrganisation(ctx, req.Parent); err != nil {
		return nil, err
	}
	return h.teams.Create(ctx, resource.Creation[*teamRecord]{
		Record: r, ID: id, Row: func(id string) resource.Row[*teamRecord] { return teamRow(orgID, id) },
		Key:  idempotency.For(req.Parent+"/teams", req),
		Lock: treeLock(orgID),
		Check: func(ctx context.Context, tx *sqldb.Tx) error {
			if r.parentID == "" {
				return nil
			}
			return checkParent(ctx, tx, r, "", 1)
		},
		Insert: insertTeam,
	})
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
	change := resource.Change[*teamRecord]{Name: req.Team.Name, Etag: req.Team.Etag, Row: teamRow(orgID, id),
		Lock: treeLock(orgID), Check: checkMove}
	return h.teams.Update(ctx, change, paths, func(current *teamRecord) (*teamRecord, error) {
		return current.with(resource.ApplyMask(current.team, req.Team, paths))
	})
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
	change := resource.Change[*teamRecord]{Name: name, Etag: etag, Row: teamRow(orgID, id), Lock: treeLock(orgID),
		Check: checkNoLiveChildren}
	if !deleted {
		if err := h.dir.requireLiveOrganisation(ctx, orgName(orgID)); err != nil {
			return nil, err
		}
		change.Check = checkLiveParent
	}
	return h.teams.SetDeleted(ctx, change, deleted)
}

func (h *teamsHandler) ListTeamAncestors(ctx context.Context, req *pb.ListTeamAncestorsRequest) (*pb.ListTeamAncestorsResponse, error) {
	orgID, id, err := parseTeamName("name", req.Name)
	if err != nil {
		return nil, err
	}
	if _, err := resource.Lookup(ctx, h.teams.DB, req.Name, teamRow(orgID, id).Get); err != nil {
		return nil, err
	}
	chain, err := ancestors(ctx, h.teams.DB, orgID, id)
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
	orgID, id, err := parseTeamName("name", req.Name)
	if err != nil {
		return nil, err
	}
	// The subtree starts with the team itself, live or deleted: none is
	// no team.
	recs, _, err := subtree(ctx, h.teams.DB, orgID, id)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, apierr.NotFound(req.Name)
	}
	return buildTree(recs), nil
}

// checkMove is UpdateTeam's Check hook: a team that moves under another
// team must keep the tree rules there, with its whole live subtree. A move
// to the top level is always allowed.
func checkMove(ctx context.Context, tx *sqldb.Tx, current, next *teamRecord) error {
	if next.team.ParentTeam == current.team.ParentTeam || next.parentID == "" {
		return nil
	}
	_, depths, err := subtree(ctx, tx, next.orgID, next.id)
	if err != nil {
		return err
	}
	return checkParent(ctx, tx, next, next.id, subtreeHeight(depths))
}

// checkParent applies the tree rules to placing r, whose subtree is height
// levels tall, under its parent team; selfID is r's id, or "" for a new
// team.
func checkParent(ctx context.Context, tx *sqldb.Tx, r *teamRecord, selfID string, height int) error {
	parent, err := getTeam(ctx, tx, r.orgID, r.parentID)
	if errors.Is(err, resource.ErrNotFound) {
		return apierr.InvalidArgument("team.parent_team", "no such team: "+r.team.ParentTeam)
	}
	if err != nil {
		return err
	}
	chain, err := ancestors(ctx, tx, r.orgID, r.parentID)
	if err != nil {
		return err
	}
	return checkPlacement(selfID, parent, chain, height)
}

// checkNoLiveChildren is DeleteTeam's Check hook (see checkDelete).
func checkNoLiveChildren(ctx context.Context, tx *sqldb.Tx, r, _ *teamRecord) error {
	n, err := countLiveChildren(ctx, tx, r.orgID, r.id)
	if err != nil {
		return err
	}
	return checkDelete(r.team, n)
}

// checkLiveParent is UndeleteTeam's Check hook (see checkUndelete).
func checkLiveParent(ctx context.Context, tx *sqldb.Tx, r, _ *teamRecord) error {
	if r.parentID == "" {
		return checkUndelete(r.team, nil)
	}
	parent, err := resource.Lookup(ctx, tx, r.team.ParentTeam, teamRow(r.orgID, r.parentID).Get)
	if err != nil {
		return err
	}
	return checkUndelete(r.team, parent.team)
}
