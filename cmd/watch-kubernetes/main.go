// Command watch-kubernetes (`noctuary watch-kubernetes`) posts a cluster's
// Events, and its Deployments' rollouts as deploys, to Noctuary's
// /v1/events/kubernetes. It runs in-cluster (the manifests in
// deployments/kubernetes-watcher) or from a kubeconfig. It is a Go module of
// its own so that client-go stays out of the server's binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// config is the watcher's configuration: flags, with the URL and the token
// from the environment.
type config struct {
	url, token, kubeconfig, namespace string
	batch, buffer                     int
	flush, retryFor                   time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Args[1:], os.Getenv, log); err != nil {
		fmt.Fprintln(os.Stderr, "watch-kubernetes:", err)
		os.Exit(1)
	}
}

// run parses args, connects to the cluster and watches until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, log *slog.Logger) error {
	cfg, err := parse(args, getenv)
	if err != nil {
		return err
	}
	rc, err := restConfig(cfg.kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return fmt.Errorf("cannot make a Kubernetes client: %w", err)
	}
	return watch(ctx, client, cfg, log)
}

// watch runs the informers and the batcher until ctx ends.
func watch(ctx context.Context, client kubernetes.Interface, cfg config, log *slog.Logger) error {
	p := &poster{url: cfg.url, token: cfg.token, client: &http.Client{Timeout: 10 * time.Second},
		maxElapsed: cfg.retryFor, initial: 500 * time.Millisecond, log: log}
	b := newBatcher(p, cfg.batch, cfg.buffer, cfg.flush, log)
	w, err := newWatcher(client, cfg.namespace, b, time.Now, log)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { defer close(done); b.run(ctx) }()
	err = w.run(ctx)
	<-done
	return err
}

// parse reads flags, and NOCTUARY_URL and NOCTUARY_INGEST_TOKEN, naming
// every problem at once.
func parse(args []string, getenv func(string) string) (config, error) {
	fs := flag.NewFlagSet("watch-kubernetes", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := config{url: getenv("NOCTUARY_URL"), token: getenv("NOCTUARY_INGEST_TOKEN")}
	fs.StringVar(&cfg.kubeconfig, "kubeconfig", getenv("KUBECONFIG"), "kubeconfig file; empty: in-cluster")
	fs.StringVar(&cfg.namespace, "namespace", "", "watch only this namespace (default: all)")
	fs.IntVar(&cfg.batch, "batch", 100, "Events per request at most")
	fs.IntVar(&cfg.buffer, "buffer", 10000, "Events held while Noctuary is unreachable")
	fs.DurationVar(&cfg.flush, "flush", 2*time.Second, "post waiting Events at least this often")
	fs.DurationVar(&cfg.retryFor, "retry-for", 5*time.Minute, "retry a batch this long before dropping it")
	if err := fs.Parse(args); err != nil {
		return cfg, fmt.Errorf("%w (flags: -kubeconfig, -namespace, -batch, -buffer, -flush, -retry-for)", err)
	}
	var errs []error
	if cfg.url == "" {
		errs = append(errs, errors.New("NOCTUARY_URL is not set: give Noctuary's base URL, e.g. https://noctuary.example.com"))
	}
	if cfg.token == "" {
		errs = append(errs, errors.New("NOCTUARY_INGEST_TOKEN is not set: give one of Noctuary's ingest tokens"))
	}
	if cfg.batch < 1 || cfg.buffer < 1 || cfg.flush <= 0 || cfg.retryFor <= 0 {
		errs = append(errs, errors.New("-batch, -buffer, -flush and -retry-for must be positive"))
	}
	cfg.url = strings.TrimSuffix(cfg.url, "/") + "/v1/events/kubernetes"
	return cfg, errors.Join(errs...)
}

// restConfig is the kubeconfig's cluster, or the pod's own when kubeconfig
// is empty.
func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("cannot read kubeconfig %s: %w", kubeconfig, err)
		}
		return rc, nil
	}
	rc, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("not running in a cluster (%w): set -kubeconfig or KUBECONFIG", err)
	}
	return rc, nil
}
