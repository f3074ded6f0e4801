// Command organisations runs the organisations service (organisations and
// their people) on its own, the way operators deploy it: its own listen
// address, database and NATS.
//
// Every flag can also be set by an environment variable: GT_ and the flag's
// name upper-cased with - as _, e.g. GT_DSN. Run with -h for the list.
package main

import (
	"context"
	"flag"
	"log/slog"
	"path/filepath"

	"github.com/goldenthread/goldenthread/services/kit/auth"
	"github.com/goldenthread/goldenthread/services/kit/config"
	"github.com/goldenthread/goldenthread/services/kit/host"
	"github.com/goldenthread/goldenthread/services/organisations"
)

func main() {
	var platformAdmins *string
	var webhooks func() organisations.WebhookOptions
	host.Binary[*organisations.Service]{
		Spec: organisations.Spec,
		Flags: func(fs *flag.FlagSet) {
			platformAdmins = fs.String("platform-admins", "", "comma-separated JWT subjects that are platform admins")
			webhooks = organisations.WebhookFlags(fs)
		},
		Open: func(ctx context.Context, s host.Settings, logger *slog.Logger) (*organisations.Service, error) {
			svc, err := organisations.Open(ctx, organisations.Config{Settings: s, PlatformAdmins: config.List(*platformAdmins), Webhooks: webhooks()}, logger)
			if err != nil {
				return nil, err
			}
			// The first start makes a platform token, so that someone can
			// create the first organisation; it goes to a file only its
			// owner can read, never to the log.
			token, err := svc.Bootstrap(ctx)
			if err == nil && token != "" {
				path := filepath.Join(s.DataDir, "admin-token")
				if err = auth.WriteTokenFile(path, token); err == nil {
					logger.Warn("created the first platform admin token; keep it safe", "file", path)
				}
			}
			if err != nil {
				svc.Close()
				return nil, err
			}
			return svc, nil
		},
	}.Main()
}
