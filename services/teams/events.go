package teams

// The teams service's events are those of its resources' standard changes
// (proto/goldenthread/teams/v1/events.proto), which resource.EventsOf
// writes: TeamCreated/Updated/Deleted/Undeleted and MemberAdded/Updated/
// Removed (a membership that has ended is never restored).
