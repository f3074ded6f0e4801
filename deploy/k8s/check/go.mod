// The offline check of the rendered manifests (deploy/README.md), a module of
// its own so that client-go stays out of the services' dependencies.
module github.com/goldenthread/goldenthread/deploy/k8s/check

go 1.26.8
