package planning

import "github.com/goldenthread/goldenthread/services/kit/auth"

// policy says what each method asks of its caller: viewers read, planners
// change the plan; below them, a team lead plans the strategies and
// tactics of their teams' remit (checkRemit), and other contributors may
// update the status and progress of their teams' elements only
// (elementsHandler.mayContribute); an element's owning team posts its
// check-ins (checkInsHandler.mayPost); contributors comment, viewers too
// where the organisation lets them (commentsHandler.mayComment), and only
// a comment's author changes or deletes it. A link request is
// filed in the organisation asked by a planner of the organisation of its
// element.
var policy = auth.Policy{
	"/goldenthread.planning.v1.ElementsService/GetElement":         auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/ListElements":       auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/GetElementThread":   auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/GetElementTree":     auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/GetIntegrityReport": auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/CompareElements":    auth.Viewer,
	"/goldenthread.planning.v1.ElementsService/CreateElement":      auth.Contributor,
	"/goldenthread.planning.v1.ElementsService/UpdateElement":      auth.Contributor,
	"/goldenthread.planning.v1.ElementsService/DeleteElement":      auth.Contributor,
	"/goldenthread.planning.v1.ElementsService/UndeleteElement":    auth.Contributor,

	"/goldenthread.planning.v1.CheckInsService/GetCheckIn":    auth.Viewer,
	"/goldenthread.planning.v1.CheckInsService/ListCheckIns":  auth.Viewer,
	"/goldenthread.planning.v1.CheckInsService/CreateCheckIn": auth.Contributor,

	"/goldenthread.planning.v1.CommentsService/GetComment":    auth.Viewer,
	"/goldenthread.planning.v1.CommentsService/ListComments":  auth.Viewer,
	"/goldenthread.planning.v1.CommentsService/CreateComment": auth.Viewer,
	"/goldenthread.planning.v1.CommentsService/UpdateComment": auth.Contributor,
	"/goldenthread.planning.v1.CommentsService/DeleteComment": auth.Contributor,

	"/goldenthread.planning.v1.WorkService/GetWork":     auth.Viewer,
	"/goldenthread.planning.v1.DigestService/GetDigest": auth.Viewer,

	"/goldenthread.planning.v1.PublicationService/GetPublication":    auth.Viewer,
	"/goldenthread.planning.v1.PublicationService/UpdatePublication": auth.Admin,
	"/goldenthread.planning.v1.PublicationService/GetPublishedPlan":  auth.Public,

	"/goldenthread.planning.v1.CyclesService/GetCycle":    auth.Viewer,
	"/goldenthread.planning.v1.CyclesService/ListCycles":  auth.Viewer,
	"/goldenthread.planning.v1.CyclesService/CreateCycle": auth.Planner,
	"/goldenthread.planning.v1.CyclesService/UpdateCycle": auth.Planner,
	"/goldenthread.planning.v1.CyclesService/CloseCycle":  auth.Planner,

	"/goldenthread.planning.v1.CyclesService/CarryForwardCycle": auth.Planner,

	"/goldenthread.planning.v1.LinkRequestsService/GetLinkRequest":     auth.Viewer,
	"/goldenthread.planning.v1.LinkRequestsService/ListLinkRequests":   auth.Viewer,
	"/goldenthread.planning.v1.LinkRequestsService/CreateLinkRequest":  auth.Planner.In("link_request.element"),
	"/goldenthread.planning.v1.LinkRequestsService/AcceptLinkRequest":  auth.Planner,
	"/goldenthread.planning.v1.LinkRequestsService/DeclineLinkRequest": auth.Planner,
}
