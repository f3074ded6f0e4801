package planning

import (
	"context"

	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// plannerRole is the least role that changes the plan freely.
const plannerRole = identitypb.Role_ROLE_PLANNER

// elementUpdatable lists the fields UpdateElement may change; the level is
// fixed so that a parent is always exactly one level up and the thread can
// never loop.
var (
	elementUpdatable = []string{"objective_kind", "title", "description", "owner_team", "start_date", "end_date",
		"status", "priority_rank", "progress", "parent", "supports", "thematic_goal", "check_in_frequency", "cycle"}
	// contributorFields are what a contributor may change, on elements their
	// teams own.
	contributorFields = []string{"status", "progress"}
)

// elementCollections are those of an element's name:
// organisations/{organisation}/elements/{element}.
var elementCollections = []string{"organisations", "elements"}

// elementType is the element as the resource engine finds and stores it:
// its row with what it supports.
var elementType = resource.Type[*elementRecord]{
	Collections: elementCollections,
	Table:       elementRows,
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
	List:      elementListSchema,
	Updatable: elementUpdatable,
}

func elementName(orgID, id string) string { return resourcename.Format(elementCollections, orgID, id) }

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
