package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/farol-lb/farol/test/internal/nsthread"
)

// stopGrace is how long a child may take to exit after SIGTERM; the API
// server's graceful shutdown normally takes about a second.
const stopGrace = 5 * time.Second

// process is one child the cluster started; only these are ever signalled,
// and through the handle from Start, so a reused PID is never hit.
type process struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed once Wait has reaped the child
	err     error         // Wait's result, valid after done

	mu       sync.Mutex
	stopping bool // set before signalling, so a crash is told from a stop
}

// startProcess runs bin with args as a child of sp's thread, its output going
// to dir/name.log and, if set, to also. The log starts empty, so that what
// it says is about this run only.
func startProcess(sp *nsthread.Spawner, dir, name, bin string, args []string, also io.Writer) (*process, error) {
	p := &process{name: name, logPath: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	f, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	var out io.Writer = f
	if also != nil {
		out = io.MultiWriter(f, also)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Pdeathsig: syscall.SIGKILL,
		// Own process group: a ^C at the terminal reaches only our
		// process, so a demo that catches it can Stop in order; one that
		// does not dies and takes the children along through Pdeathsig.
		Setpgid: true,
	}
	p.cmd = cmd
	if err := sp.Start(cmd); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// markStopping records that the child's end is expected or already reported,
// and whether it had been marked before.
func (p *process) markStopping() (already bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	already, p.stopping = p.stopping, true
	return already
}

// stop sends SIGTERM, then SIGKILL after stopGrace, and waits for the child to
// be reaped. It reports a child that had already died on its own.
func (p *process) stop() error {
	already := p.markStopping()
	select {
	case <-p.done:
		if already {
			return nil
		}
		return p.exitError()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

// exitError describes a child that exited before it was asked to, with the end
// of its log, which is where the reason is.
func (p *process) exitError() error {
	cause := p.err
	if cause == nil {
		cause = errCleanExit
	}
	return fmt.Errorf("%s exited unexpectedly: %w; end of %s:\n%s", p.name, cause, p.logPath, nsthread.Tail(p.logPath))
}

// errCleanExit stands for cmd.Wait's nil when a child that should keep
// running exits with status 0.
var errCleanExit = errors.New("exit status 0")

// prefixWriter tags each line with a child's name, so that etcd's and the API
// server's logs stay readable when both go to one Options.Log. Writes from the
// two children are serialised through mu, shared by the writers of a cluster.
type prefixWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix []byte
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	var out []byte
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		out = append(out, p.prefix...)
		out = append(out, p.buf[:i+1]...)
		p.buf = p.buf[i+1:]
	}
	if len(out) == 0 {
		return len(b), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	// A failing copy must not fail the child's output: the log file has it all.
	_, _ = p.w.Write(out)
	return len(b), nil
}

var errPortInUse = errors.New("port already in use")

// portClash tells whether a child died because another process took a port
// between our picking it and the child binding it.
func portClash(p *process) bool {
	return strings.Contains(nsthread.Tail(p.logPath), "address already in use")
}
