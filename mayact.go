package noctuary

// MayAct is the one rule of whether Noctuary may act for svc now: write to
// PagerDuty beyond the triage's note (acknowledge, timeline notes of
// actions) and run or offer actions. It may when svc is enabled, in action
// mode, and neither svc nor Noctuary as a whole (globalPaused) is paused.
// Otherwise the EForbidden error's sentence says what stops it and how an
// admin changes that. Every front end and the approvals ask this function.
func MayAct(svc Service, globalPaused bool) error {
	switch {
	case !svc.Enabled:
		return Errorf(EForbidden, "%s is not enabled; an admin can enable it with /noctuary enable %s", svc.Key, svc.Key)
	case svc.Mode != ModeAction:
		return Errorf(EForbidden, "%s is read-only; an admin can promote it with /noctuary mode %s action", svc.Key, svc.Key)
	case svc.Paused:
		return Errorf(EForbidden, "%s is paused: nothing is written to PagerDuty and no action runs; an admin can resume it with /noctuary resume %s", svc.Key, svc.Key)
	case globalPaused:
		return Errorf(EForbidden, "Noctuary is paused: nothing is written to PagerDuty and no action runs; an admin can resume it with /noctuary resume")
	}
	return nil
}
