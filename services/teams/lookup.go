package teams

import (
	"errors"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// checkNew asks what every Create asks before it writes: whether the call
// retries an earlier one with the same request_id (prior finds that one's
// record; not asked when requestID is empty) and whether the new name is
// free (existing finds a record already there). It returns the earlier
// record for a retry, or ALREADY_EXISTS.
func checkNew[R any](requestID string, prior, existing func() (R, error), name string) (earlier R, retried bool, err error) {
	if requestID != "" {
		r, err := prior()
		if err == nil {
			return r, true, nil
		}
		if !errors.Is(err, errNotFound) {
			return r, false, err
		}
	}
	r, err := existing()
	switch {
	case err == nil:
		return r, false, apierr.AlreadyExists(name)
	case errors.Is(err, errNotFound):
		return r, false, nil
	}
	return r, false, err
}

// current reads the record a change applies to: NOT_FOUND naming it when
// there is none, ABORTED when the caller's etag is stale.
func current[R any](get func() (R, error), etagOf func(R) string, name, sentEtag string) (R, error) {
	r, err := get()
	if errors.Is(err, errNotFound) {
		return r, apierr.NotFound(name)
	}
	if err != nil {
		return r, err
	}
	return r, resource.CheckEtag(name, sentEtag, etagOf(r))
}
