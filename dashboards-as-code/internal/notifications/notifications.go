// Package notifications builds the optional contact points and notification
// policy tree of config.yaml in the format of Grafana's provisioning API.
package notifications

import (
	"fmt"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/prometheus/common/model"

	"github.com/scanium/openai-monitoring/dashboards-as-code/internal/config"
)

// ContactPoints returns the configured contact points, in file order; none
// when cfg has no notifications section.
func ContactPoints(cfg config.Config) ([]alerting.ContactPoint, error) {
	if cfg.Notifications == nil {
		return nil, nil
	}
	out := make([]alerting.ContactPoint, 0, len(cfg.Notifications.ContactPoints))
	for _, c := range cfg.Notifications.ContactPoints {
		cp, err := alerting.NewContactPointBuilder().
			Uid(c.UID).
			Name(c.Name).
			Type(alerting.ContactPointType(c.Type)).
			Settings(c.Settings).
			DisableResolveMessage(c.DisableResolveMessage).
			Build()
		if err != nil {
			return nil, fmt.Errorf("build contact point %s: %w", c.UID, err)
		}
		out = append(out, cp)
	}
	return out, nil
}

// Policy returns the notification policy tree, and false when none is
// configured.
func Policy(cfg config.Config) (alerting.NotificationPolicy, bool, error) {
	if cfg.Notifications == nil || cfg.Notifications.Policy == nil {
		return alerting.NotificationPolicy{}, false, nil
	}
	p, err := route(*cfg.Notifications.Policy).Build()
	if err != nil {
		return alerting.NotificationPolicy{}, false, fmt.Errorf("build notification policy: %w", err)
	}
	return p, true, nil
}

func route(r config.Route) *alerting.NotificationPolicyBuilder {
	b := alerting.NewNotificationPolicyBuilder()
	if r.Receiver != "" {
		b = b.Receiver(r.Receiver)
	}
	if len(r.Matchers) > 0 {
		matchers := make(alerting.ObjectMatchers, len(r.Matchers))
		for i, m := range r.Matchers {
			matchers[i] = alerting.ObjectMatcher{m[0], m[1], m[2]}
		}
		b = b.ObjectMatchers(matchers)
	}
	if len(r.GroupBy) > 0 {
		b = b.GroupBy(r.GroupBy)
	}
	if r.GroupWait > 0 {
		b = b.GroupWait(formatDuration(r.GroupWait))
	}
	if r.GroupInterval > 0 {
		b = b.GroupInterval(formatDuration(r.GroupInterval))
	}
	if r.RepeatInterval > 0 {
		b = b.RepeatInterval(formatDuration(r.RepeatInterval))
	}
	if r.Continue {
		b = b.Continue(true)
	}
	if len(r.Routes) > 0 {
		children := make([]cog.Builder[alerting.NotificationPolicy], len(r.Routes))
		for i, child := range r.Routes {
			children[i] = route(child)
		}
		b = b.Routes(children)
	}
	return b
}

func formatDuration(d time.Duration) string { return model.Duration(d).String() }
