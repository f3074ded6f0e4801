package gateway_test

import (
	"strings"
	"testing"
)

// TestReportPackAccess: the report pack is read as the caller: a viewer of
// the organisation gets it, with the plan in it, as HTML or a PDF; another
// organisation's admin gets a 404 and nothing of it. (cmd/goldenthread's
// TestReportPack reads the demo's back.)
func TestReportPackAccess(t *testing.T) {
	b, gw, f := startFixture(t)
	const org = "organisations/org-a"
	vision := f.element(false)
	do(t, &api{Server: gw.Server, token: b.admin}, "PATCH", "/v1/"+vision+"?update_mask=title", `{"title":"A vision for the pack"}`).want(t, 200, "")
	viewer := &api{Server: gw.Server, token: b.auth.Token(t, "viewer")}
	html := do(t, viewer, "GET", "/v1/"+org+":report", "", "Accept", "text/html").want(t, 200, "A vision for the pack")
	if got := html.header.Get("Content-Security-Policy"); got == "" {
		t.Error("the HTML pack has no Content-Security-Policy")
	}
	if got := do(t, viewer, "GET", "/v1/"+org+":report", "", "Accept", "application/pdf").want(t, 200, "%PDF-"); got.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("PDF pack: %s", got.header.Get("Content-Type"))
	}
	other := &api{Server: gw.Server, token: b.auth.Token(t, "admin-b")}
	if got := do(t, other, "GET", "/v1/"+org+":report", "", "Accept", "text/html").want(t, 404, ""); strings.Contains(got.raw, "A vision for the pack") {
		t.Errorf("another organisation's admin read the pack: %s", got.raw)
	}
}

// TestPackMedia: the Accept header chooses the pack's form.
func TestPackMedia(t *testing.T) {
	b, gw, _ := startFixture(t)
	viewer := &api{Server: gw.Server, token: b.auth.Token(t, "viewer")}
	const pdf, html = "application/pdf", "text/html; charset=utf-8"
	for accept, want := range map[string]string{
		"":                pdf,
		"*/*":             pdf,
		"application/pdf": pdf,
		"text/html":       html,
		"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": html,
		"application/pdf;q=0.5, text/html":                                html,
		"text/*, application/pdf":                                         pdf,
		"text/html;q=x, application/pdf":                                  pdf,
		"image/png":                                                       "",
		"text/html;q=0":                                                   "",
	} {
		got := do(t, viewer, "GET", "/v1/organisations/org-a:report", "", "Accept", accept)
		if want == "" {
			got.want(t, 400, "Accept")
		} else if got.code != 200 || got.header.Get("Content-Type") != want {
			t.Errorf("Accept %q: %d %s, want %s", accept, got.code, got.header.Get("Content-Type"), want)
		}
	}
}
