package main

import (
	"github.com/go-logr/logr"

	"github.com/farol-lb/farol/internal/memlimit"
)

// setMemoryLimit gives the runtime a soft limit under the container's
// memory limit and says so once; a failure to read it is not fatal.
func setMemoryLimit(log logr.Logger) {
	soft, err := memlimit.Set()
	switch {
	case err != nil:
		log.Error(err, "no soft memory limit")
	case soft > 0:
		log.Info("soft memory limit from the container's", "bytes", soft, "fraction", memlimit.Fraction)
	}
}

// setSpeakerGC applies the speaker's garbage collection target unless the
// environment sets GOGC.
func setSpeakerGC(log logr.Logger) {
	if memlimit.SpeakerGC() {
		log.Info("garbage collection at reduced heap growth", "GOGC", memlimit.SpeakerGCPercent)
	}
}
