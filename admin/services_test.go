package admin_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/noctuary/noctuary"
	"github.com/noctuary/noctuary/admin"
)

func TestApproversAndStatus(t *testing.T) {
	eachKind(t, admin.Options{}, func(t *testing.T, e env) {
		ctx := context.Background()
		e.declare(t, "checkout")
		must[noctuary.Service](t)(e.Enable(ctx, "api", "checkout", ""))
		must[noctuary.Service](t)(e.AddApprover(ctx, "api", "checkout", "U0ALICE"))
		must[noctuary.Service](t)(e.AddApprover(ctx, "api", "checkout", "S0SRETEAM"))
		must[noctuary.Service](t)(e.AddApprover(ctx, "api", "checkout", "U0ALICE"))
		must[noctuary.Service](t)(e.RemoveApprover(ctx, "api", "checkout", "U0ALICE"))
		got := must[[]noctuary.Service](t)(e.Status(ctx, "checkout"))
		if len(got) != 1 || !reflect.DeepEqual(got[0].Approvers, []string{"S0SRETEAM"}) {
			t.Errorf("Status = %+v", got)
		}
		e.declare(t, "payments")
		must[noctuary.Service](t)(e.Enable(ctx, "api", "payments", ""))
		if all := must[[]noctuary.Service](t)(e.Status(ctx, "")); len(all) != 2 {
			t.Errorf("Status(\"\") = %d services", len(all))
		}
		if n := len(e.audit(t)); n != 6 {
			t.Errorf("%d audit entries, want 6", n)
		}
	})
}

func TestPause(t *testing.T) {
	eachKind(t, admin.Options{}, func(t *testing.T, e env) {
		ctx := context.Background()
		e.declare(t, "checkout")
		must[noctuary.Service](t)(e.Enable(ctx, "api", "checkout", ""))
		e.declare(t, "payments")
		must[noctuary.Service](t)(e.Enable(ctx, "api", "payments", ""))
		steps := []struct {
			op, service                       string
			checkout, payments, other, global bool
		}{
			{"pause", "checkout", true, false, false, false},
			{"pause", "", true, true, true, true},
			{"resume", "", true, false, false, false},
			{"resume", "checkout", false, false, false, false},
		}
		for _, st := range steps {
			op := e.Pause
			if st.op == "resume" {
				op = e.Resume
			}
			if err := op(ctx, "api", st.service); err != nil {
				t.Fatal(err)
			}
			for svc, want := range map[string]bool{"checkout": st.checkout, "payments": st.payments, "unknown": st.other, "": st.global} {
				if got := must[bool](t)(e.Paused(ctx, svc)); got != want {
					t.Errorf("after %s %q: Paused(%q) = %v", st.op, st.service, svc, got)
				}
			}
		}
		actions := []string{}
		for _, a := range e.audit(t)[:4] {
			actions = append(actions, a.Action)
		}
		want := []string{admin.ActionResume, admin.ActionResumeAll, admin.ActionPauseAll, admin.ActionPause}
		if !reflect.DeepEqual(actions, want) {
			t.Errorf("audited %v, want %v", actions, want)
		}
	})
}

func TestValidationErrorsAreAuditedOnce(t *testing.T) {
	unknown := "service billing is not known. A new service is declared in the configuration file or created with /noctuary create billing <environment> <PagerDuty service ID>."
	tests := []struct {
		name, action string
		op           func(*admin.Admin) error
		code, msg    string
	}{
		{"disable unknown", admin.ActionDisable, func(a *admin.Admin) error { _, err := a.Disable(context.Background(), "api", "billing"); return err }, noctuary.ENotFound, unknown},
		{"mode unknown service", admin.ActionMode, func(a *admin.Admin) error {
			_, err := a.SetMode(context.Background(), "api", "billing", noctuary.ModeAction)
			return err
		}, noctuary.ENotFound, unknown},
		{"bad mode", admin.ActionMode, func(a *admin.Admin) error {
			_, err := a.SetMode(context.Background(), "api", "checkout", "yolo")
			return err
		},
			noctuary.EInvalid, `mode "yolo" is not known; use read-only or action`},
		{"bad service name", admin.ActionEnable, func(a *admin.Admin) error {
			_, err := a.Enable(context.Background(), "api", "check out", "")
			return err
		},
			noctuary.EInvalid, `service name "check out" may hold only 1-100 letters, digits, '.', '_' and '-'`},
		{"bad channel", admin.ActionEnable, func(a *admin.Admin) error {
			_, err := a.Enable(context.Background(), "api", "checkout", "#checkout")
			return err
		},
			noctuary.EInvalid, `channel "#checkout" is not a Slack channel ID (C… or G…); pick the channel as #name so Slack sends its ID`},
		{"bad approver", admin.ActionApproverAdd, func(a *admin.Admin) error {
			_, err := a.AddApprover(context.Background(), "api", "checkout", "alice")
			return err
		}, noctuary.EInvalid, `approver "alice" is not a Slack user ID (U… or W…) or user group ID (S…); mention them as @name so Slack sends the ID`},
		{"channel as approver", admin.ActionApproverAdd, func(a *admin.Admin) error {
			_, err := a.AddApprover(context.Background(), "api", "checkout", "C0123CHECK")
			return err
		}, noctuary.EInvalid, ""},
		{"remove absent approver", admin.ActionApproverRemove, func(a *admin.Admin) error {
			_, err := a.RemoveApprover(context.Background(), "api", "checkout", "U0BOBBOB")
			return err
		}, noctuary.ENotFound, "U0BOBBOB is not an approver of checkout"},
		{"pause unknown", admin.ActionPause, func(a *admin.Admin) error { return a.Pause(context.Background(), "api", "billing") }, noctuary.ENotFound, unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachKind(t, admin.Options{}, func(t *testing.T, e env) {
				ctx := context.Background()
				e.declare(t, "checkout")
				must[noctuary.Service](t)(e.Enable(ctx, "api", "checkout", ""))
				wantErr(t, tt.op(e.Admin), tt.code, tt.msg)
				entries := e.audit(t)
				if len(entries) != 2 {
					t.Fatalf("%d audit entries, want 2 (enable and the refusal)", len(entries))
				}
				if got := entries[0]; got.Action != tt.action || got.Result != tt.code || got.Details["error"] == "" {
					t.Errorf("audit = %+v", got)
				}
			})
		})
	}
}

func TestAuditLog(t *testing.T) {
	eachKind(t, admin.Options{}, func(t *testing.T, e env) {
		ctx := context.Background()
		e.declare(t, "checkout")
		must[noctuary.Service](t)(e.Enable(ctx, "api", "checkout", ""))
		e.declare(t, "payments")
		must[noctuary.Service](t)(e.Enable(ctx, "api", "payments", ""))
		got := must[[]noctuary.AuditEntry](t)(e.AuditLog(ctx, "payments", 10))
		if len(got) != 1 || got[0].Service != "payments" {
			t.Errorf("AuditLog = %+v", got)
		}
		_, err := e.AuditLog(ctx, "pay ments", 10)
		wantErr(t, err, noctuary.EInvalid, "")
	})
}
