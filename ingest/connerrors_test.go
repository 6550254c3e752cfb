package ingest

import (
	"strings"
	"testing"
)

func TestJSONError(t *testing.T) {
	tests := []struct {
		name, in, want string
		rewritten      bool
	}{
		{"header too large", "HTTP/1.1 431 Request Header Fields Too Large" + plainErrorHeaders + "431 Request Header Fields Too Large",
			`431 Request Header Fields Too Large` + "\r\nContent-Type: application/json\r\nContent-Length: 73\r\nConnection: close\r\n\r\n" +
				`{"error":"The request headers are larger than 1 MiB.","code":"too_large"}`, true},
		{"bad request", "HTTP/1.1 400 Bad Request" + plainErrorHeaders + "400 Bad Request", `"code":"invalid"`, true},
		{"status error", "HTTP/1.1 400 Bad Request: missing required Host header" + plainErrorHeaders + "400 Bad Request: missing required Host header",
			"HTTP/1.1 400 Bad Request\r\n", true},
		{"handler response", "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nDate: x\r\n\r\n{}", "", false},
		{"headers later", "HTTP/1.1 200 OK\r\nX: y" + plainErrorHeaders, "", false},
		{"success", "HTTP/1.1 200 OK" + plainErrorHeaders, "", false},
		{"body bytes", "hello" + plainErrorHeaders, "", false},
	}
	for _, tt := range tests {
		out, ok := jsonError([]byte(tt.in))
		if ok != tt.rewritten || !strings.Contains(string(out), tt.want) {
			t.Errorf("%s: got %v %q, want %v and %q", tt.name, ok, out, tt.rewritten, tt.want)
		}
	}
}
