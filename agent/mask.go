package agent

import (
	"regexp"
	"strings"
	"unicode"
)

// Masked replaces every secret-looking value that Mask finds.
const Masked = "[masked]"

// secretWords, in a key's name, mark its value as secret.
const secretWords = `password|passwd|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|authorization|auth[_-]?token|session[_-]?id|cookie|signature`

// maskRules are applied in order; each replaces its match with the template.
var maskRules = []struct {
	re   *regexp.Regexp
	repl string
}{
	// PEM private keys and certificates' keys.
	{regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`), Masked},
	// scheme://user:password@host — the password goes, the user stays.
	{regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*):[^\s/@]*@`), "${1}:" + Masked + "@"},
	// Authorization schemes followed by a credential.
	{regexp.MustCompile(`(?i)\b(bearer|basic|token|digest)(\s+)[A-Za-z0-9\-._~+/]{8,}=*`), "${1}${2}" + Masked},
	// key=value, key: value, "key": "value" where the key names a secret.
	{regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*(?:` + secretWords + `)[A-Za-z0-9_.-]*"?\s*[=:]\s*"?(?:(?:bearer|basic|token|digest)\s+)?)([^\s"',;&}]+)`), "${1}" + Masked},
	// JSON Web Tokens.
	{regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`), Masked},
	// AWS access key IDs.
	{regexp.MustCompile(`\b(?:AKIA|ASIA|AIDA|AROA)[0-9A-Z]{16}\b`), Masked},
	// Well-known token formats: GitHub, GitLab, Slack, Stripe/OpenAI, Google API keys.
	{regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|sk-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{35})`), Masked},
}

// blobRe finds long runs that may be encoded secrets; maskBlob decides.
var blobRe = regexp.MustCompile(`(?:sha256:|sha512:)?[A-Za-z0-9+/_-]{32,}={0,2}`)

// Mask returns s with secret-looking values replaced by "[masked]": private
// keys, passwords in URLs, bearer tokens, values of keys that name a secret
// (password=..., "api_key": ...), JWTs, AWS access keys, well-known token
// formats and long hex or base64 blobs. Git commit hashes (40 hex digits) and
// sha256: digests are kept: they identify deploys and are not secret.
func Mask(s string) string {
	for _, r := range maskRules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return blobRe.ReplaceAllStringFunc(s, maskBlob)
}

// MaskAttribute masks an attribute's value entirely when its key names a
// secret, and with Mask otherwise.
func MaskAttribute(key, value string) string {
	if secretKey.MatchString(key) {
		return Masked
	}
	return Mask(value)
}

var secretKey = regexp.MustCompile(`(?i)(?:` + secretWords + `)`)

func maskBlob(b string) string {
	if strings.HasPrefix(b, "sha256:") || strings.HasPrefix(b, "sha512:") {
		return b
	}
	core := strings.TrimRight(b, "=")
	if isHex(core) {
		if len(core) == 40 {
			return b // a git commit
		}
		return Masked
	}
	var upper, lower, digit bool
	for _, r := range core {
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
		digit = digit || unicode.IsDigit(r)
	}
	if upper && lower && digit {
		return Masked
	}
	return b
}

func isHex(s string) bool {
	return strings.Trim(s, "0123456789abcdefABCDEF") == ""
}
