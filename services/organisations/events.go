package organisations

// The organisations service's events are those of its resources' standard
// changes (proto/goldenthread/organisations/v1/events.proto), which
// resource.EventsOf writes: Organisation and Person Created/Updated/
// Deleted/Undeleted, ApiTokenCreated and ApiTokenRevoked.
