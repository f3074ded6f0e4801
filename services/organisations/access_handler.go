package organisations

import (
	"context"
	"errors"
	"strconv"
	"time"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/listing"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// accessHandler is the gRPC surface of AccessService: API tokens, and who a
// caller is. Who may call what is the policy's business (policy.go); the
// handler keeps the tokens' own rules.
type accessHandler struct {
	pb.UnimplementedAccessServiceServer
	db     *sqldb.DB
	events resource.Events[*pb.ApiToken]
}

func (h *accessHandler) CreateApiToken(ctx context.Context, req *pb.CreateApiTokenRequest) (*pb.CreateApiTokenResponse, error) {
	orgID, err := parseTokenParent(req.Parent)
	if err != nil {
		return nil, err
	}
	if err := checkTokenRole(orgID, req.ApiToken.Role); err != nil {
		return nil, err
	}
	if exp := req.ApiToken.ExpireTime; exp != nil && !exp.AsTime().After(time.Now()) {
		return nil, apierr.InvalidArgument("api_token.expire_time", "must be in the future")
	}
	var bearer string
	var created *pb.ApiToken
	err = h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		if orgID != "" {
			if err := liveParent(ctx, tx, orgID, req.Parent); err != nil {
				return err
			}
		}
		r, secret := newToken(ctx, orgID, req.ApiToken)
		bearer = secret
		if err := insertToken(ctx, tx, r); err != nil {
			return err
		}
		created = r.token
		return h.events.Created(ctx, tx, r.token)
	})
	if err != nil {
		return nil, err
	}
	return &pb.CreateApiTokenResponse{ApiToken: created, Secret: bearer}, nil
}

// newToken makes the record and bearer token of a new API token.
func newToken(ctx context.Context, orgID string, spec *pb.ApiToken) (*tokenRecord, string) {
	id := resourcename.NewID()
	bearer, hash := newTokenSecret(id)
	actor := auth.Actor(ctx, serviceName)
	return &tokenRecord{orgID: orgID, id: id, secretHash: hash, token: &pb.ApiToken{
		Name:        tokenName(orgID, id),
		DisplayName: spec.DisplayName,
		Role:        spec.Role,
		ExpireTime:  spec.ExpireTime,
		CreateTime:  resource.Now(),
		CreateActor: actor,
		UpdateActor: actor,
	}}, bearer
}

func (h *accessHandler) GetApiToken(ctx context.Context, req *pb.GetApiTokenRequest) (*pb.ApiToken, error) {
	r, err := h.find(ctx, h.db, req.Name)
	if err != nil {
		return nil, err
	}
	return r.token, nil
}

func (h *accessHandler) ListApiTokens(ctx context.Context, req *pb.ListApiTokensRequest) (*pb.ListApiTokensResponse, error) {
	orgID, err := parseTokenParent(req.Parent)
	if err != nil {
		return nil, err
	}
	plan, err := tokenListSchema.Build(listing.Request{PageSize: req.PageSize, PageToken: req.PageToken,
		Scope: req.Parent + " show_deleted=" + strconv.FormatBool(req.ShowDeleted)})
	if err != nil {
		return nil, err
	}
	rows, err := listTokens(ctx, h.db, orgID, plan, req.ShowDeleted)
	if err != nil {
		return nil, err
	}
	rows, next := plan.Page(rows)
	resp := &pb.ListApiTokensResponse{NextPageToken: next}
	for _, r := range rows {
		resp.ApiTokens = append(resp.ApiTokens, r.token)
	}
	return resp, nil
}

func (h *accessHandler) DeleteApiToken(ctx context.Context, req *pb.DeleteApiTokenRequest) (*pb.ApiToken, error) {
	var revoked *pb.ApiToken
	err := h.db.InTx(ctx, func(tx *sqldb.Tx) error {
		r, err := h.find(ctx, tx, req.Name)
		if err != nil {
			return err
		}
		if r.token.DeleteTime != nil {
			return apierr.NotFound(req.Name)
		}
		r.token.DeleteTime = resource.Now()
		r.token.UpdateActor = auth.Actor(ctx, serviceName)
		if ok, err := revokeToken(ctx, tx, r); err != nil {
			return err
		} else if !ok {
			return apierr.NotFound(req.Name)
		}
		revoked = r.token
		return h.events.Deleted(ctx, tx, r.token, "")
	})
	return revoked, err
}

func (h *accessHandler) find(ctx context.Context, q sqldb.Querier, name string) (*tokenRecord, error) {
	orgID, id, err := parseTokenName("name", name)
	if err != nil {
		return nil, err
	}
	r, err := getToken(ctx, q, orgID, id)
	if errors.Is(err, resource.ErrNotFound) {
		return nil, apierr.NotFound(name)
	}
	return r, err
}
