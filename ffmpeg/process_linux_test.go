package ffmpeg_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"slate/ffmpeg"
	"slate/waitfor"
)

// TestCancelKillsGroup: a child runs in a process group of its own, and
// cancelling kills the whole group, not just the child: here a shell and
// the sleep it started in the background, which a kill of the shell alone
// would leave running.
func TestCancelKillsGroup(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := ffmpeg.Command(ctx, "sh", "-c", `sleep 1000 & echo $!; wait`)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var sleeper, group int
	err = ffmpeg.Exec(cmd, func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err != nil {
			t.Errorf("reading the sleeper's pid: %v", err)
			cancel()
			return
		}
		sleeper, _ = strconv.Atoi(strings.TrimSpace(line))
		_, _, group = procStat(t, sleeper)
		cancel()
	})
	if err == nil {
		t.Fatal("Exec of a cancelled command succeeded")
	}
	if shell := cmd.Process.Pid; group != shell || group == syscall.Getpgrp() {
		t.Fatalf("the sleeper is in group %d; want the shell's own group %d, not the test's %d", group, shell, syscall.Getpgrp())
	}
	waitfor.Until(t, func() error {
		if state, _, _ := procStat(t, sleeper); state != "" && state != "Z" {
			return fmt.Errorf("the sleeper %d is alive (state %s) after its group was killed", sleeper, state)
		}
		return nil
	})
}

// TestExecStartError: a binary that cannot start is a *StartError.
func TestExecStartError(t *testing.T) {
	t.Parallel()
	err := ffmpeg.Exec(ffmpeg.Command(context.Background(), "/nonexistent/ffmpeg"), nil)
	if _, ok := errors.AsType[*ffmpeg.StartError](err); !ok {
		t.Fatalf("Exec = %v, want a *StartError", err)
	}
}

// procStat reads a process's state, parent and process group from
// /proc/PID/stat; state is "" when there is no such process.
func procStat(t *testing.T, pid int) (state string, ppid, pgrp int) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return "", 0, 0
	}
	if err != nil {
		t.Fatal(err)
	}
	// The command name, in parentheses, may hold spaces; the fields after
	// it do not.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	ppid, _ = strconv.Atoi(f[1])
	pgrp, _ = strconv.Atoi(f[2])
	return f[0], ppid, pgrp
}
