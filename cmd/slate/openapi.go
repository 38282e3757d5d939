package main

import (
	"bytes"
	"encoding/json"

	"github.com/spf13/cobra"

	"slate/api"
)

// openapiCommand prints the API's OpenAPI document, the one a server serves
// at /api/v1/openapi.json, without starting one: for client generators and
// for scripts/lint-openapi.
func (a *app) openapiCommand() *cobra.Command {
	var v30 bool
	c := &cobra.Command{
		Use:   "openapi",
		Short: "Print the API's OpenAPI document (JSON) without a server",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			doc := (&api.Server{}).OpenAPI()
			b, err := json.Marshal(doc)
			if v30 {
				b, err = doc.Downgrade()
			}
			if err != nil {
				return err
			}
			// Indented, so that a linter's line numbers point somewhere.
			var out bytes.Buffer
			if err := json.Indent(&out, b, "", "  "); err != nil {
				return err
			}
			out.WriteByte('\n')
			_, err = out.WriteTo(a.stdout)
			return err
		},
	}
	c.Flags().BoolVar(&v30, "3.0", false, "print the OpenAPI 3.0 form (as /api/v1/openapi-3.0.json) instead of 3.1")
	return c
}
