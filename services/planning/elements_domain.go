package planning

import (
	"context"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// plannerRole is the least role that changes the plan freely.
const plannerRole = identitypb.Role_ROLE_PLANNER

// contributorFields are what a contributor may change, on elements their
// teams own.
var contributorFields = []string{"status", "progress"}

// elementType is the element as the resource engine finds and stores it:
// its row with what it supports.
var elementType = resource.Type[*elementRecord]{
	Table: elementRows,
	Get: func(ctx context.Context, q sqldb.Querier, ids ...string) (*elementRecord, error) {
		return getElement(ctx, q, ids[0], ids[1])
	},
	Insert: insertElement,
	Save:   updateElement,
	// Records read together are of one organisation.
	Complete: func(ctx context.Context, q sqldb.Querier, recs []*elementRecord) error {
		if len(recs) == 0 {
			return nil
		}
		return loadSupports(ctx, q, recs[0].orgID, recs)
	},
	List: elementListSchema,
}

func elementName(orgID, id string) string { return resource.NameOf[*pb.Element](orgID, id) }

func teamName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "teams"}, orgID, id)
}

// optionalRef is resource.InOrganisation for a reference that may be
// empty (a vision's parent, a tree without a root): "" stays "".
func optionalRef(field, collection, orgID, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	return resource.InOrganisation(field, collection, orgID, name)
}
