package provider

import (
	"encoding/base64"
	"fmt"
	"io"
	"os"

	"slate"
	"slate/engine"
)

// MaxStartImage bounds a start image sent inline; a PNG frame of a 4K take
// is a few megabytes.
const MaxStartImage = 20 << 20

// StartImage reads the spec's start image (a PNG the worker took out of a
// take) for a request body: its bytes, which an adapter sends as base64 or
// as a data: URI. It returns nil when the spec has none.
func StartImage(spec slate.RenderSpec) ([]byte, error) {
	if spec.StartImage == "" {
		return nil, nil
	}
	f, err := os.Open(spec.StartImage)
	if err != nil {
		return nil, engine.Errorf(slate.JobErrEngineFailed, true, "the start image: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxStartImage+1))
	if err != nil {
		return nil, engine.Errorf(slate.JobErrEngineFailed, true, "the start image: %v", err)
	}
	if len(b) > MaxStartImage {
		return nil, engine.Errorf(slate.JobErrInvalidRequest, false, "the start image is larger than %d bytes", MaxStartImage)
	}
	return b, nil
}

// DataURI writes a PNG's bytes as a data: URI, the form most providers
// take an inline image in.
func DataURI(png []byte) string {
	return fmt.Sprintf("data:image/png;base64,%s", base64.StdEncoding.EncodeToString(png))
}
