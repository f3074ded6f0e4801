package planning

import (
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// cycleCollections are those of a cycle's name:
// organisations/{organisation}/cycles/{cycle}.
var cycleCollections = []string{"organisations", "cycles"}

// cycleType is the planning cycle as the resource engine finds and stores
// it; CloseCycle changes its state.
var cycleType = resource.Type[*cycleRecord]{
	Collections: cycleCollections,
	Table:       cyclesTable,
	List:        cycleListSchema,
	Updatable:   []string{"display_name", "start_date", "end_date"},
}
