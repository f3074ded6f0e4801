package planning

import (
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// linkCollections are those of a link request's name:
// organisations/{organisation}/linkRequests/{link_request}.
var linkCollections = []string{"organisations", "linkRequests"}

// linkType is the link request as the resource engine finds and stores it;
// a caller changes it only by accepting or declining it.
var linkType = resource.Type[*linkRecord]{
	Collections: linkCollections,
	Table:       linksTable,
	List:        linkListSchema,
}
