//go:build !linux

package ffmpeg

import "os/exec"

// isolate does nothing off Linux, where Slate is built but not meant to
// run workers: cancelling kills the child alone (exec.CommandContext's
// default), and a crashed worker's children are not killed with it.
func isolate(*exec.Cmd) {}
