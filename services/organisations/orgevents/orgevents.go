// Package orgevents is how the other services follow organisations being
// deleted and restored: each deletes, or restores, what it holds of the
// organisation, naming the organisation as the cause of its changes.
package orgevents

import (
	"context"

	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// Cascade returns the handlers of OrganisationDeleted and
// OrganisationUndeleted that run apply with the organisation's id, each
// change newer than the last one applied (see events.Cascade). lock, when
// not nil, is the service's own lock on what apply changes, taken first.
func Cascade(apply func(ctx context.Context, tx *sqldb.Tx, ids []string, cause string, deleted bool) error,
	lock func(ctx context.Context, tx *sqldb.Tx, ids []string) error) events.Handlers {
	return events.Cascade{Deleted: &orgpb.OrganisationDeleted{}, Undeleted: &orgpb.OrganisationUndeleted{},
		Collections: []string{"organisations"}, Apply: apply, Lock: lock}.Handlers()
}
