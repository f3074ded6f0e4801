package egress

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestCheckURL: schemes, user information and non-public addresses are
// refused unless allowed.
func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	strict, open := Policy{}, Policy{AllowPrivate: true, AllowHTTP: true}
	for raw, ok := range map[string]bool{
		"https://8.8.8.8/hook":        true,
		"http://8.8.8.8/hook":         false,
		"ftp://8.8.8.8/":              false,
		"https://user:pw@8.8.8.8/":    false,
		"https://127.0.0.1/":          false,
		"https://localhost/":          false,
		"https://10.1.2.3/":           false,
		"https://192.168.1.1/":        false,
		"https://169.254.169.254/":    false,
		"https://[::1]/":              false,
		"https://[fe80::1]/":          false,
		"https://[::ffff:127.0.0.1]/": false,
		"https://100.64.0.1/":         false,
		"https://0.0.0.0/":            false,
		"/relative":                   false,
		"https://8.8.8.8/#frag":       false,
	} {
		err := strict.CheckURL(ctx, raw)
		if (err == nil) != ok || (err != nil && !errors.Is(err, ErrRefused)) {
			t.Errorf("%s: %v, want allowed %v", raw, err, ok)
		}
	}
	if err := open.CheckURL(ctx, "http://127.0.0.1:9/hook"); err != nil {
		t.Errorf("allowed private http: %v", err)
	}
}

// TestClient: the client refuses to connect to a loopback receiver unless
// allowed, and follows no redirect.
func TestClient(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/away" {
			http.Redirect(w, r, "/there", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer target.Close()
	if _, err := (Policy{AllowHTTP: true}).Client(time.Second).Get(target.URL); err == nil || !errors.Is(err, ErrRefused) {
		t.Errorf("a loopback receiver without AllowPrivate: %v, want refused", err)
	}
	client := Policy{AllowHTTP: true, AllowPrivate: true}.Client(time.Second)
	resp, err := client.Get(target.URL + "/away")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("a redirect: %d, want the 302 itself", resp.StatusCode)
	}
}
