// Package slackview renders Slack Block Kit JSON as HTML: a faithful, safe
// preview of the message Noctuary posts, so the dashboard shows the Slack
// side without a workspace.
//
// Render takes the blocks exactly as posted (a JSON array, or an object
// with a "blocks" array). Every text is HTML-escaped; links keep an href
// only for http, https and mailto URLs, images a src only for http and
// https. Buttons are shown disabled: it is a preview. A block or element
// type it does not know becomes a small note, never an error.
//
// The HTML uses these classes, styled by CSS (include it once per page):
//
//	sv-message                 the whole message (author line, then blocks)
//	sv-author, sv-avatar, sv-app   the "Noctuary APP" line
//	sv-block                   every block, plus one of:
//	  sv-header, sv-section, sv-context, sv-actions, sv-divider,
//	  sv-image, sv-rich-text, sv-unknown
//	sv-text                    a text object (mrkdwn or plain_text)
//	sv-fields, sv-field        a section's fields, two a row
//	sv-accessory               a section's accessory
//	sv-button (+ sv-primary, sv-danger)   a disabled button
//	sv-context-image           a small image in a context block
//	sv-img, sv-img-title       an image block
//	sv-note                    "(block type X not shown)"
//	sv-code, sv-pre, sv-quote  `code`, ```pre``` and > quote
//	sv-link, sv-mention, sv-emoji  links, @user/#channel/@here, :emoji:
//	sv-list                    a rich_text list
package slackview
