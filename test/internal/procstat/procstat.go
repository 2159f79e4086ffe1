// Package procstat reads a process's memory figures from /proc, for
// benchmarks that report what a program takes.
package procstat

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Self stands for the calling process.
const Self = 0

// Memory is a process's resident memory, in bytes.
type Memory struct {
	// RSS is VmRSS, what it holds now; Peak is VmHWM, the most it held.
	RSS, Peak uint64
}

// Read returns the memory of process pid (Self for this one).
func Read(pid int) (Memory, error) {
	path := "/proc/self/status"
	if pid != Self {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	f, err := os.Open(path)
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	var m Memory
	fields := map[string]*uint64{"VmRSS": &m.RSS, "VmHWM": &m.Peak}
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, rest, ok := strings.Cut(s.Text(), ":")
		dst := fields[name]
		if !ok || dst == nil {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("%s: %s: %w", path, name, err)
		}
		*dst = kb << 10
		delete(fields, name)
	}
	if err := s.Err(); err != nil {
		return Memory{}, fmt.Errorf("%s: %w", path, err)
	}
	if len(fields) > 0 {
		return Memory{}, fmt.Errorf("%s: no VmRSS or VmHWM (a kernel thread, or a zombie?)", path)
	}
	return m, nil
}
