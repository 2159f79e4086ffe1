package integration

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	farolOnce sync.Once
	farolPath string
	farolErr  error
)

// farolBinary builds cmd/farol once per test binary, so a test runs the
// program an operator runs, with its flags and its own /metrics.
func farolBinary(t *testing.T) string {
	t.Helper()
	farolOnce.Do(func() {
		dir, err := os.MkdirTemp("", "farol-integration-bin-")
		if err != nil {
			farolErr = err
			return
		}
		farolPath = filepath.Join(dir, "farol")
		out, err := exec.Command("go", "build", "-o", farolPath, "github.com/farol-lb/farol/cmd/farol").CombinedOutput()
		if err != nil {
			farolErr = errors.New("go build cmd/farol: " + err.Error() + ": " + string(out))
		}
	})
	if farolErr != nil {
		t.Fatal(farolErr)
	}
	return farolPath
}

// removeFarolBinary removes what farolBinary built; TestMain calls it.
func removeFarolBinary() {
	if farolPath != "" {
		_ = os.RemoveAll(filepath.Dir(farolPath))
	}
}

// farolProc runs `farol <args>` until the test ends; its output goes to a
// log file that is printed if the test fails.
func farolProc(t *testing.T, name string, args ...string) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(farolBinary(t), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				t.Logf("%s log:\n%s", name, lastLines(b, 40))
			}
		}
	})
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}

// freePort returns a port free for both TCP and UDP on 127.0.0.1,
// as memberlist binds both.
func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(port))
		_ = l.Close()
		if err == nil {
			_ = u.Close()
			return port
		}
	}
	t.Fatal("no port free for both TCP and UDP")
	return 0
}
