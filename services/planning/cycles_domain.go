package planning

import (
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// cycleType is the planning cycle as the resource engine finds and stores
// it; CloseCycle changes its state.
var cycleType = resource.Type[*cycleRecord]{
	Table: cyclesTable,
	List:  cycleListSchema,
}
