// Package nsthread runs work on OS threads that sit in a network namespace,
// for the test harnesses (test/cluster, test/lab): a socket, or a child
// process forked from such a thread, belongs to that namespace.
package nsthread

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"

	"github.com/vishvananda/netns"
)

// GoLocked runs fn on a new goroutine locked to an OS thread that is not
// the process's main thread, and returns at once. fn may switch the
// thread's namespace; if it returns without runtime.UnlockOSThread the
// runtime discards the thread.
//
// Never the main thread, because tools that ask which namespace a process
// is in (ip netns pids, /proc/PID/ns/net) look at that thread, and because
// the runtime cannot discard it: a goroutine that exits locked to it wedges
// it, in whatever namespace it was, for the life of the process.
func GoLocked(fn func()) {
	go func() {
		runtime.LockOSThread()
		if syscall.Gettid() != syscall.Getpid() {
			fn()
			return
		}
		// Holding the main thread, so the goroutine started now gets
		// another one; let go once it has locked it.
		locked := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			close(locked)
			fn()
		}()
		<-locked
		runtime.UnlockOSThread()
	}()
}

// Enter moves the calling, locked thread into the namespace name.
func Enter(name string) error {
	h, err := netns.GetFromName(name)
	if err != nil {
		return fmt.Errorf("network namespace %s: %w", name, err)
	}
	defer h.Close()
	if err := netns.Set(h); err != nil {
		return fmt.Errorf("enter network namespace %s: %w", name, err)
	}
	return nil
}

// Spawner is one locked thread, in a namespace or in the process's own,
// that starts children and runs other work handed to it. Children are
// started with Pdeathsig, which the kernel ties to the thread that forked
// them, not the process: starting them all from one long-lived thread keeps
// a thread's exit from killing them early.
type Spawner struct {
	reqs chan func()
}

// NewSpawner starts a spawner thread in the namespace name ("" = the
// process's own).
func NewSpawner(name string) (*Spawner, error) {
	s := &Spawner{reqs: make(chan func())}
	errc := make(chan error, 1)
	// Never unlocked: when the loop ends the runtime discards the thread,
	// and by then every child has been reaped.
	GoLocked(func() {
		if name != "" {
			if err := Enter(name); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
		for f := range s.reqs {
			f()
		}
	})
	if err := <-errc; err != nil {
		return nil, err
	}
	return s, nil
}

// Start starts cmd from the spawner's thread.
func (s *Spawner) Start(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	s.reqs <- func() { errc <- cmd.Start() }
	return <-errc
}

// Do runs fn on the spawner's thread and waits for it.
func (s *Spawner) Do(fn func()) {
	done := make(chan struct{})
	s.reqs <- func() { fn(); close(done) }
	<-done
}

// Close ends the thread; no call may follow.
func (s *Spawner) Close() { close(s.reqs) }

// Tail returns the last lines of a log file, which is where a process says
// why it died.
func Tail(path string) string {
	const maxBytes, maxLines = 8 << 10, 25
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err.Error()
	}
	off := max(st.Size()-maxBytes, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if off > 0 && len(lines) > 1 {
		lines = lines[1:] // the first line is cut
	}
	if len(lines) > maxLines {
		lines = lines[len(lines)-maxLines:]
	}
	return strings.Join(lines, "\n")
}
