package resource

import (
	"context"
	"errors"
	"fmt"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/idempotency"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// ErrNotFound is what stores return for a row that does not exist; the
// helpers below turn it into the API's answers.
var ErrNotFound = errors.New("not found")

// checkNew asks what every Create asks before it writes: whether the call
// retries an earlier one with the same idempotency key, and then returns
// the resource that one made (INVALID_ARGUMENT naming request_id when the
// earlier call was a different request), and whether the new id is free
// (ALREADY_EXISTS naming the new resource when not). get reads the resource
// with an id in the collection the key belongs to.
func checkNew[R any](ctx context.Context, q sqldb.Querier, key idempotency.Key, id string, get func(id string) (R, error), name string) (earlier R, retried bool, err error) {
	priorID, found, err := key.Earlier(ctx, q)
	if errors.Is(err, idempotency.ErrReused) {
		return earlier, false, apierr.InvalidArgument("request_id", err.Error())
	}
	if err != nil {
		return earlier, false, err
	}
	if found {
		// Resources are deleted softly, so the earlier one is still there.
		if earlier, err = get(priorID); err != nil {
			return earlier, false, fmt.Errorf("resource made by request_id: %w", err)
		}
		return earlier, true, nil
	}
	r, err := get(id)
	switch {
	case err == nil:
		return r, false, apierr.AlreadyExists(name)
	case errors.Is(err, ErrNotFound):
		return r, false, nil
	}
	return r, false, err
}
