package resource

import (
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// ParseName splits the name in a request's field into the ids of
// collections (see resourcename.Parse), or fails with INVALID_ARGUMENT
// naming field.
func ParseName(field, name string, collections ...string) ([]string, error) {
	ids, err := resourcename.Parse(name, collections...)
	if err != nil {
		return nil, apierr.InvalidArgument(field, err.Error())
	}
	return ids, nil
}

// ParseOrganisation returns the id in organisations/{organisation}, or
// INVALID_ARGUMENT naming field.
func ParseOrganisation(field, name string) (string, error) {
	ids, err := ParseName(field, name, "organisations")
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// InOrganisation returns the id in a reference to a resource of collection
// (organisations/{org}/{collection}/{id}) that must belong to the
// organisation orgID, or INVALID_ARGUMENT naming field: a request may not
// point into another organisation.
func InOrganisation(field, collection, orgID, name string) (string, error) {
	ids, err := ParseName(field, name, "organisations", collection)
	if err != nil {
		return "", err
	}
	if ids[0] != orgID {
		return "", apierr.InvalidArgument(field, "must belong to organisations/"+orgID)
	}
	return ids[1], nil
}
