// Package e2e holds the multi-process end-to-end test: every service as its
// own process, two replicas of each, against an external PostgreSQL and a
// 3-node JetStream cluster the test starts, driven through the gateway's
// REST API while faults are injected (see e2e_test.go).
package e2e
