package planning

import (
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// checkInCollections are those of a check-in's name:
// organisations/{organisation}/elements/{element}/checkIns/{check_in}.
var checkInCollections = []string{"organisations", "elements", "checkIns"}

// checkInType is the check-in as the resource engine finds and stores it:
// posted, never changed.
var checkInType = resource.Type[*checkInRecord]{
	Collections: checkInCollections,
	Table:       checkInsTable,
	List:        checkInListSchema,
}
