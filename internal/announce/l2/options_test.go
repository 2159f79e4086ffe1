package l2

import (
	"testing"
	"time"
)

func TestWithDefaults(t *testing.T) {
	got := Options{GratuitousCount: -1, RefreshInterval: -1}.withDefaults()
	if got.Logger == nil || got.GratuitousCount != 0 || got.GratuitousInterval != DefaultGratuitousInterval ||
		got.RefreshInterval != -1 || got.ResyncInterval != DefaultResyncInterval {
		t.Errorf("withDefaults = %+v", got)
	}
	d := Defaults()
	if !d.RequireSubnet || d.GratuitousCount != 3 || d.GratuitousInterval != 50*time.Millisecond || d.RefreshInterval != 5*time.Second {
		t.Errorf("Defaults = %+v", d)
	}
}
