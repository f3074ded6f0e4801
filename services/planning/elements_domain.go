package planning

import (
	identitypb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/identity/v1"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// plannerRole is the least role that changes the plan freely.
const plannerRole = identitypb.Role_ROLE_PLANNER

// elementUpdatable lists the fields UpdateElement may change; the level is
// fixed so that a parent is always exactly one level up and the thread can
// never loop.
var (
	elementUpdatable = []string{"objective_kind", "title", "description", "owner_team", "start_date", "end_date",
		"status", "priority_rank", "progress", "parent", "supports", "thematic_goal"}
	elementComputed = []string{"level", "health", "kpi_health", "owner_team_deleted"}
	// contributorFields are what a contributor may change, on elements their
	// teams own.
	contributorFields = []string{"status", "progress"}
)

func elementName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "elements"}, orgID, id)
}

func teamName(orgID, id string) string {
	return resourcename.Format([]string{"organisations", "teams"}, orgID, id)
}

// parseElementName returns the ids in organisations/{o}/elements/{e}, or
// INVALID_ARGUMENT naming field.
func parseElementName(field, name string) (orgID, id string, err error) {
	ids, err := resource.ParseName(field, name, "organisations", "elements")
	if err != nil {
		return "", "", err
	}
	return ids[0], ids[1], nil
}

// optionalRef is resource.InOrganisation for a reference that may be
// empty (a vision's parent, a tree without a root): "" stays "".
func optionalRef(field, collection, orgID, name string) (string, error) {
	if name == "" {
		return "", nil
	}
	return resource.InOrganisation(field, collection, orgID, name)
}
