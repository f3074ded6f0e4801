package events

import (
	"fmt"
	"slices"
	"strings"
)

// Version is the version of the services' event APIs, in every subject.
const Version = "v1"

// Subject is the NATS subject of a change event:
// {prefix}.{service}.{version}.{org}.{resource}.{change}, e.g.
// goldenthread.teams.v1.north-council.team.created. It names the producer
// (the service whose NATS user alone may publish on it), the organisation
// (so that permissions and subscriptions can be scoped to one; "-" for a
// change of no organisation, such as a platform token) and what changed.
type Subject struct {
	Prefix, Service, Version, Org, Resource, Change string
}

// String is the subject as NATS sees it.
func (s Subject) String() string {
	return strings.Join([]string{s.Prefix, s.Service, s.Version, s.Org, s.Resource, s.Change}, ".")
}

// ParseSubject reads a subject made by Subject.String under prefix.
func ParseSubject(prefix, subject string) (Subject, error) {
	rest, ok := strings.CutPrefix(subject, prefix+".")
	tokens := strings.Split(rest, ".")
	if prefix == "" || !ok || len(tokens) != 5 || slices.Contains(tokens, "") {
		return Subject{}, fmt.Errorf("subject %q is not %s.{service}.{version}.{org}.{resource}.{change}", subject, prefix)
	}
	return Subject{Prefix: prefix, Service: tokens[0], Version: tokens[1], Org: tokens[2], Resource: tokens[3], Change: tokens[4]}, nil
}

// OrganisationEvents is the subscription subject of every service's events
// about one organisation.
func OrganisationEvents(prefix, org string) string {
	return prefix + ".*." + Version + "." + org + ".>"
}
