package organisations

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
)

// collection is the resource name's collection: organisations/{organisation}.
var collection = []string{"organisations"}

// updatable lists the fields UpdateOrganisation may change, in API order.
var updatable = []string{"display_name", "description", "kind", "owners", "website"}

// parseName returns the id in an organisation's name, or INVALID_ARGUMENT
// naming field.
func parseName(field, name string) (string, error) {
	ids, err := resourcename.Parse(name, collection...)
	if err != nil {
		return "", apierr.InvalidArgument(field, err.Error())
	}
	return ids[0], nil
}

// applyMask returns current with the fields in paths taken from change.
func applyMask(current, change *pb.Organisation, paths []string) *pb.Organisation {
	next := proto.CloneOf(current)
	for _, p := range paths {
		switch p {
		case "display_name":
			next.DisplayName = change.DisplayName
		case "description":
			next.Description = change.Description
		case "kind":
			next.Kind = change.Kind
		case "owners":
			next.Owners = slices.Clone(change.Owners)
		case "website":
			next.Website = change.Website
		}
	}
	return next
}

// changed reports whether an update would alter any stored field.
func changed(a, b *pb.Organisation) bool {
	return a.DisplayName != b.DisplayName || a.Description != b.Description || a.Kind != b.Kind ||
		!slices.Equal(a.Owners, b.Owners) || a.Website != b.Website
}

// ownerIDs returns the ids of an organisation's owners, rejecting the
// organisation itself. Names were checked by the proto's rules.
func ownerIDs(selfID string, owners []string) ([]string, error) {
	ids := make([]string, 0, len(owners))
	for _, o := range owners {
		id, err := parseName("organisation.owners", o)
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
