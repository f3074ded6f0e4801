package organisations

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	pb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/organisations/v1"
	"github.com/goldenthread/goldenthread/services/kit/apierr"
	"github.com/goldenthread/goldenthread/services/kit/events"
	"github.com/goldenthread/goldenthread/services/kit/resource"
	"github.com/goldenthread/goldenthread/services/kit/resourcename"
	"github.com/goldenthread/goldenthread/services/kit/sqldb"
)

// webhooksHandler is the gRPC surface of WebhooksService: the standard
// methods are the resource engine's; the sender (webhooks_delivery.go)
// sends what the intake queues.
type webhooksHandler struct {
	pb.UnimplementedWebhooksServiceServer
	webhooks resource.Engine[*webhookRecord, *pb.Webhook]
	options  WebhookOptions
	// wake tells the sender there is a delivery to send.
	wake func()
}

func (h *webhooksHandler) CreateWebhook(ctx context.Context, req *pb.CreateWebhookRequest) (*pb.CreateWebhookResponse, error) {
	secret := newWebhookSecret()
	w, err := h.webhooks.Create(ctx, resource.Creation[*webhookRecord]{Parent: req.Parent, ID: req.WebhookId,
		New: func(ids []string) (*webhookRecord, error) {
			w := &pb.Webhook{Name: webhookType.Name(ids...), DisplayName: req.Webhook.GetDisplayName(), Url: req.Webhook.GetUrl(),
				EventTypes: req.Webhook.GetEventTypes(), Enabled: true, Format: req.Webhook.GetFormat()}
			return &webhookRecord{Stored: resource.Hold(w), orgID: ids[0], id: ids[1], secret: secret}, checkWebhook(ctx, h.options.Egress, w)
		}})
	if err != nil {
		return nil, err
	}
	return &pb.CreateWebhookResponse{Webhook: w, Secret: secret}, nil
}

func (h *webhooksHandler) UpdateWebhook(ctx context.Context, req *pb.UpdateWebhookRequest) (*pb.Webhook, error) {
	c, err := h.webhooks.Patch(req.Webhook, req.UpdateMask.GetPaths())
	if err != nil {
		return nil, err
	}
	return h.webhooks.Update(ctx, c, func(current *webhookRecord) (*webhookRecord, error) {
		next := resource.With(current, resource.ApplyMask(current.Msg, req.Webhook, c.Paths))
		if next.Msg.Enabled {
			// Enabled again, by a caller: the failures are behind it.
			next.Msg.DisabledReason = ""
		}
		return next, checkWebhook(ctx, h.options.Egress, next.Msg)
	})
}

func (h *webhooksHandler) DeleteWebhook(ctx context.Context, req *pb.DeleteWebhookRequest) (*pb.Webhook, error) {
	return h.webhooks.Delete(ctx, req.Name, req.Etag, resource.Hooks[*webhookRecord]{})
}

// testEventType is the type of TestWebhook's event.
var testEventType = string(proto.MessageName(&pb.WebhookTested{}))

func (h *webhooksHandler) TestWebhook(ctx context.Context, req *pb.TestWebhookRequest) (*pb.Delivery, error) {
	ids, err := webhookType.Parse("name", req.Name)
	if err != nil {
		return nil, err
	}
	w, err := h.webhooks.Get(ctx, req.Name)
	if err != nil {
		return nil, err
	}
	if w.DeleteTime != nil {
		return nil, apierr.NotFound(req.Name)
	}
	now := time.Now().UTC()
	id := resourcename.NewID()
	var d *delivery
	err = h.webhooks.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		test := &body{f: eventFields{id: id, source: events.ServiceSource(serviceName), typ: testEventType, subject: req.Name, time: now},
			orgID: ids[0], payload: &pb.WebhookTested{Webhook: req.Name}}
		var err error
		if d, err = test.delivery(ctx, tx, ids[1], w.Format); err != nil {
			return err
		}
		d.seq = now.UnixMicro()
		return queueDelivery(ctx, tx, d)
	})
	if err != nil {
		return nil, err
	}
	h.wake()
	return d.message(), nil
}

func (h *webhooksHandler) ListDeliveries(ctx context.Context, req *pb.ListDeliveriesRequest) (*pb.ListDeliveriesResponse, error) {
	ids, err := webhookType.Parse("parent", req.Parent)
	if err != nil {
		return nil, err
	}
	if _, err := h.webhooks.Get(ctx, req.Parent); err != nil {
		return nil, err
	}
	afterSeq, afterID, err := deliveryToken(req.PageToken)
	if err != nil {
		return nil, err
	}
	size := int(req.PageSize)
	switch {
	case size == 0:
		size = 50
	case size > 1000:
		size = 1000
	}
	page, err := deliveryLog(ctx, h.webhooks.DB, ids[0], ids[1], afterSeq, afterID, size+1)
	if err != nil {
		return nil, err
	}
	resp := &pb.ListDeliveriesResponse{}
	if len(page) > size {
		page = page[:size]
		last := page[size-1]
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(last.seq, 10) + "/" + last.id))
	}
	for _, d := range page {
		resp.Deliveries = append(resp.Deliveries, d.message())
	}
	return resp, nil
}

// deliveryToken reads a ListDeliveries page token: the last delivery of
// the page before, as seq and id.
func deliveryToken(token string) (int64, string, error) {
	if token == "" {
		return 0, "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	seq, id, ok := strings.Cut(string(raw), "/")
	n, perr := strconv.ParseInt(seq, 10, 64)
	if err != nil || !ok || perr != nil || !resourcename.ValidID(id) {
		return 0, "", apierr.InvalidArgument("page_token", "is not a page token this list gave")
	}
	return n, id, nil
}
