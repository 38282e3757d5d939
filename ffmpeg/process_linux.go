//go:build linux

package ffmpeg

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// isolate puts cmd's child in a new process group that it leads, asks the
// kernel to SIGKILL it when the thread that started it (held by Exec for
// the child's life) dies with the worker, and makes cancelling kill the
// whole group rather than the child alone.
func isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		// The child leads its group, so the group's id is its pid.
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
}
