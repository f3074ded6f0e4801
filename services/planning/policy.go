package planning

import "github.com/goldenthread/goldenthread/services/kit/auth"

// policy says what each method asks of its caller: viewers read, planners
// change the plan, and contributors may update (status and progress of
// their teams' elements only: see checkContributorPaths and
// elementsHandler.mayChange).
var policy = auth.Policy{
	"/goldenthread.planning.v1.ElementsService/GetElement":         auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/ListElements":       auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/GetElementThread":   auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/GetElementTree":     auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/GetIntegrityReport": auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/CreateElement":      auth.Planner,
	"/goldenthread.planning.v1.ElementsService/UpdateElement":      auth.Contributor,
	"/goldenthread.planning.v1.ElementsService/DeleteElement":      auth.Planner,
	"/goldenthread.planning.v1.ElementsService/UndeleteElement":    auth.Planner,
}
