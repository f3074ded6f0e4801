package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goldenthread/goldenthread/cmd/goldenthread/demo"
)

// TestReportPack renders the demo's report pack as a PDF and reads it back
// with a PDF reader (pdftotext, from poppler-utils): a contents page and
// more, the thematic goals' titles, a KPI's latest value and the page
// numbers are text in it. The HTML variant says the same; bad queries are
// refused naming the parameter.
func TestReportPack(t *testing.T) {
	p, _ := launchDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	org := demo.Organisations[0]
	url := "http://" + p.httpAddr + "/v1/organisations/" + org.ID + ":report"
	var goals []string
	for _, e := range org.Plan {
		if e.Kind == "THEMATIC_GOAL" {
			goals = append(goals, e.Title)
		}
	}
	k := org.KPIs[0]
	latest := strconv.FormatFloat(k.Values[len(k.Values)-1], 'f', -1, 64) + "%"

	get := func(accept, query string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "GET", url+query, nil)
		req.Header.Set("Authorization", "Bearer "+p.adminToken)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	resp, html := get("text/html", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("HTML pack: %d %s %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), html)
	}
	for _, want := range append(goals, org.Name, k.Title, latest, "The golden thread", "What changed") {
		if !strings.Contains(string(html), strings.ReplaceAll(want, "'", "&#39;")) {
			t.Errorf("the HTML pack lacks %q", want)
		}
	}
	for query, field := range map[string]string{"?as_of=yesterday": "as_of", "?team=organisations/other/teams/t": "team",
		"?colour=red": "colour", "?cycle=organisations/other/cycles/c": "cycle"} {
		if resp, body := get("", query); resp.StatusCode != 400 || !strings.Contains(string(body), field) {
			t.Errorf("%s: %d %s, want 400 naming %s", query, resp.StatusCode, body, field)
		}
	}
	if resp, _ := get("image/png", ""); resp.StatusCode != 400 {
		t.Errorf("asked for a PNG: %d, want 400", resp.StatusCode)
	}

	resp, pdf := get("", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Fatalf("PDF pack: %d %s %.100q", resp.StatusCode, resp.Header.Get("Content-Type"), pdf)
	}
	reader, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("PDF pack not read back: no pdftotext (apt-get install poppler-utils)")
	}
	file := filepath.Join(t.TempDir(), "pack.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(ctx, reader, "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	pages := strings.Count(strings.TrimRight(text, "\f"), "\f") + 1
	if pages < 4 {
		t.Errorf("%d pages, want a cover with contents and a page for each section at least", pages)
	}
	for _, want := range append(goals, "Contents", "The golden thread", k.Title, latest, "page 1 of "+strconv.Itoa(pages)) {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("the PDF's text:\n%.4000s", text)
	}
}
