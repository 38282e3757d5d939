package main_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"slate/store/storetest"
	"slate/waitfor"
)

// TestWorkerCrashLeavesNothing kills a worker with SIGKILL while ffmpeg
// renders for it. The kernel kills ffmpeg with it (Pdeathsig), so nothing
// of ffmpeg's process group is left running; what the render was writing
// lies in the dead worker's scratch directory under the media root, not in
// the system's temporary directory; and the next worker to start sweeps it
// once it is older than a lease.
func TestWorkerCrashLeavesNothing(t *testing.T) {
	t.Parallel()
	// The test process adopts what its workers leave behind (it becomes a
	// child subreaper), so once the worker is gone ffmpeg is the test's
	// child: the test can tell which signal killed it. Adopted, ffmpeg's
	// group is not orphaned either, so the kernel does not send it the
	// SIGHUP an orphaned group with a stopped member gets, which would
	// kill ffmpeg without Pdeathsig's help.
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		t.Fatalf("prctl(PR_SET_CHILD_SUBREAPER): %v", errno)
	}
	r := openRig(t, storetest.Backends(t)[0])
	ctx, p := r.org("business", 1, 60_000)
	r.submit(ctx, p, "high")
	mediaDir := filepath.Join(t.TempDir(), "media")
	sysTemp := t.TempDir()
	// A lease longer than the test: the job stays the dead worker's, so
	// the next worker renders nothing, and only the sweep touches the
	// scratch area.
	start := func() *workerProc {
		return startWorkerEnv(t, []string{"TMPDIR=" + sysTemp}, r.dsn, mediaDir, "--workers", "1", "--lease", "1h")
	}
	first := start()
	workerPID := first.cmd.Process.Pid

	// ffmpeg, once the worker has started it.
	var ff proc
	waitfor.Until(t, func() error {
		for _, p := range processes(t) {
			if p.ppid == workerPID && p.comm == "ffmpeg" && p.state != "Z" {
				ff = p
				return nil
			}
		}
		return fmt.Errorf("no ffmpeg running for worker %d\nworker stderr:\n%s", workerPID, first.stderr)
	})
	// Stopped, ffmpeg can neither finish nor exit on its own: if it goes
	// now, it was killed.
	if err := syscall.Kill(ff.pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if now, ok := lookup(t, ff.pid); !ok || now.start != ff.start || now.ppid != workerPID {
		t.Fatalf("ffmpeg %d ended before the worker was killed", ff.pid)
	}
	t.Cleanup(func() {
		// Only when the test failed to see it die.
		if p, ok := lookup(t, ff.pid); ok && p.start == ff.start && p.state != "Z" {
			_ = syscall.Kill(ff.pid, syscall.SIGKILL)
		}
	})
	if ff.pgrp != ff.pid {
		t.Fatalf("ffmpeg %d is in process group %d, want a group of its own", ff.pid, ff.pgrp)
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitfor.Recv(t, "the killed worker's exit", first.exited)

	// The worker is gone, so ffmpeg is the test's child now.
	waitfor.Until(t, func() error {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(ff.pid, &ws, syscall.WNOHANG, nil)
		switch {
		case err != nil:
			t.Fatalf("wait for ffmpeg %d: %v", ff.pid, err)
		case pid == 0:
			return fmt.Errorf("ffmpeg %d outlives its worker", ff.pid)
		case !ws.Signaled() || ws.Signal() != syscall.SIGKILL:
			t.Fatalf("ffmpeg %d ended with %v, want killed by SIGKILL with its worker", ff.pid, ws)
		}
		return nil
	})
	waitfor.Until(t, func() error {
		for _, p := range processes(t) {
			if p.pgrp == ff.pgrp && p.state != "Z" {
				return fmt.Errorf("%s %d (state %s) of ffmpeg's group outlives the worker", p.comm, p.pid, p.state)
			}
		}
		return nil
	})

	// What the render was writing is all in the dead worker's scratch
	// directory.
	scratch := filepath.Join(mediaDir, ".tmp")
	left, err := os.ReadDir(scratch)
	if err != nil || len(left) != 1 || !left[0].IsDir() {
		t.Fatalf("scratch area holds %v (%v), want the dead worker's directory", left, err)
	}
	dead := filepath.Join(scratch, left[0].Name())
	if files := walk(t, dead); len(files) == 0 {
		t.Fatalf("the dead worker's scratch directory %s is empty; the render left nothing to sweep", dead)
	} else {
		t.Logf("left by the dead worker: %v", files)
	}
	if files := walk(t, sysTemp); len(files) != 0 {
		t.Errorf("the worker wrote to the system's temporary directory: %v", files)
	}

	// Aged past the lease, as if the worker had died long ago: the next
	// worker sweeps it as it starts.
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(dead, old, old); err != nil {
		t.Fatal(err)
	}
	second := start()
	waitfor.Until(t, func() error {
		if _, err := os.Stat(dead); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("the dead worker's scratch directory is still there (%v)\nworker stderr:\n%s", err, second.stderr)
		}
		return nil
	})
	// Stopped cleanly, a worker removes its own.
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err, _ := waitfor.Recv(t, "the worker's exit after SIGTERM", second.exited); err != nil {
		t.Fatalf("worker after SIGTERM: %v\n%s", err, second.stderr)
	}
	if left, err := os.ReadDir(scratch); err != nil || len(left) != 0 {
		t.Fatalf("scratch area after a clean stop holds %v (%v), want nothing", left, err)
	}
}

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER.
const prSetChildSubreaper = 36

// proc is a process as /proc/PID/stat tells it.
type proc struct {
	pid, ppid, pgrp int
	comm, state     string
	// start is when the process started, in clock ticks after boot: with
	// the pid, it tells a process from a later one given the same pid.
	start string
}

// processes lists every process on the machine.
func processes(t *testing.T) []proc {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := lookup(t, pid); ok {
			out = append(out, p)
		}
	}
	return out
}

// lookup reads one process; ok is false when there is none.
func lookup(t *testing.T, pid int) (proc, bool) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ESRCH) {
		return proc{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	// "pid (comm) state ppid pgrp …": comm may hold spaces and
	// parentheses, so it ends at the last ')'.
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	f := strings.Fields(s[end+1:])
	if open < 0 || end < open || len(f) < 20 {
		t.Fatalf("/proc/%d/stat: %q", pid, s)
	}
	p := proc{pid: pid, comm: s[open+1 : end], state: f[0], start: f[19]}
	p.ppid, _ = strconv.Atoi(f[1])
	p.pgrp, _ = strconv.Atoi(f[2])
	return p, true
}

// walk lists the files under dir, relative to it.
func walk(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
