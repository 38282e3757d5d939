package api

import "github.com/danielgtaylor/huma/v2"

// documentLicense is the licence the API document states. Slate has not
// chosen one, so it states that none is granted; when a LICENSE file is
// added, name it here with its SPDX identifier or URL (the linter warns
// until one of them is given; an identifier would not survive huma's
// OpenAPI 3.0 downgrade, a URL would).
const documentLicense = "Proprietary"

// documentTags describes each tag operations are grouped by, in the order
// documentation tools list them.
var documentTags = []*huma.Tag{
	{Name: "auth", Description: "Accounts, sign-in, sessions and API tokens."},
	{Name: "orgs", Description: "Organisations and their audit log."},
	{Name: "members", Description: "Members, their permissions, and invitations."},
	{Name: "projects", Description: "Projects, their settings, their whole tree and who may see them."},
	{Name: "tree", Description: "Acts, scenes and shots: add, edit, move, order, tag, review and select."},
	{Name: "locks", Description: "Locks on acts, scenes and shots: nothing under a lock can be edited, moved, deleted or rendered."},
	{Name: "credits", Description: "Plans, credit packs and the price book; balances, the ledger, forecasts, budgets and estimates."},
	{Name: "queue", Description: "The render queue: submit batches, then prioritise, pause, cancel, retry, approve or reject jobs."},
	{Name: "engines", Description: "The engines this deployment renders with, and checks that their providers answer."},
	{Name: "takes", Description: "Rendered takes of shots and their video."},
	{Name: "exports", Description: "Cuts of selected shots rendered to a file, with their EDL."},
	{Name: "events", Description: "The organisation's live events, as server-sent events."},
	{Name: "webhooks", Description: "Events delivered to a URL of the organisation's, signed, and the record of each delivery."},
	{Name: "ops", Description: "Health for load balancers and orchestrators."},
}

// describeDocument fills in what the API document says about the whole
// API: where it is served, its licence, its tags, and that every operation
// needs a bearer token or the session cookie unless it says otherwise (the
// public ones say so with an empty security list).
func describeDocument(doc *huma.OpenAPI) {
	// Relative to the document itself: every path already starts at the
	// server's root, and the server cannot know the address it is reached by.
	doc.Servers = []*huma.Server{{URL: "/", Description: "The server this document was fetched from"}}
	doc.Info.License = &huma.License{Name: documentLicense}
	doc.Tags = documentTags
	doc.Security = []map[string][]string{{schemeBearer: {}}, {schemeSession: {}}}
}
