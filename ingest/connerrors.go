package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/noctuary/noctuary"
)

// net/http answers some malformed requests itself, before any handler: a
// header over http.Server.MaxHeaderBytes (1 MiB) gets 431, an unparsable
// request 400, an unknown transfer coding 501. It writes each as one plain
// text response straight to the connection, in this shape.
const (
	plainStatusPrefix  = "HTTP/1.1 "
	plainErrorHeaders  = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
	tooLargeHeaderText = "The request headers are larger than 1 MiB."
	malformedText      = "The request is not valid HTTP/1.1."
)

// JSONErrors wraps ln so that the error responses net/http writes itself
// become JSON errors like every other: {"error": "<sentence>", "code":
// "too_large" | "invalid"}, with the same status.
func JSONErrors(ln net.Listener) net.Listener { return jsonErrorListener{ln} }

type jsonErrorListener struct{ net.Listener }

func (l jsonErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &jsonErrorConn{Conn: c}, nil
}

// jsonErrorConn rewrites net/http's plain-text error responses, each one
// write, the last on its connection.
type jsonErrorConn struct{ net.Conn }

func (c *jsonErrorConn) Write(p []byte) (int, error) {
	out, ok := jsonError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// jsonError returns the JSON form of a plain-text error response written by
// net/http's server, or false when p is anything else. A handler's response
// never matches: net/http sorts its headers (Connection before
// Content-Type) and adds a Date.
func jsonError(p []byte) ([]byte, bool) {
	status, ok := bytes.CutPrefix(p, []byte(plainStatusPrefix))
	end := bytes.Index(status, []byte(plainErrorHeaders))
	if !ok || end < 3 || end != bytes.Index(status, []byte("\r\n")) {
		return nil, false
	}
	code, err := strconv.Atoi(string(status[:3]))
	if err != nil || code < 400 {
		return nil, false
	}
	body := errorBody{Error: malformedText, Code: noctuary.EInvalid}
	if code == http.StatusRequestHeaderFieldsTooLarge {
		body = errorBody{Error: tooLargeHeaderText, Code: noctuary.ETooLarge}
	}
	raw, _ := json.Marshal(body) // two strings always encode
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		code, http.StatusText(code), len(raw), raw), true
}
