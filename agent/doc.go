// Package agent triages incidents: it classifies ContextEvent kinds,
// correlates an incident with the events around its onset, and writes a
// hypothesis with a confidence and a recommended action, either with the
// built-in heuristic engine or with an LLM engine (package agent/gemini) that
// falls back to the heuristic when it errs, times out or answers something
// invalid.
package agent
