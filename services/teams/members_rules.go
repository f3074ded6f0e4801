package teams

import (
	"slices"

	"google.golang.org/genproto/googleapis/type/date"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/teams/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/dates"
)

// The rules of a membership's term and of who may join a team, as pure
// functions testable without a database (members_rules_test.go). Whether
// an update changes anything at all is the resource engine's rule, the
// same for every resource: proto.Equal once the mask is applied.

// newMembership is the membership a CreateMember asks for, named name: its
// person, role and dates as sent, starting today unless it says otherwise.
func newMembership(name string, m *pb.Member, today *date.Date) *pb.Member {
	start := m.StartDate
	if start == nil {
		start = today
	}
	return &pb.Member{Name: name, Person: m.Person, Role: m.Role, StartDate: start, EndDate: m.EndDate}
}

// checkTerm fails unless a membership has a start date, its dates are
// calendar dates, and it ends, when it has an end, on or after the day it
// starts.
func checkTerm(m *pb.Member) error {
	if err := dates.Check("member.start_date", m.StartDate); err != nil {
		return err
	}
	if m.EndDate == nil {
		return nil
	}
	if err := dates.Check("member.end_date", m.EndDate); err != nil {
		return err
	}
	if dates.Format(m.EndDate) < dates.Format(m.StartDate) {
		return apierr.InvalidArgument("member.end_date", "is before start_date "+dates.Format(m.StartDate))
	}
	return nil
}

// checkPersonKept fails when an update asks to change a membership's
// person (mask is the update's own, before MaskPaths drops person from
// it): the person is fixed, and another person joins through a membership
// of their own. A mask may name person with the person it has, as REST
// clients that send the whole resource do.
func checkPersonKept(current, change *pb.Member, mask []string) error {
	if slices.Contains(mask, "person") && change.Person != current.Person {
		return apierr.InvalidArgument("member.person", "cannot be changed; end this membership and add the other person")
	}
	return nil
}

// checkJoin lets a person join the team parent, as team, unless the team
// is deleted or the person is a member of it already: existing is their
// live membership of it, nil when there is none.
func checkJoin(parent string, team *teamRecord, existing *memberRecord) error {
	if team.Msg.DeleteTime != nil {
		return apierr.FailedPrecondition(parent, "is deleted")
	}
	if existing != nil {
		return apierr.AlreadyExists(existing.Msg.Name)
	}
	return nil
}

// endOfTerm is the end date of a membership that ends on day today: the
// end date it has when that has come already, else today.
func endOfTerm(m *pb.Member, today *date.Date) *date.Date {
	if m.EndDate != nil && dates.Format(m.EndDate) <= dates.Format(today) {
		return m.EndDate
	}
	return today
}
