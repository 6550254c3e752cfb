// Package check holds the tests of deployments/: the Dockerfile, the compose
// file, the kustomize overlays rendered and decoded into Kubernetes' own
// types, the Prometheus alert rules and the Grafana dashboard. It is a Go
// module of its own so that kustomize, the Kubernetes API types and
// Prometheus' rule parser stay out of the server's module.
package check
