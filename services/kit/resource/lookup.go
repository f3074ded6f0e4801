package resource

import (
	"errors"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
)

// ErrNotFound is what stores return for a row that does not exist; the
// helpers below turn it into the API's answers.
var ErrNotFound = errors.New("not found")

// CheckNew asks what every Create asks before it writes: whether the call
// retries an earlier one with the same request_id (prior finds that one's
// record; not asked when requestID is empty) and whether the new name is
// free (existing finds a record already there). It returns the earlier
// record for a retry, or ALREADY_EXISTS.
func CheckNew[R any](requestID string, prior, existing func() (R, error), name string) (earlier R, retried bool, err error) {
	if requestID != "" {
		r, err := prior()
		if err == nil {
			return r, true, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return r, false, err
		}
	}
	r, err := existing()
	switch {
	case err == nil:
		return r, false, apierr.AlreadyExists(name)
	case errors.Is(err, ErrNotFound):
		return r, false, nil
	}
	return r, false, err
}

// Current reads the record a change applies to: NOT_FOUND naming it when
// there is none, ABORTED when the caller's etag is stale.
func Current[R any](get func() (R, error), etagOf func(R) string, name, sentEtag string) (R, error) {
	r, err := get()
	if errors.Is(err, ErrNotFound) {
		return r, apierr.NotFound(name)
	}
	if err != nil {
		return r, err
	}
	return r, CheckEtag(name, sentEtag, etagOf(r))
}
