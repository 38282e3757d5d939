package ffmpeg

import (
	"context"
	"os/exec"
	"runtime"
	"time"
)

// waitDelay is how long Wait waits for a killed child's pipes to close: a
// child of the child may hold them, and its group was killed too.
const waitDelay = 2 * time.Second

// Command is exec.CommandContext for a child that an engine, an export or a
// probe runs (ffmpeg, ffprobe, fc-match). The child runs in a process group
// of its own, and the whole group is killed with SIGKILL when ctx ends —
// a member cancelling a job, a render's timeout, or the worker's shutdown
// once its grace is over. On Linux the kernel also kills the child when
// the worker dies (Pdeathsig), so kill -9 of a worker leaves no ffmpeg
// rendering, for nobody, a job another worker has already taken. Run it
// with Exec, which keeps that promise.
func Command(ctx context.Context, bin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	isolate(cmd)
	cmd.WaitDelay = waitDelay
	return cmd
}

// Exec starts cmd (made by Command), calls during (if not nil) while it
// runs, for instance to read its output, and waits for it. It returns a
// *StartError when cmd cannot start, else what cmd.Wait returns.
//
// The calling goroutine keeps its OS thread from the start to the end of
// the wait. Linux sends Pdeathsig when the *thread* that started the
// child exits, not the process; Go parks idle threads rather than ending
// them, except a thread whose goroutine exits while locked to it. Holding
// the thread ourselves means the signal can only come from the worker's
// death, never from an unrelated goroutine's thread going away mid-render.
func Exec(cmd *exec.Cmd, during func()) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := cmd.Start(); err != nil {
		return &StartError{Err: err}
	}
	if during != nil {
		during()
	}
	return cmd.Wait()
}
