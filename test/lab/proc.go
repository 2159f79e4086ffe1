package lab

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/farol-lb/farol/test/internal/nsthread"
)

// spawner returns the host's spawner, starting it on first use.
func (h *Host) spawner() (*nsthread.Spawner, error) {
	h.spOnce.Do(func() {
		h.sp, h.spErr = nsthread.NewSpawner(h.Netns)
	})
	return h.sp, h.spErr
}

// Proc is a child process the lab started in a host's namespace; Stop ends
// every one still running.
type Proc struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed once the child is reaped
	err     error         // cmd.Wait's result, valid after done

	mu       sync.Mutex
	expected bool // the end was asked for (Stop, Kill), so it is no failure
}

// Start runs cmd as a child in the host's namespace (build it with Command
// when the program reads /sys). Its output goes to <Dir>/<host>-<name>.log
// (appended, so a restarted process keeps its history) and also to
// cmd.Stdout/Stderr if set. The child gets SIGKILL if the test binary dies
// and is stopped by Lab.Stop if still running.
func (h *Host) Start(name string, cmd *exec.Cmd) (*Proc, error) {
	p, err := h.start(name, cmd)
	if err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", h.Name, name, err)
	}
	return p, nil
}

func (h *Host) start(name string, cmd *exec.Cmd) (*Proc, error) {
	l := h.lab
	sp, err := h.spawner()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(l.Dir, h.Name+"-"+name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "=== %s: %s\n", time.Now().Format(time.RFC3339Nano), cmd)
	cmd.Stdout = alsoTo(f, cmd.Stdout)
	cmd.Stderr = alsoTo(f, cmd.Stderr)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	// Own process group: a ^C at the terminal reaches only the test binary,
	// which then stops the lab in order.
	cmd.SysProcAttr.Setpgid = true

	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		f.Close()
		return nil, errStopped
	}
	if err := sp.Start(cmd); err != nil {
		f.Close()
		return nil, err
	}
	p := &Proc{name: h.Name + "-" + name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		// Only now: with a caller's writer, Wait copies through a pipe into f.
		f.Close()
		close(p.done)
	}()
	l.procs = append(l.procs, p)
	return p, nil
}

var errStopped = errors.New("lab stopped")

// alsoTo writes to the log file and to w, if the caller set one.
func alsoTo(f *os.File, w io.Writer) io.Writer {
	if w == nil {
		return f
	}
	return io.MultiWriter(f, w)
}

// PID is the child's process ID.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// LogPath is the file that receives the child's output.
func (p *Proc) LogPath() string { return p.logPath }

// Wait waits for the child to exit and returns what exec.Cmd.Wait returned.
func (p *Proc) Wait() error {
	<-p.done
	return p.err
}

// Pause stops the child with SIGSTOP: it keeps its sockets but answers
// nothing, like a hung process.
func (p *Proc) Pause() error { return p.signal(syscall.SIGSTOP) }

// Resume continues a paused child.
func (p *Proc) Resume() error { return p.signal(syscall.SIGCONT) }

// Kill ends the child with SIGKILL, giving it no chance to clean up, and
// waits until it is reaped.
func (p *Proc) Kill() error {
	p.expect()
	if err := p.signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-p.done
	return nil
}

// exitError describes a child that exited before it was asked to, with the
// end of its log, which is where the reason is.
func (p *Proc) exitError() error {
	cause := p.err
	if cause == nil {
		cause = errCleanExit
	}
	return fmt.Errorf("%s exited unexpectedly: %w; end of %s:\n%s", p.name, cause, p.logPath, nsthread.Tail(p.logPath))
}

// errCleanExit stands for cmd.Wait's nil when a child that should keep
// running exits with status 0.
var errCleanExit = errors.New("exit status 0")

// Stop sends SIGTERM (and SIGCONT, in case it is paused), then SIGKILL after
// timeout, and waits until the child is reaped. It reports a child that had
// already failed on its own, with the end of its log.
func (p *Proc) Stop(timeout time.Duration) error {
	if already := p.expect(); !already {
		select {
		case <-p.done:
			if p.err != nil {
				return p.exitError()
			}
			return nil
		default:
		}
	}
	_ = p.signal(syscall.SIGTERM)
	_ = p.signal(syscall.SIGCONT)
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.signal(syscall.SIGKILL)
		<-p.done
	}
	return nil
}

// expect records that the child's end is asked for, and whether it had
// been before.
func (p *Proc) expect() (already bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	already, p.expected = p.expected, true
	return already
}

// signal signals the child through its handle, so a reused PID is never hit.
func (p *Proc) signal(sig os.Signal) error {
	select {
	case <-p.done:
		return os.ErrProcessDone
	default:
	}
	return p.cmd.Process.Signal(sig)
}
