package organisations

import (
	"strings"

	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// organisationType is the organisation as the resource engine finds and
// stores it. UpdateOrganisation may change the fields of Updatable, in API
// order; CreateOrganisation takes the same fields from its request.
var organisationType = resource.Type[*orgRecord]{
	Table:  organisationsTable,
	Insert: insertOrganisation,
	Save:   saveOrganisation,
}

// ownerIDs returns the ids of an organisation's owners, rejecting the
// organisation itself. Names were checked by the proto's rules.
func ownerIDs(selfID string, owners []string) ([]string, error) {
	ids := make([]string, 0, len(owners))
	for _, o := range owners {
		id, err := resource.ParseOrganisation("organisation.owners", o)
		if err != nil {
			return nil, err
		}
		if id == selfID {
			return nil, apierr.InvalidArgument("organisation.owners", "an organisation cannot own itself")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// missingOwners reports owners that are not live organisations.
func missingOwners(owners []string, live map[string]bool) error {
	var missing []string
	for _, o := range owners {
		if !live[strings.TrimPrefix(o, "organisations/")] {
			missing = append(missing, o)
		}
	}
	if len(missing) > 0 {
		return apierr.InvalidArgument("organisation.owners",
			"no such organisation (or it is deleted): "+strings.Join(missing, ", "))
	}
	return nil
}
