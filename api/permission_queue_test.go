package api_test

import (
	"slate"
	"slate/api"
)

// queueOperations are the matrix rows of the render queue and takes. Rows
// that change a job get a job of their own, in a fresh project, so they
// cannot disturb each other; jobAction has one row per action, since
// approve and reject need use_credits and the others run_ai.
var queueOperations = []operation{
	{"submitBatch", slate.PermRunAI, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/projects/%s/batches", m.freshTree(h).Project),
			body: slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: "draft"}}
	}},
	{"listJobs", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/orgs/%s/jobs?state=queued&project=%s&limit=5", m.org.ID, m.shared.Project)}
	}},
	{"getJob", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/jobs/" + m.job(h, m.founder).ID}
	}},
	{"setJobPriority", slate.PermRunAI, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "PATCH", path: "/api/v1/jobs/" + m.job(h, m.founder).ID, body: api.PriorityPatch{Priority: 70}}
	}},
	{"jobAction", slate.PermRunAI, 200, jobActionCall("pause", nil)},
	{"jobAction", slate.PermRunAI, 200, jobActionCall("resume", func(h *harness, m *matrix, j *slate.Job) {
		h.must(call{method: "POST", path: "/api/v1/jobs/" + j.ID + "/pause", token: m.founder.Token}, 200, nil)
	})},
	{"jobAction", slate.PermRunAI, 200, jobActionCall("cancel", nil)},
	{"jobAction", slate.PermRunAI, 200, jobActionCall("retry", func(h *harness, m *matrix, j *slate.Job) {
		h.must(call{method: "POST", path: "/api/v1/jobs/" + j.ID + "/cancel", token: m.founder.Token}, 200, nil)
	})},
	{"jobAction", slate.PermRunAI, 200, jobActionCall("top", nil)},
	{"jobAction", slate.PermUseCredits, 200, awaitingActionCall("approve")},
	{"jobAction", slate.PermUseCredits, 200, awaitingActionCall("reject")},
	{"getBatch", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/batches/" + m.job(h, m.founder).BatchID}
	}},
	{"batchAction", slate.PermRunAI, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: "/api/v1/batches/" + m.job(h, m.founder).BatchID + "/pause"}
	}},
	{"selectionAction", slate.PermRunAI, 200, func(h *harness, m *matrix, as *person) call {
		j := m.job(h, m.founder)
		return call{method: "POST", path: path("/api/v1/projects/%s/jobs/cancel", j.ProjectID),
			body: api.SelectionActionInput{Selection: slate.Selection{Shots: []string{j.ShotID}}}}
	}},
	{"listTakes", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/shots/%s/takes", m.shared.Shot)}
	}},
	{"selectTake", slate.PermModify, 200, func(h *harness, m *matrix, as *person) call {
		t := h.take(m.founder, m.freshTree(h), []byte("take to select"))
		return call{method: "POST", path: path("/api/v1/takes/%s/select", t.ID)}
	}},
	{"getTakeMedia", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		t := h.take(m.founder, m.freshTree(h), []byte("take to watch"))
		return call{method: "GET", path: path("/api/v1/takes/%s/media", t.ID)}
	}},
}

// job is the one job of a fresh project's batch, submitted by who: queued
// for a member who may spend, awaiting approval for one who may not.
func (m *matrix) job(h *harness, who *person) *slate.Job {
	b := h.submit(who, m.freshTree(h).Project, slate.BatchInput{Selection: &slate.Selection{All: true}, Tier: "draft"})
	if len(b.Items) != 1 {
		h.t.Fatalf("batch of one shot has jobs %+v", b.Items)
	}
	return b.Items[0]
}

// jobActionCall applies action to a queued job of the founder's, after
// prepare (if any) has moved it to the state the action applies to.
func jobActionCall(action string, prepare func(h *harness, m *matrix, j *slate.Job)) func(h *harness, m *matrix, as *person) call {
	return func(h *harness, m *matrix, as *person) call {
		j := m.job(h, m.founder)
		if prepare != nil {
			prepare(h, m, j)
		}
		return call{method: "POST", path: path("/api/v1/jobs/%s/%s", j.ID, action)}
	}
}

// awaitingActionCall applies action to a job the run_ai-only member
// submitted, which waits for approval.
func awaitingActionCall(action string) func(h *harness, m *matrix, as *person) call {
	return func(h *harness, m *matrix, as *person) call {
		j := m.job(h, m.members[slate.PermRunAI])
		if j.State != slate.JobAwaitingApproval {
			h.t.Fatalf("a run_ai-only member's job is %s, want awaiting_approval", j.State)
		}
		return call{method: "POST", path: path("/api/v1/jobs/%s/%s", j.ID, action)}
	}
}

// exportOperations are the matrix rows of exports; each that needs an
// export makes one of the founder's on a fresh project with a take.
var exportOperations = []operation{
	{"createExport", slate.PermRunAI, 201, func(h *harness, m *matrix, as *person) call {
		return call{method: "POST", path: path("/api/v1/projects/%s/exports", m.takenTree(h).Project),
			body: slate.ExportInput{Selection: slate.Selection{All: true}, Preset: slate.PresetWebM}}
	}},
	{"listExports", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: path("/api/v1/projects/%s/exports", m.shared.Project)}
	}},
	{"getExport", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: "/api/v1/exports/" + m.queuedExport(h).ID}
	}},
	{"getExportEDL", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		return call{method: "GET", path: m.queuedExport(h).EDLURL}
	}},
	{"getExportFile", slate.PermRead, 200, func(h *harness, m *matrix, as *person) call {
		e := h.finishExport(m.founder, m.takenTree(h).Project, slate.ExportInput{Selection: slate.Selection{All: true},
			Preset: slate.PresetMP4H264}, []byte("the cut"))
		return call{method: "GET", path: e.FileURL}
	}},
}

// takenTree is a fresh project whose one shot has a take.
func (m *matrix) takenTree(h *harness) treeIDs {
	ids := m.freshTree(h)
	h.take(m.founder, ids, []byte("a take"))
	return ids
}

// queuedExport is a queued export of the founder's on a fresh project.
func (m *matrix) queuedExport(h *harness) *api.ExportView {
	return h.export(m.founder, m.takenTree(h).Project, slate.ExportInput{Selection: slate.Selection{All: true},
		Preset: slate.PresetProRes422HQ})
}
