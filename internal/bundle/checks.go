package bundle

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// The structural checks that both the generator's validation and the
// provisioner's loading apply. Each returns nil or an error that starts with
// the offending value and says what to do; the caller prefixes the file and
// the field.

// CheckUID checks that Grafana accepts uid as the uid of a dashboard, a rule
// or a contact point.
func CheckUID(uid string) error {
	if !ValidUID(uid) {
		return fmt.Errorf("%q: must be %s", uid, UIDRule)
	}
	return nil
}

// CheckNoDataState checks a rule's noDataState.
func CheckNoDataState(s string) error { return oneOf(s, NoDataStates()) }

// CheckExecErrState checks a rule's execErrState.
func CheckExecErrState(s string) error { return oneOf(s, ExecErrStates()) }

func oneOf(s string, set []string) error {
	if !slices.Contains(set, s) {
		return fmt.Errorf("%q: must be one of %s", s, strings.Join(set, ", "))
	}
	return nil
}

// CheckFolderUID checks the folder of a rule group or a rule: the folder.
func CheckFolderUID(uid string) error {
	if uid != FolderUID {
		return fmt.Errorf("%q: rule groups and their rules go into the folder %q", uid, FolderUID)
	}
	return nil
}

// CheckInterval checks a rule group's evaluation interval, in seconds:
// Grafana's scheduler ticks every 10 seconds.
func CheckInterval(seconds int64) error {
	if seconds <= 0 || seconds%10 != 0 {
		return fmt.Errorf("%d: must be a positive multiple of 10 seconds", seconds)
	}
	return nil
}

// CheckDashboardFile checks that a dashboard's file (a slash-separated path)
// is named after its uid.
func CheckDashboardFile(file, uid string) error {
	if path.Base(file) != uid+".json" {
		return fmt.Errorf("%q does not match the file name: name the file %s.json", uid, uid)
	}
	return nil
}

// CheckRuleGroupFile checks that a rule group's file is named after its
// title, and that the title does not take the name of a notification file.
func CheckRuleGroupFile(file, title string) error {
	if KindOf(RuleGroupPath(title)) != RuleGroupFile {
		return fmt.Errorf("%q: a rule group's file would be %s, which is not a rule group's place: rename the group", title, RuleGroupPath(title))
	}
	if path.Base(file) != title+".json" {
		return fmt.Errorf("%q does not match the file name: name the file %s.json", title, title)
	}
	return nil
}
