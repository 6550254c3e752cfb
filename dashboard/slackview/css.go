package slackview

import _ "embed"

// CSS styles the classes Render uses so that the preview looks like a
// Slack message (light theme). Every rule is scoped under .sv-message; the
// dashboard includes it once, inline or as a file.
//
//go:embed slackview.css
var CSS string
