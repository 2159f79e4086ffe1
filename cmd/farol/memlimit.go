package main

import (
	"os"
	"runtime/debug"

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

// speakerGCPercent is the speaker's GOGC unless the environment sets one.
// A speaker runs on every node, so its memory is paid once per node while
// its garbage is little once the caches are filled: collecting at 50%
// growth instead of 100% keeps its RSS near 1.5 times the live heap for a
// few more collections at start-up and during churn.
const speakerGCPercent = 50

func setSpeakerGC(log logr.Logger) {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(speakerGCPercent)
	log.Info("garbage collection at 50% heap growth", "GOGC", speakerGCPercent)
}
