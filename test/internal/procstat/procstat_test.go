package procstat

import (
	"os"
	"os/exec"
	"testing"
)

// TestRead: this process's peak grows with a large allocation that is
// touched, another process's figures are its own, and a missing process
// is an error.
func TestRead(t *testing.T) {
	before, err := Read(Self)
	if err != nil {
		t.Fatal(err)
	}
	if before.RSS == 0 || before.Peak < before.RSS {
		t.Fatalf("Read(Self) = %+v: want RSS > 0 and peak ≥ RSS", before)
	}
	const size = 64 << 20
	buf := make([]byte, size)
	for i := 0; i < len(buf); i += os.Getpagesize() {
		buf[i] = 1
	}
	after, err := Read(Self)
	if err != nil {
		t.Fatal(err)
	}
	if after.Peak < before.RSS+size/2 {
		t.Errorf("peak %d after touching %d bytes on an RSS of %d: want it to grow by about that much", after.Peak, size, before.RSS)
	}
	_ = buf[len(buf)-1]

	// Read once the child has printed: until it execs, a child of Go's
	// fork shares this process's memory and its figures.
	cmd := exec.Command("sh", "-c", "echo ready; exec sleep 10")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if _, err := out.Read(make([]byte, 8)); err != nil {
		t.Fatal(err)
	}
	other, err := Read(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if other.RSS == 0 || other.RSS >= after.RSS {
		t.Errorf("sleep's RSS %d: want it above 0 and below this test's %d", other.RSS, after.RSS)
	}
	if _, err := Read(1 << 30); err == nil {
		t.Errorf("Read of a PID that cannot exist: no error")
	}
}
