package planning

import (
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// linkType is the link request as the resource engine finds and stores it;
// a caller changes it only by accepting or declining it.
var linkType = resource.Type[*linkRecord]{
	Table: linksTable,
	List:  linkListSchema,
}
