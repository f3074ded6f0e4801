// A module of its own, outside go.work and with no dependencies, so that the
// Dockerfile builds it with GOWORK=off and it never touches the services' go.sum.
module github.com/goldenthread/goldenthread/deploy/httpcheck

go 1.26.8
