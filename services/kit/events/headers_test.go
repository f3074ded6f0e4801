package events

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

func TestHeaderValuesArePercentEncoded(t *testing.T) {
	for _, c := range []struct{ value, encoded string }{
		// The binding's own example (section 3.1.3.2).
		{"Euro € 😀", "Euro%20%E2%82%AC%20%F0%9F%98%80"},
		{`say "100%"`, "say%20%22100%25%22"},
		{"tab\there", "tab%09here"},
		// What the producers write: nothing to encode.
		{"organisations/north-council/teams/ops", "organisations/north-council/teams/ops"},
		{"2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:05.123456Z"},
		{"//goldenthread/teams", "//goldenthread/teams"},
		{"", ""},
	} {
		if got := encodeHeaderValue(c.value); got != c.encoded {
			t.Errorf("encode %q = %q, want %q", c.value, got, c.encoded)
		}
		if got, err := decodeHeaderValue(c.encoded); err != nil || got != c.value {
			t.Errorf("decode %q = %q, %v; want %q", c.encoded, got, err, c.value)
		}
	}
}

func TestHeaderValuesDecodeAsTheBindingSays(t *testing.T) {
	for _, c := range []struct{ encoded, value string }{
		{"Euro%20%e2%82%ac", "Euro €"},                     // lower-case hex
		{"%61%62c", "abc"},                                 // needlessly encoded
		{`"quoted \"value\" here"`, `quoted "value" here`}, // older binding versions
		{"raw space", "raw space"},                         // as an encoder that encodes nothing writes it
	} {
		if got, err := decodeHeaderValue(c.encoded); err != nil || got != c.value {
			t.Errorf("decode %q = %q, %v; want %q", c.encoded, got, err, c.value)
		}
	}
	for _, bad := range []string{
		"%C0%A0", // an overlong space: not UTF-8, which the binding says to reject
		"%FF",
		"50%",
		"%4",
		"%zz",
		`"a"b"`,
		`"a\"`,
	} {
		if got, err := decodeHeaderValue(bad); err == nil {
			t.Errorf("decode %q = %q, want an error", bad, got)
		}
	}
}

// FromMsg reads the binding's headers and the form releases before it
// wrote (datacontenttype in content-type), and Msg writes both, so that
// consumers of either release read events of the other.
func TestFromMsgReadsTheBindingAndTheOldForm(t *testing.T) {
	when := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	want := Event{ID: "e1", Source: "//goldenthread/test", Type: "goldenthread.test.v1.Thing", Subject: "things/a b",
		Time: when, Data: []byte("x"), NATSSubject: "p.test.v1.org.thing.created"}
	headers := func(kv ...string) nats.Header {
		h := nats.Header{}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = []string{kv[i+1]}
		}
		return h
	}
	common := []string{"ce-specversion", "1.0", "ce-id", "e1", "ce-source", "//goldenthread/test",
		"ce-type", "goldenthread.test.v1.Thing", "ce-time", "2026-01-02T03:04:05.000006Z"}
	for name, h := range map[string]nats.Header{
		"written by Msg": want.Msg().Header,
		"the binding's":  headers(append(common, "ce-subject", "things/a%20b", "ce-datacontenttype", "application/protobuf")...),
		"the old form":   headers(append(common, "ce-subject", "things/a b", "content-type", "application/protobuf")...),
		"names in capitals": headers("Ce-Specversion", "1.0", "CE-ID", "e1", "Ce-Source", "//goldenthread/test",
			"Ce-Type", "goldenthread.test.v1.Thing", "Ce-Time", "2026-01-02T03:04:05.000006Z",
			"Ce-Subject", "things/a%20b", "Ce-Datacontenttype", "application/protobuf"),
	} {
		got, err := FromMsg(want.NATSSubject, h, []byte("x"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.ID != want.ID || got.Source != want.Source || got.Type != want.Type || got.Subject != want.Subject ||
			!got.Time.Equal(want.Time) || string(got.Data) != "x" || got.NATSSubject != want.NATSSubject {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}

	m := want.Msg()
	for name, value := range map[string]string{HeaderDataContentType: ContentTypeProtobuf, HeaderContentType: ContentTypeProtobuf,
		HeaderSubject: "things/a%20b", nats.MsgIdHdr: "e1"} {
		if got := m.Header.Get(name); got != value {
			t.Errorf("Msg writes %s %q, want %q", name, got, value)
		}
	}
}

func TestFromMsgRefuses(t *testing.T) {
	good := Event{ID: "e1", Source: "//goldenthread/test", Type: "goldenthread.test.v1.Thing", Subject: "things/a",
		Time: time.Now(), NATSSubject: "p.test.v1.org.thing.created"}
	for name, change := range map[string]func(h nats.Header){
		"structured mode":       func(h nats.Header) { h.Set(HeaderContentType, "application/cloudevents+json") },
		"another content type":  func(h nats.Header) { h.Set(HeaderDataContentType, "application/json") },
		"no content type":       func(h nats.Header) { h.Del(HeaderDataContentType); h.Del(HeaderContentType) },
		"another spec version":  func(h nats.Header) { h.Set(HeaderSpecVersion, "0.3") },
		"no id":                 func(h nats.Header) { h.Del(HeaderID) },
		"a bad time":            func(h nats.Header) { h.Set(HeaderTime, "yesterday") },
		"a bad percent-escape":  func(h nats.Header) { h.Set(HeaderSubject, "things/100%") },
		"percent-encoded bytes": func(h nats.Header) { h.Set(HeaderType, "goldenthread.test.v1.%C0%A0") },
	} {
		m := good.Msg()
		change(m.Header)
		if e, err := FromMsg(m.Subject, m.Header, nil); err == nil {
			t.Errorf("%s: read as %+v", name, e)
		} else if name == "structured mode" && !strings.Contains(err.Error(), "structured") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
