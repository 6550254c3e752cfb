package main

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/noctuary/noctuary"
)

// post sends body to url with the bearer token (none when zero) and the
// headers, and returns the status and the first 4 KiB of the answer.
func post(ctx context.Context, c *http.Client, url string, token noctuary.Secret, contentType string, body []byte, headers map[string]string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if !token.IsZero() {
		req.Header.Set("Authorization", "Bearer "+token.Reveal())
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, answer, nil
}
