package teams

import "github.com/goldenthread/goldenthread/services/kit/auth"

// policy says what each method asks of its caller: viewers read, admins
// change teams and memberships.
var policy = auth.Policy{
	"/goldenthread.teams.v1.TeamsService/GetTeam":           auth.Viewer,
	"/goldenthread.teams.v1.TeamsService/ListTeams":         auth.Viewer,
	"/goldenthread.teams.v1.TeamsService/ListTeamAncestors": auth.Viewer,
	"/goldenthread.teams.v1.TeamsService/GetTeamSubtree":    auth.Viewer,
	"/goldenthread.teams.v1.TeamsService/CreateTeam":        auth.Admin,
	"/goldenthread.teams.v1.TeamsService/UpdateTeam":        auth.Admin,
	"/goldenthread.teams.v1.TeamsService/DeleteTeam":        auth.Admin,
	"/goldenthread.teams.v1.TeamsService/UndeleteTeam":      auth.Admin,

	"/goldenthread.teams.v1.MembersService/GetMember":    auth.Viewer,
	"/goldenthread.teams.v1.MembersService/ListMembers":  auth.Viewer,
	"/goldenthread.teams.v1.MembersService/CreateMember": auth.Admin,
	"/goldenthread.teams.v1.MembersService/UpdateMember": auth.Admin,
	"/goldenthread.teams.v1.MembersService/DeleteMember": auth.Admin,
}
