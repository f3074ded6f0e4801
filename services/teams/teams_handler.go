package teams

import (
	"context"
	"errors"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
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

// lockTree is the Lock hook of every change to an organisation's team tree
// (ids start with the organisation's), so that two concurrent moves cannot
// build a cycle between them.
func lockTree(ctx context.Context, tx *sqldb.Tx, ids []string) error {
	return tx.Lock(ctx, "teams/tree/"+ids[0])
}

func (h *teamsHandler) CreateTeam(ctx context.Context, req *pb.CreateTeamRequest) (*pb.Team, error) {
	return h.teams.Create(ctx, resource.Creation[*teamRecord]{Request: req, Parent: req.Parent, ID: req.TeamId,
		New: func(ids []string) (*teamRecord, error) {
			pID, err := parentID(ids[0], req.Team.ParentTeam)
			if err != nil {
				return nil, err
			}
			// Ask before writing anything: an unreachable organisations
			// service leaves no half-made team behind.
			if err := h.dir.requireLiveOrganisation(ctx, req.Parent); err != nil {
				return nil, err
			}
			return &teamRecord{Stored: resource.Hold(resource.ApplyMask(&pb.Team{Name: teamType.Name(ids...)}, req.Team, teamType.Updatable())), orgID: ids[0], id: ids[1], parentID: pID}, nil
		},
		Lock: lockTree,
		Check: func(ctx context.Context, tx *sqldb.Tx, r *teamRecord) error {
			if r.parentID == "" {
				return nil
			}
			return checkParent(ctx, tx, r, "", 1)
		}})
}

func (h *teamsHandler) UpdateTeam(ctx context.Context, req *pb.UpdateTeamRequest) (*pb.Team, error) {
	c, err := h.teams.Patch(req.Team, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	c.Lock, c.Check = lockTree, checkMove
	return h.teams.Update(ctx, c, func(current *teamRecord) (*teamRecord, error) {
		return current.with(resource.ApplyMask(current.Msg, req.Team, c.Paths))
	})
}

// DeleteTeam soft-deletes a team without live children (AIP-164).
func (h *teamsHandler) DeleteTeam(ctx context.Context, req *pb.DeleteTeamRequest) (*pb.Team, error) {
	return h.teams.Delete(ctx, req.Name, req.Etag, resource.Hooks[*teamRecord]{Lock: lockTree, Check: checkNoLiveChildren})
}

// UndeleteTeam restores a team whose organisation and parent team are
// live (AIP-164).
func (h *teamsHandler) UndeleteTeam(ctx context.Context, req *pb.UndeleteTeamRequest) (*pb.Team, error) {
	c, err := h.teams.Named(req.Name, req.Etag)
	if err != nil {
		return nil, err
	}
	if err := h.dir.requireLiveOrganisation(ctx, orgName(c.IDs[0])); err != nil {
		return nil, err
	}
	c.Lock, c.Check = lockTree, checkLiveParent
	return h.teams.SetDeleted(ctx, c, false)
}

func (h *teamsHandler) ListTeamAncestors(ctx context.Context, req *pb.ListTeamAncestorsRequest) (*pb.ListTeamAncestorsResponse, error) {
	ids, err := teamType.Parse("name", req.Name)
	if err != nil {
		return nil, err
	}
	if _, err := teamType.Lookup(ctx, h.teams.DB, ids...); err != nil {
		return nil, err
	}
	chain, err := ancestors(ctx, h.teams.DB, ids[0], ids[1])
	if err != nil {
		return nil, err
	}
	resp := &pb.ListTeamAncestorsResponse{Teams: make([]*pb.Team, len(chain))}
	for i, a := range chain {
		resp.Teams[i] = a.Msg
	}
	return resp, nil
}

func (h *teamsHandler) GetTeamSubtree(ctx context.Context, req *pb.GetTeamSubtreeRequest) (*pb.TeamTree, error) {
	ids, err := teamType.Parse("name", req.Name)
	if err != nil {
		return nil, err
	}
	// The subtree starts with the team itself, live or deleted: none is
	// no team.
	recs, _, err := subtree(ctx, h.teams.DB, ids[0], ids[1])
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
	if next.Msg.ParentTeam == current.Msg.ParentTeam || next.parentID == "" {
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
	parent, err := teamsTable.Get(ctx, tx, r.orgID, r.parentID)
	if errors.Is(err, resource.ErrNotFound) {
		return apierr.InvalidArgument("team.parent_team", "no such team: "+r.Msg.ParentTeam)
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
	return checkDelete(r.Msg, n)
}

// checkLiveParent is UndeleteTeam's Check hook (see checkUndelete).
func checkLiveParent(ctx context.Context, tx *sqldb.Tx, r, _ *teamRecord) error {
	if r.parentID == "" {
		return checkUndelete(r.Msg, nil)
	}
	parent, err := teamType.Lookup(ctx, tx, r.orgID, r.parentID)
	if err != nil {
		return err
	}
	return checkUndelete(r.Msg, parent.Msg)
}
