package lab

import (
	"runtime"
	"syscall"
)

// goLocked runs fn on a new goroutine locked to an OS thread that is not
// the process's main thread, and returns at once. fn may switch the
// thread's namespace; if it returns without runtime.UnlockOSThread the
// runtime discards the thread.
//
// Never the main thread, because tools that ask which namespace a process
// is in (ip netns pids, /proc/PID/ns/net) look at that thread, and because
// the runtime cannot discard it: a goroutine that exits locked to it wedges
// it, in whatever namespace it was, for the life of the process.
func goLocked(fn func()) {
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
