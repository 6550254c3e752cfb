package config

import (
	"fmt"
	"io"
	"log/slog"
)

// Key is secret key material. Like noctuary.Secret it never prints itself:
// every fmt verb, slog and text encoders give "[redacted]". It converts
// implicitly wherever a []byte is expected.
type Key []byte

const redacted = "[redacted]"

// Format writes "[redacted]" whatever the verb.
func (Key) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// LogValue makes slog print "[redacted]".
func (Key) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns "[redacted]", so JSON and YAML do not leak the key.
func (Key) MarshalText() ([]byte, error) { return []byte(redacted), nil }
