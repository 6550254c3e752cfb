package agent

import (
	"testing"

	"github.com/noctuary/noctuary"
)

func TestValuePairsOfAnyMarkers(t *testing.T) {
	for _, tt := range []struct {
		attrs map[string]string
		want  string // whatChanged
	}{
		{map[string]string{"previous_version": "411", "new_version": "412"}, " (version 411 → 412)"},
		{map[string]string{"instance_type_old": "m5.xlarge", "instance_type_new": "m6g.xlarge"}, " (instance_type m5.xlarge → m6g.xlarge)"},
		{map[string]string{"issuer-before": "letsencrypt-prod", "issuer-after": "zerossl-prod"}, " (issuer letsencrypt-prod → zerossl-prod)"},
		{map[string]string{"prev_weight": "0", "weight": "100"}, " (weight 0 → 100)"},
		{map[string]string{"previous": "v1", "current": "v2"}, " (v1 → v2)"},
		// the thing changed is named (its identity, parameter=timeout): the stem is not repeated
		{map[string]string{"parameter": "timeout", "timeout_old": "0", "timeout_new": "5"}, " (0 → 5)"},
		// not: equal values changed nothing; free text is no value
		{map[string]string{"old_version": "7", "new_version": "7"}, ""},
		{map[string]string{"old_note": "was fine", "new_note": "now broken"}, ""},
		// not: a deploy's previous sha beside its sha, already its identity
		{map[string]string{"sha": "a4f2c1", "previous_sha": "f8b3e22"}, ""},
	} {
		if got := whatChanged(noctuary.ContextEvent{Kind: "config_change", Attributes: tt.attrs}); got != tt.want {
			t.Errorf("whatChanged(%v) = %q, want %q", tt.attrs, got, tt.want)
		}
	}
}

func TestInformationThatSetsAValueIsAChange(t *testing.T) {
	renew := func(attrs map[string]string) noctuary.ContextEvent {
		return event("r", "checkout", "certificate_renewed", "cert-manager", "02:00:00", "certificate re-issued", attrs)
	}
	checkEvents(t, []eventCase{
		{renew(map[string]string{"issuer_old": "letsencrypt-prod", "issuer_new": "zerossl-prod"}), noctuary.ClassChange},
		// not: the same issuer again, no pair, or a status that moved
		{renew(map[string]string{"issuer_old": "letsencrypt-prod", "issuer_new": "letsencrypt-prod"}), noctuary.ClassInfo},
		{renew(nil), noctuary.ClassInfo},
		{renew(map[string]string{"previous_state": "pending", "new_state": "ready"}), noctuary.ClassInfo},
		{event("ok", "checkout", "recovered", "pingdom", "02:00:00", "", map[string]string{"from": "down", "to": "up"}), noctuary.ClassInfo},
		{event("tr", "checkout", "check_transition", "datadog", "02:00:00", "", map[string]string{"old": "Alert", "new": "OK"}), noctuary.ClassInfo},
	})
}

func TestFlagUndoneBySummary(t *testing.T) {
	flag := func(id, hms, summary string) noctuary.ContextEvent {
		return event(id, "checkout", "flag_updated", "unleash", hms, summary, nil)
	}
	on := flag("on", "02:05:00", "Feature toggle 'avatar-cdn' enabled in production")
	runRankCases(t, []rankCase{
		{"a flag turned on and off before onset", []noctuary.ContextEvent{poolSize, on,
			flag("off", "02:08:00", "Feature toggle 'avatar-cdn' disabled in production"), symptom},
			"cfg", []string{"it was undone at 02:08:00 UTC, before onset"}, nil},
		{"not: turned off only after onset", []noctuary.ContextEvent{poolSize, on,
			flag("off", "02:16:00", "Feature toggle 'avatar-cdn' disabled in production"), symptom},
			"on", nil, []string{"undone"}},
		{"not: another flag turned off", []noctuary.ContextEvent{poolSize, on,
			flag("off", "02:08:00", "Feature toggle 'search-v2' disabled in production"), symptom},
			"off", nil, []string{"undone"}},
	})
}
