//go:build !unix

package accesspoint

import (
	"os"
	"os/exec"
	"syscall"
)

// ownGroup does nothing where there are no process groups.
func ownGroup(*exec.Cmd) {}

// signalGroup kills the process pid itself where there are no process groups
// and no SIGTERM, and reports that nothing is left to wait for.
func signalGroup(pid int, _ syscall.Signal) bool {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
	return false
}
