package planning

import (
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// checkInType is the check-in as the resource engine finds and stores it:
// posted, never changed.
var checkInType = resource.Type[*checkInRecord]{
	Table: checkInsTable,
	List:  checkInListSchema,
}
