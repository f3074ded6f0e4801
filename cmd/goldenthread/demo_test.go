package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/goldenthread/goldenthread/cmd/goldenthread/demo"
	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/broker/brokertest"
)

// TestDemo loads the example: every KPI has live values (none overdue or
// without data), and loading again — with or without the marker —
// duplicates nothing.
func TestDemo(t *testing.T) {
	p, dataDir := launchDemo(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dataDir, demoMarker)); err != nil {
		t.Fatalf("no marker after loading: %v", err)
	}
	base := "http://" + p.httpAddr + "/v1/organisations/"
	// snapshot counts what there is; complete says the whole example
	// should be there.
	snapshot := func(complete bool) map[string]int {
		counts := map[string]int{}
		for _, o := range demo.Organisations {
			for _, what := range []string{"teams", "people", "elements", "kpis"} {
				_, body := httpDo(t, p.adminToken, "GET", base+o.ID+"/"+what+"?page_size=1000", "")
				var page map[string][]json.RawMessage
				_ = json.Unmarshal([]byte(body), &page)
				counts[o.ID+"/"+what] = len(page[what])
			}
			for _, k := range o.KPIs {
				_, body := httpDo(t, p.adminToken, "GET", base+o.ID+"/kpis/"+k.ID+"/measurements?page_size=1000", "")
				var page struct{ Measurements []json.RawMessage }
				_ = json.Unmarshal([]byte(body), &page)
				counts[k.ID] = len(page.Measurements)
				if complete && len(page.Measurements) != len(k.Values) {
					t.Errorf("%s: %d values, want %d", k.ID, len(page.Measurements), len(k.Values))
				}
				_, body = httpDo(t, p.adminToken, "GET", base+o.ID+"/kpis/"+k.ID, "")
				var kpi struct{ Status string }
				_ = json.Unmarshal([]byte(body), &kpi)
				if complete && (kpi.Status == "KPI_STATUS_OVERDUE" || kpi.Status == "KPI_STATUS_NO_DATA") {
					t.Errorf("%s is %s", k.ID, kpi.Status)
				}
			}
			if complete && (counts[o.ID+"/elements"] != len(o.Plan) || counts[o.ID+"/kpis"] != len(o.KPIs)) {
				t.Errorf("%s: %v", o.ID, counts)
			}
		}
		return counts
	}
	before := snapshot(true)

	// Loading again through the API completes nothing twice.
	conn, err := grpc.NewClient(p.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := demo.Load(auth.WithCredential(ctx, p.adminToken), conn, time.Now()); err != nil {
		t.Fatalf("second load: %v", err)
	}
	// With the marker, a restart with -demo leaves the data alone, even
	// an example someone has changed since.
	httpDo(t, p.adminToken, "DELETE", base+"northshire-care/kpis/awards-given", "")
	if err := loadDemo(ctx, p, dataDir, brokertest.Logger()); err != nil {
		t.Fatal(err)
	}
	after := snapshot(false)
	before["northshire-care/kpis"]--
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %d after loading again, %d before", k, after[k], v)
		}
	}
}

// launchDemo starts the all-in-one on a data directory of its own, which
// it returns, and loads the example into it.
func launchDemo(t *testing.T) (*process, string) {
	t.Helper()
	dataDir := t.TempDir()
	p, _ := launch(t, dataDir)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := loadDemo(ctx, p, dataDir, brokertest.Logger()); err != nil {
		t.Fatal(err)
	}
	return p, dataDir
}
