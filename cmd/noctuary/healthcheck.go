package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheckTimeout bounds the whole check: a container runtime's own
// timeout (the Dockerfile's HEALTHCHECK) is longer.
const healthcheckTimeout = 3 * time.Second

// healthcheckUsage is `noctuary healthcheck --help`.
const healthcheckUsage = `usage: noctuary healthcheck

GETs /healthz of the server listening on NOCTUARY_ADDR (default :8080) on
this host and exits 0 when it answers 200, 1 otherwise. It is the container
image's HEALTHCHECK: the image has no shell and no curl.
`

// healthcheck is `noctuary healthcheck`: it reads NOCTUARY_ADDR only, never
// the configuration file, so that it stays cheap and cannot fail on a
// configuration the running server already accepted.
func healthcheck(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	if len(args) == 1 && isHelp(args[0]) {
		fmt.Fprint(stdout, healthcheckUsage)
		return 0
	}
	if len(args) > 0 {
		fmt.Fprintf(stderr, "noctuary healthcheck: unexpected argument %q (it takes none; see noctuary healthcheck --help)\n", args[0])
		return exitUsage
	}
	addr := envValue(lookup, "NOCTUARY_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	target, err := loopbackTarget(addr)
	if err != nil {
		fmt.Fprintf(stderr, "noctuary healthcheck: NOCTUARY_ADDR %q %v\n", addr, err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	url := "http://" + target + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "noctuary healthcheck: %v\n", err)
		return 1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "noctuary healthcheck: %s is not answering: %v\n", url, err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "noctuary healthcheck: %s answered %s\n", url, resp.Status)
		return 1
	}
	fmt.Fprintf(stdout, "%s answered %s\n", url, resp.Status)
	return 0
}

// loopbackTarget turns a listen address into the address to dial on this
// host: an empty or unspecified host (":8080", "0.0.0.0:8080", "[::]:8080")
// becomes the loopback address.
func loopbackTarget(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", fmt.Errorf("must be host:port or :port, such as :8080")
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
