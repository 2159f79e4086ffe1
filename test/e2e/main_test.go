// Package e2e runs Farol in the network lab: a real API server, kube-proxy
// on every node, speakers as processes in the node namespaces, and a client
// that asks "who has this address?" over a real bridge.
package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// farolBin is the binary the speakers run, built once per test binary.
var farolBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "farol-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	farolBin = filepath.Join(dir, "farol")
	build := exec.Command("go", "build", "-o", farolBin, "github.com/farol-lb/farol/cmd/farol")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build farol:", err)
		os.Exit(1)
	}
	// The in-process controller logs through controller-runtime; keep it
	// quiet unless asked.
	level := zapcore.Level(2)
	if os.Getenv("FAROL_TEST_LOG") != "" {
		level = zapcore.DebugLevel
	}
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(level)))
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
