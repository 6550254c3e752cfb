package agent

import "testing"

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"checkout rolled out sha=a4f2c1", "checkout rolled out sha=a4f2c1"},
		{"deadlock detected on relation orders", "deadlock detected on relation orders"},
		{"commit 3f786850e387550fdab836ed7e6dc881de23001b deployed", "commit 3f786850e387550fdab836ed7e6dc881de23001b deployed"},
		{"image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "image sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{"dial postgres://app:hunter2@db.internal:5432/shop failed", "dial postgres://app:[masked]@db.internal:5432/shop failed"},
		{"mongodb+srv://admin:p%40ss@cluster0.example.net/", "mongodb+srv://admin:[masked]@cluster0.example.net/"},
		{"redis://:s3cret@cache:6379/0", "redis://:[masked]@cache:6379/0"},
		{"https://example.com/path is fine", "https://example.com/path is fine"},
		{"password=hunter2 user=app", "password=[masked] user=app"},
		{"DB_PASSWORD: hunter2", "DB_PASSWORD: [masked]"},
		{`{"api_key": "abc123", "region": "eu"}`, `{"api_key": "[masked]", "region": "eu"}`},
		{"Server=db;User Id=sa;Password=Pa55w0rd;", "Server=db;User Id=sa;Password=[masked];"},
		{"client_secret=xyz&grant_type=client_credentials", "client_secret=[masked]&grant_type=client_credentials"},
		{"Authorization: Bearer abcdef123456.xyz", "Authorization: Bearer [masked]"},
		{"curl -H 'Authorization: Basic dXNlcjpwYXNzd29yZA=='", "curl -H 'Authorization: Basic [masked]'"},
		{"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4fwpM", "token [masked]"},
		{"jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4fwpM", "jwt=[masked]"},
		{"aws key AKIAIOSFODNN7EXAMPLE leaked", "aws key [masked] leaked"},
		{"aws secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws secret [masked]"},
		{"gh token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "gh token [masked]"},
		{"slack xoxb-1234567890-abcdefghij", "slack [masked]"},
		{"key AIzaSyA1234567890abcdefghijklmnopqrstuv", "key [masked]"},
		{"hmac 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "hmac [masked]"},
		{"blob QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk=", "blob [masked]"},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY----- ok", "[masked] ok"},
		{"path /var/lib/kubelet/pods/checkout-web-frontend-abcdef", "path /var/lib/kubelet/pods/checkout-web-frontend-abcdef"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskAttribute(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{"sha", "a4f2c1", "a4f2c1"},
		{"db_password", "hunter2", Masked},
		{"GITHUB_TOKEN", "x", Masked},
		{"dsn", "postgres://app:hunter2@db/shop", "postgres://app:[masked]@db/shop"},
		{"author", "alice", "alice"},
	}
	for _, tt := range tests {
		if got := MaskAttribute(tt.key, tt.value); got != tt.want {
			t.Errorf("MaskAttribute(%q, %q) = %q, want %q", tt.key, tt.value, got, tt.want)
		}
	}
}
