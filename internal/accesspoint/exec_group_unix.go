//go:build unix

package accesspoint

import (
	"errors"
	"os/exec"
	"syscall"
)

// ownGroup makes cmd the leader of a process group of its own, so that the
// function and every process it starts can be stopped together, as Function
// Compute stops a whole instance.
func ownGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// signalGroup sends sig to the process group led by pid (0 only checks),
// and reports whether a process of the group is still there.
func signalGroup(pid int, sig syscall.Signal) bool {
	err := syscall.Kill(-pid, sig)
	return err == nil || errors.Is(err, syscall.EPERM)
}
