package planning

import (
	"context"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	kpipb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/kpis/v1"
	orgpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/lookup"
)

// organisations asks the organisations service, as the caller, about the
// organisations a plan's links reach.
type organisations struct {
	orgs   orgpb.OrganisationsServiceClient
	people orgpb.PeopleServiceClient
}

// Owners implements ownerDirectory.
func (o organisations) Owners(ctx context.Context, orgID string) ([]string, error) {
	org, err := o.Organisation(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return org.Owners, nil
}

// Organisation returns the organisation orgID, asked as the caller.
func (o organisations) Organisation(ctx context.Context, orgID string) (*orgpb.Organisation, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	name := "organisations/" + orgID
	org, err := o.orgs.GetOrganisation(ctx, &orgpb.GetOrganisationRequest{Name: name})
	if err != nil {
		return nil, lookup.Failed("the organisations service", name, err)
	}
	return org, nil
}

// RequirePerson implements peopleDirectory.
func (o organisations) RequirePerson(ctx context.Context, field, name string) error {
	return lookup.RequireLive(ctx, "the organisations service", field, "person", name, func(ctx context.Context) (*orgpb.Person, error) {
		return o.people.GetPerson(ctx, &orgpb.GetPersonRequest{Name: name})
	})
}

// Person returns the person called name, asked as the caller.
func (o organisations) Person(ctx context.Context, name string) (*orgpb.Person, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	p, err := o.people.GetPerson(ctx, &orgpb.GetPersonRequest{Name: name})
	if status.Code(err) == codes.NotFound {
		return nil, apierr.NotFound(name)
	}
	if err != nil {
		return nil, lookup.Failed("the organisations service", name, err)
	}
	return p, nil
}

// kpis asks the KPI service, as the caller, about KPIs and their values.
type kpis struct {
	kpis     kpipb.KpisServiceClient
	measures kpipb.MeasurementsServiceClient
}

// KPIs returns the live KPIs of organisation orgID that filter (AIP-160,
// "" for all) selects.
func (k kpis) KPIs(ctx context.Context, orgID, filter string) ([]*kpipb.Kpi, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	org := "organisations/" + orgID
	return lookup.All("the KPI service", org, func(token string) ([]*kpipb.Kpi, string, error) {
		resp, err := k.kpis.ListKpis(ctx, &kpipb.ListKpisRequest{Parent: org, PageSize: 1000, PageToken: token, Filter: filter})
		return resp.GetKpis(), resp.GetNextPageToken(), err
	})
}

// KPIsAt returns the KPIs of organisation orgID that were live at at, as
// they stood then.
func (k kpis) KPIsAt(ctx context.Context, orgID string, at time.Time) ([]*kpipb.Kpi, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	org := "organisations/" + orgID
	return lookup.All("the KPI service", org, func(token string) ([]*kpipb.Kpi, string, error) {
		resp, err := k.kpis.ListKpis(ctx, &kpipb.ListKpisRequest{Parent: org, PageSize: 1000, PageToken: token, AsOf: timestamppb.New(at)})
		return resp.GetKpis(), resp.GetNextPageToken(), err
	})
}

// Recorded returns the live values recorded for organisation orgID's KPIs
// from since until until.
func (k kpis) Recorded(ctx context.Context, orgID string, since, until time.Time) ([]*kpipb.Measurement, error) {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	parent := "organisations/" + orgID + "/kpis/-"
	return lookup.All("the KPI service", parent, func(token string) ([]*kpipb.Measurement, string, error) {
		resp, err := k.measures.ListMeasurements(ctx, &kpipb.ListMeasurementsRequest{Parent: parent, PageSize: 1000, PageToken: token,
			RecordedSince: timestamppb.New(since), RecordedUntil: timestamppb.New(until)})
		return resp.GetMeasurements(), resp.GetNextPageToken(), err
	})
}

// RequireKPI fails unless the KPI called name is live; its errors name
// field.
func (k kpis) RequireKPI(ctx context.Context, field, name string) error {
	return lookup.RequireLive(ctx, "the KPI service", field, "KPI", name, func(ctx context.Context) (*kpipb.Kpi, error) {
		return k.kpis.GetKpi(ctx, &kpipb.GetKpiRequest{Name: name})
	})
}

// Copy makes a KPI of orgID like from, measuring element, without its
// values; requestID makes a retry answer with the copy the first call
// made.
func (k kpis) Copy(ctx context.Context, orgID string, from *kpipb.Kpi, element, requestID string) error {
	ctx, cancel := context.WithTimeout(ctx, lookup.Timeout)
	defer cancel()
	c := &kpipb.Kpi{Title: from.Title, Description: from.Description, Unit: from.Unit, CurrencyCode: from.CurrencyCode,
		Direction: from.Direction, Baseline: from.Baseline, Targets: from.Targets, Thresholds: from.Thresholds, Frequency: from.Frequency,
		Element: element, OwnerTeam: from.OwnerTeam, DataSource: from.DataSource}
	_, err := k.kpis.CreateKpi(ctx, &kpipb.CreateKpiRequest{Parent: "organisations/" + orgID, Kpi: c, RequestId: requestID})
	if err != nil {
		return lookup.Failed("the KPI service", from.Name, err)
	}
	return nil
}
