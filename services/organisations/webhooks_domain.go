package organisations

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"regexp"
	"strconv"
	"strings"
	"time"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/egress"
	"github.com/goldenthread/goldenthread/services/kit/resource"
)

// webhookType is the webhook as the resource engine finds and stores it.
var webhookType = resource.Type[*webhookRecord]{
	Table: webhooksTable,
	List:  webhookListSchema,
}

// DefaultWebhookRetries are the waits before each retry of a delivery
// that failed: more than a day in all, after which the delivery has
// failed and so, persistently, has the webhook (it is disabled).
var DefaultWebhookRetries = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 8 * time.Hour, 10 * time.Hour}

// WebhookOptions are the operator's settings for webhooks.
type WebhookOptions struct {
	// Egress says which URLs a webhook may have: private addresses and
	// plain http only where allowed.
	Egress egress.Policy
	// Retries are the waits before each retry of a failed delivery;
	// nil: DefaultWebhookRetries.
	Retries []time.Duration
	// Timeout bounds each attempt; 0: 10 seconds.
	Timeout time.Duration
}

// eventTypePattern is what an event type filter may be: a full event
// name, or a prefix of one ending in *.
var eventTypePattern = regexp.MustCompile(`^goldenthread(\.[A-Za-z0-9_]+)*(\.\*|\.[A-Za-z0-9_]+\*?)$`)

// checkWebhook enforces a webhook's rules beyond its proto's: a URL the
// operator's policy allows, and event types that can match.
func checkWebhook(ctx context.Context, policy egress.Policy, w *pb.Webhook) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := policy.CheckURL(ctx, w.Url); err != nil {
		return apierr.InvalidArgument("webhook.url", strings.TrimPrefix(err.Error(), egress.ErrRefused.Error()+": "))
	}
	for i, t := range w.EventTypes {
		if !eventTypePattern.MatchString(t) {
			return apierr.InvalidArgument("webhook.event_types["+strconv.Itoa(i)+"]",
				"must be an event type, e.g. goldenthread.planning.v1.ElementUpdated, or a prefix of one ending in *, e.g. goldenthread.kpis.v1.*")
		}
	}
	return nil
}

// wants says whether a webhook with these event types is sent an event of
// type t: every event when there are none.
func wants(types []string, t string) bool {
	if len(types) == 0 {
		return true
	}
	for _, want := range types {
		if prefix, ok := strings.CutSuffix(want, "*"); ok && strings.HasPrefix(t, prefix) || want == t {
			return true
		}
	}
	return false
}

// webhookSecretPrefix starts a signing secret (Standard Webhooks).
const webhookSecretPrefix = "whsec_"

// newWebhookSecret returns a new signing secret: 32 random bytes.
func newWebhookSecret() string {
	var raw [32]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24+).
	return webhookSecretPrefix + base64.StdEncoding.EncodeToString(raw[:])
}

// sign is the webhook-signature header of a delivery (Standard Webhooks):
// "v1," and the base64 HMAC-SHA256, keyed by the secret's bytes, of the
// message id, the timestamp (Unix seconds) and the body, joined by dots.
func sign(secret, id string, timestamp int64, body []byte) string {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, webhookSecretPrefix))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp, 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// WebhookFlags defines the operator's webhook settings on fs: their
// values, once fs is parsed, are options'.
func WebhookFlags(fs *flag.FlagSet) (options func() WebhookOptions) {
	private := fs.Bool("webhooks-allow-private", false, "let webhooks reach private, loopback and link-local addresses (receivers inside the deployment)")
	plain := fs.Bool("webhooks-allow-http", false, "let webhooks have plain http URLs, beside https ones")
	return func() WebhookOptions {
		return WebhookOptions{Egress: egress.Policy{AllowPrivate: *private, AllowHTTP: *plain}}
	}
}
