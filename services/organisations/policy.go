package organisations

import (
	"github.com/goldenthread/goldenthread/services/kit/auth"
)

// policy says what each method asks of its caller (see AccessService in
// access.proto for the roles). ListOrganisations is open to every caller and
// lists only the organisations where the caller has a role.
var policy = auth.Policy{
	"/goldenthread.organisations.v1.OrganisationsService/GetOrganisation":      auth.Viewer,
	"/goldenthread.organisations.v1.OrganisationsService/ListOrganisations":    auth.AnyCaller,
	"/goldenthread.organisations.v1.OrganisationsService/CreateOrganisation":   auth.Platform,
	"/goldenthread.organisations.v1.OrganisationsService/UpdateOrganisation":   auth.Admin,
	"/goldenthread.organisations.v1.OrganisationsService/DeleteOrganisation":   auth.Platform,
	"/goldenthread.organisations.v1.OrganisationsService/UndeleteOrganisation": auth.Platform,

	"/goldenthread.organisations.v1.PeopleService/GetPerson":      auth.Viewer,
	"/goldenthread.organisations.v1.PeopleService/ListPeople":     auth.Viewer,
	"/goldenthread.organisations.v1.PeopleService/CreatePerson":   auth.Admin,
	"/goldenthread.organisations.v1.PeopleService/UpdatePerson":   auth.Admin,
	"/goldenthread.organisations.v1.PeopleService/DeletePerson":   auth.Admin,
	"/goldenthread.organisations.v1.PeopleService/UndeletePerson": auth.Admin,

	"/goldenthread.organisations.v1.AccessService/CreateApiToken": auth.Admin,
	"/goldenthread.organisations.v1.AccessService/GetApiToken":    auth.Admin,
	"/goldenthread.organisations.v1.AccessService/ListApiTokens":  auth.Admin,
	"/goldenthread.organisations.v1.AccessService/DeleteApiToken": auth.Admin,
	"/goldenthread.identity.v1.CallerService/GetCaller":           auth.AnyCaller,

	"/goldenthread.organisations.v1.WebhooksService/CreateWebhook":  auth.Admin,
	"/goldenthread.organisations.v1.WebhooksService/GetWebhook":     auth.Admin,
	"/goldenthread.organisations.v1.WebhooksService/ListWebhooks":   auth.Admin,
	"/goldenthread.organisations.v1.WebhooksService/UpdateWebhook":  auth.Admin,
	"/goldenthread.organisations.v1.WebhooksService/DeleteWebhook":  auth.Admin,
	"/goldenthread.organisations.v1.WebhooksService/TestWebhook":    auth.Admin,
	"/goldenthread.organisations.v1.WebhooksService/ListDeliveries": auth.Admin,
}
