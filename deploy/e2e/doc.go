// Package e2e holds the multi-process end-to-end test: every service as its
// own process against an external NATS and PostgreSQL, driven through the
// gateway's REST API while faults are injected (see e2e_test.go).
package e2e
