package storetest_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"slate"
	"slate/pricing"
	"slate/store/storetest"
)

// The model test drives random sequences of credit operations through the
// store and checks every balance against a reference model of one
// organisation written from the spec (section 4), not from the ledger
// package. SLATE_MODEL_SEED=N replays one seed; a failure prints the seed and
// the steps that led to it.
const (
	modelSequences = 20
	modelSteps     = 150
)

// modelPlan is a row of the spec's plan table; cap < 0 means no cap.
type modelPlan struct {
	monthly, cap int64
	packs        bool
}

var modelPlans = map[string]modelPlan{
	"free":       {monthly: 800, cap: 0},
	"community":  {monthly: 8_000, cap: 1_000},
	"standard":   {monthly: 33_000, cap: 100_000},
	"business":   {monthly: 180_000, cap: 500_000, packs: true},
	"enterprise": {monthly: 1_000_000, cap: -1, packs: true},
}

var modelPlanNames = []string{"free", "community", "standard", "business", "enterprise"}

type modelHold struct {
	id, key string
	amount  int64
	charged int64
	state   slate.HoldState
}

// creditModel is one organisation's credits as the spec describes them.
type creditModel struct {
	plan, pending      string
	anchor             time.Time
	index              int
	start, end         time.Time
	monthly, rollover  int64
	purchased, held    int64
	holds              map[string]*modelHold // by hold id
	byKey              map[string]*modelHold
	purchases          map[string]string // purchase key → purchase id
	closes, expiryRuns int
	keptForHolds       int
	upgrades           int
	lateAnchors        int // upgrades anchored on a day some months lack
}

func newCreditModel(plan string, now time.Time) *creditModel {
	m := &creditModel{plan: plan, anchor: now, holds: map[string]*modelHold{}, byKey: map[string]*modelHold{},
		purchases: map[string]string{}}
	m.start, m.end = modelBounds(now, 0)
	m.monthly = modelPlans[plan].monthly
	return m
}

// modelAddMonths moves t n calendar months on; a day the month lacks becomes
// its last day, counted from the anchor each time so 31 January bills on 28
// February and again on 31 March.
func modelAddMonths(t time.Time, n int) time.Time {
	y, mo, d := t.Date()
	months := int(mo) - 1 + n
	ty, tm := y+months/12, time.Month(months%12+1)
	last := time.Date(ty, tm+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(ty, tm, min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

func modelBounds(anchor time.Time, n int) (time.Time, time.Time) {
	return modelAddMonths(anchor, n), modelAddMonths(anchor, n+1)
}

func (m *creditModel) available() int64 { return m.monthly + m.rollover + m.purchased - m.held }

// closeInto ends the period on plan p: unused monthly credits move to
// rollover, rollover above p's cap expires unless open holds would then not
// be covered by rollover + purchased, and p's allocation loads.
func (m *creditModel) closeInto(name string) {
	p := modelPlans[name]
	m.rollover += m.monthly
	m.monthly = 0
	if p.cap >= 0 && m.rollover > p.cap {
		expire := m.rollover - p.cap
		if spare := m.rollover + m.purchased - m.held; spare < expire {
			expire = max(spare, 0)
			m.keptForHolds++
		}
		m.rollover -= expire
		if expire > 0 {
			m.expiryRuns++
		}
	}
	m.monthly = p.monthly
	m.plan = name
	m.closes++
}

// catchUp closes every period boundary that has passed, in order; a pending
// downgrade takes effect at the first.
func (m *creditModel) catchUp(now time.Time) {
	for !now.Before(m.end) {
		next := m.plan
		if m.pending != "" {
			next, m.pending = m.pending, ""
		}
		m.index++
		m.start, m.end = modelBounds(m.anchor, m.index)
		m.closeInto(next)
	}
}

type modelItem struct {
	key    string
	amount int64
}

// hold places items all or nothing; keys already held are returned as they
// are and cost nothing again.
func (m *creditModel) hold(items []modelItem) slate.Code {
	var total int64
	for _, it := range items {
		if m.byKey[it.key] == nil {
			total += it.amount
		}
	}
	if total > m.available() {
		return slate.ECREDITS
	}
	m.held += total
	return ""
}

func (m *creditModel) addHold(id string, it modelItem) {
	h := &modelHold{id: id, key: it.key, amount: it.amount, state: slate.HoldOpen}
	m.holds[id], m.byKey[it.key] = h, h
}

// settle charges actual (at most the hold), drawing monthly, then rollover,
// then purchased, and releases the rest. Settling again with the same cost
// changes nothing; closing a closed hold another way is a conflict.
func (m *creditModel) settle(id string, actual int64) slate.Code {
	h := m.holds[id]
	switch {
	case h.state == slate.HoldSettled && h.charged == actual:
		return ""
	case h.state != slate.HoldOpen:
		return slate.ECONFLICT
	case actual < 0 || actual > h.amount:
		return slate.EINVALID
	}
	rest := actual
	fromMonthly := min(rest, m.monthly)
	m.monthly -= fromMonthly
	rest -= fromMonthly
	fromRollover := min(rest, m.rollover)
	m.rollover -= fromRollover
	rest -= fromRollover
	m.purchased -= rest
	m.held -= h.amount
	h.state, h.charged = slate.HoldSettled, actual
	return ""
}

func (m *creditModel) release(id string) slate.Code {
	h := m.holds[id]
	switch {
	case h.state == slate.HoldReleased:
		return ""
	case h.state != slate.HoldOpen:
		return slate.ECONFLICT
	}
	m.held -= h.amount
	h.state = slate.HoldReleased
	return ""
}

// setPlan upgrades at once (more monthly credits): the period closes on the
// new plan and a new one starts now. Choosing the current plan undoes a
// pending downgrade; any other plan is a downgrade at the period's end.
func (m *creditModel) setPlan(name string, now time.Time) {
	switch {
	case modelPlans[name].monthly > modelPlans[m.plan].monthly:
		m.anchor, m.index, m.pending = now, 0, ""
		m.upgrades++
		if now.Day() > 28 {
			m.lateAnchors++
		}
		m.start, m.end = modelBounds(now, 0)
		m.closeInto(name)
	case name == m.plan:
		m.pending = ""
	default:
		m.pending = name
	}
}

func (m *creditModel) String() string {
	return fmt.Sprintf("plan=%s pending=%q period=[%s, %s) monthly=%d rollover=%d purchased=%d held=%d available=%d",
		m.plan, m.pending, m.start.Format(time.RFC3339), m.end.Format(time.RFC3339),
		m.monthly, m.rollover, m.purchased, m.held, m.available())
}

func creditsString(c *slate.Credits) string {
	return fmt.Sprintf("plan=%s pending=%q period=[%s, %s) monthly=%d rollover=%d purchased=%d held=%d available=%d",
		c.Plan, c.PendingPlan, c.PeriodStart.Format(time.RFC3339), c.PeriodEnd.Format(time.RFC3339),
		c.Monthly, c.Rollover, c.Purchased, c.Held, c.Available)
}

func modelSeed(t *testing.T) uint64 {
	if s := os.Getenv("SLATE_MODEL_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SLATE_MODEL_SEED=%q: %v", s, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// modelRun is one sequence: an organisation, its model, and the steps so far
// for the failure report.
type modelRun struct {
	t       *testing.T
	env     *storetest.Env
	ctx     context.Context
	rng     *rand.Rand
	seed    uint64
	seq     int
	orgID   string
	project string
	m       *creditModel
	log     []string
	packs   []slate.CreditPack
	n       int // keys made
	refused int
}

func (r *modelRun) logf(format string, args ...any) {
	r.log = append(r.log, fmt.Sprintf("step %d: ", len(r.log))+fmt.Sprintf(format, args...))
}

func (r *modelRun) fatalf(format string, args ...any) {
	r.t.Helper()
	from := max(0, len(r.log)-40)
	r.t.Fatalf("seed %d (SLATE_MODEL_SEED=%d), sequence %d, after %d steps: %s\nmodel: %s\nsteps (last %d):\n  %s",
		r.seed, r.seed, r.seq, len(r.log), fmt.Sprintf(format, args...), r.m, len(r.log)-from,
		strings.Join(r.log[from:], "\n  "))
}

func (r *modelRun) key() string {
	r.n++
	return fmt.Sprintf("model:%s:%d", r.orgID, r.n)
}

// check compares the store's balance with the model's.
func (r *modelRun) check() {
	r.t.Helper()
	c, err := r.env.DB.Credits(r.ctx, r.orgID)
	if err != nil {
		r.fatalf("credits: %v", err)
	}
	r.m.catchUp(r.env.Clock.Now())
	if c.Monthly < 0 || c.Rollover < 0 || c.Purchased < 0 || c.Held < 0 || c.Available < 0 {
		r.fatalf("a bucket is negative: %s", creditsString(c))
	}
	if c.Monthly != r.m.monthly || c.Rollover != r.m.rollover || c.Purchased != r.m.purchased ||
		c.Held != r.m.held || c.Available != r.m.available() || c.Plan != r.m.plan || c.PendingPlan != r.m.pending ||
		!c.PeriodStart.Equal(r.m.start) || !c.PeriodEnd.Equal(r.m.end) {
		r.fatalf("balance differs from the model\nstore: %s", creditsString(c))
	}
}

// checkCode compares an operation's outcome with the model's.
func (r *modelRun) checkCode(op string, err error, want slate.Code) {
	r.t.Helper()
	if got := slate.ErrorCode(err); got != want || (want == "" && err != nil) {
		r.fatalf("%s: got error %v (code %q), the model expects %q", op, err, got, want)
	}
}

func (r *modelRun) openHolds() []*modelHold {
	var out []*modelHold
	for _, h := range r.m.holds {
		if h.state == slate.HoldOpen {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b *modelHold) int { return strings.Compare(a.id, b.id) })
	return out
}

func (r *modelRun) closedHolds() []*modelHold {
	var out []*modelHold
	for _, h := range r.m.holds {
		if h.state != slate.HoldOpen {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b *modelHold) int { return strings.Compare(a.id, b.id) })
	return out
}

// amount picks a hold amount: small, a share of what is available, about
// all of it, or more than there is.
func (r *modelRun) amount() int64 {
	avail := max(r.m.available(), 0)
	switch k := r.rng.IntN(10); {
	case k < 3 || avail < 4:
		return 1 + r.rng.Int64N(50)
	case k < 7:
		return 1 + r.rng.Int64N(avail/2)
	case k < 9:
		return max(1, avail-20+r.rng.Int64N(41))
	default:
		return avail + 1 + r.rng.Int64N(avail+1)
	}
}

func (r *modelRun) doHold() {
	n := 1 + r.rng.IntN(3)
	items := make([]modelItem, 0, n)
	for range n {
		items = append(items, modelItem{key: r.key(), amount: r.amount()})
	}
	// Sometimes a retried submission: a key already held among new ones.
	if len(r.m.byKey) > 0 && r.rng.IntN(5) == 0 {
		keys := slices.Sorted(maps.Keys(r.m.byKey))
		items[r.rng.IntN(len(items))].key = keys[r.rng.IntN(len(keys))]
	}
	r.logf("hold %v (available %d)", items, r.m.available())
	req := slate.HoldRequest{ProjectID: r.project}
	for _, it := range items {
		req.Items = append(req.Items, slate.HoldItem{Key: it.key, Amount: it.amount})
	}
	hs, err := r.env.DB.Hold(r.ctx, req)
	r.m.catchUp(r.env.Clock.Now())
	want := r.m.hold(items)
	r.checkCode("hold", err, want)
	if want != "" {
		r.refused++
		return
	}
	if len(hs) != len(items) {
		r.fatalf("hold of %d items returned %d holds", len(items), len(hs))
	}
	for i, it := range items {
		h := hs[i]
		if old := r.m.byKey[it.key]; old != nil {
			if h.ID != old.id || h.Amount != old.amount || h.State != old.state || h.Charged != old.charged {
				r.fatalf("retried key %s returned %+v, want the existing hold %+v", it.key, h, *old)
			}
			continue
		}
		if h.Key != it.key || h.Amount != it.amount || h.State != slate.HoldOpen {
			r.fatalf("new hold %+v for item %+v", h, it)
		}
		r.m.addHold(h.ID, it)
	}
}

func (r *modelRun) doSettle() {
	open := r.openHolds()
	if len(open) == 0 {
		r.doHold()
		return
	}
	h := open[r.rng.IntN(len(open))]
	var actual int64
	switch k := r.rng.IntN(10); {
	case k < 3:
		actual = h.amount
	case k < 4:
		actual = 0
	case k < 5:
		actual = h.amount + 1 + r.rng.Int64N(10) // more than held: refused
	default:
		actual = r.rng.Int64N(h.amount + 1)
	}
	r.logf("settle %s (amount %d) actual %d", h.key, h.amount, actual)
	got, err := r.env.DB.Settle(r.ctx, h.id, actual)
	r.m.catchUp(r.env.Clock.Now())
	want := r.m.settle(h.id, actual)
	r.checkCode("settle", err, want)
	if want == "" && (got.State != slate.HoldSettled || got.Charged != actual || got.ID != h.id) {
		r.fatalf("settle returned %+v", got)
	}
}

func (r *modelRun) doRelease() {
	open := r.openHolds()
	if len(open) == 0 {
		r.doHold()
		return
	}
	h := open[r.rng.IntN(len(open))]
	r.logf("release %s (amount %d)", h.key, h.amount)
	got, err := r.env.DB.Release(r.ctx, h.id)
	r.m.catchUp(r.env.Clock.Now())
	want := r.m.release(h.id)
	r.checkCode("release", err, want)
	if want == "" && (got.State != slate.HoldReleased || got.Charged != 0) {
		r.fatalf("release returned %+v", got)
	}
}

func (r *modelRun) doPurchase() {
	pack := r.packs[r.rng.IntN(len(r.packs))]
	key := r.key()
	r.logf("purchase %s key %s on %s", pack.Name, key, r.m.plan)
	got, err := r.env.DB.Purchase(r.ctx, r.orgID, slate.PurchaseInput{Pack: pack.Name, Key: key})
	r.m.catchUp(r.env.Clock.Now())
	if !modelPlans[r.m.plan].packs {
		r.checkCode("purchase", err, slate.EPLAN)
		return
	}
	r.checkCode("purchase", err, "")
	if got.Credits != pack.Credits || got.Pack != pack.Name {
		r.fatalf("purchase returned %+v", got)
	}
	r.m.purchased += pack.Credits
	r.m.purchases[key] = got.ID
}

// doReplay repeats an earlier request: a hold key, a settle or release of a
// closed hold, or a purchase key. Nothing may change; a different closing of
// a closed hold is a conflict.
func (r *modelRun) doReplay() {
	switch k := r.rng.IntN(4); {
	case k == 0 && len(r.m.byKey) > 0:
		keys := slices.Sorted(maps.Keys(r.m.byKey))
		old := r.m.byKey[keys[r.rng.IntN(len(keys))]]
		amount := old.amount
		if r.rng.IntN(2) == 0 {
			amount = r.amount()
		}
		r.logf("replay hold %s (was %d, now asks %d)", old.key, old.amount, amount)
		hs, err := r.env.DB.Hold(r.ctx, slate.HoldRequest{ProjectID: r.project,
			Items: []slate.HoldItem{{Key: old.key, Amount: amount}}})
		r.m.catchUp(r.env.Clock.Now())
		r.checkCode("replayed hold", err, "")
		if len(hs) != 1 || hs[0].ID != old.id || hs[0].Amount != old.amount || hs[0].State != old.state || hs[0].Charged != old.charged {
			r.fatalf("replayed hold %s returned %+v, want %+v", old.key, hs, *old)
		}
	case k == 1 && len(r.closedHolds()) > 0:
		closed := r.closedHolds()
		h := closed[r.rng.IntN(len(closed))]
		same := r.rng.IntN(3) > 0
		var err error
		var got *slate.Hold
		var want slate.Code
		switch {
		case h.state == slate.HoldSettled && same:
			r.logf("replay settle %s actual %d", h.key, h.charged)
			got, err = r.env.DB.Settle(r.ctx, h.id, h.charged)
			r.m.catchUp(r.env.Clock.Now())
			want = r.m.settle(h.id, h.charged)
		case h.state == slate.HoldReleased && same:
			r.logf("replay release %s", h.key)
			got, err = r.env.DB.Release(r.ctx, h.id)
			r.m.catchUp(r.env.Clock.Now())
			want = r.m.release(h.id)
		case h.state == slate.HoldSettled:
			r.logf("release settled %s", h.key)
			_, err = r.env.DB.Release(r.ctx, h.id)
			r.m.catchUp(r.env.Clock.Now())
			want = r.m.release(h.id)
		default:
			actual := 1 + r.rng.Int64N(h.amount)
			r.logf("settle released %s actual %d", h.key, actual)
			_, err = r.env.DB.Settle(r.ctx, h.id, actual)
			r.m.catchUp(r.env.Clock.Now())
			want = r.m.settle(h.id, actual)
		}
		r.checkCode("closing a closed hold", err, want)
		if want == "" && (got.ID != h.id || got.State != h.state || got.Charged != h.charged) {
			r.fatalf("replay returned %+v, want %+v", got, *h)
		}
	case k == 2 && len(r.m.purchases) > 0:
		keys := slices.Sorted(maps.Keys(r.m.purchases))
		key := keys[r.rng.IntN(len(keys))]
		pack := r.packs[r.rng.IntN(len(r.packs))]
		r.logf("replay purchase key %s (pack %s)", key, pack.Name)
		got, err := r.env.DB.Purchase(r.ctx, r.orgID, slate.PurchaseInput{Pack: pack.Name, Key: key})
		r.m.catchUp(r.env.Clock.Now())
		r.checkCode("replayed purchase", err, "")
		if got.ID != r.m.purchases[key] {
			r.fatalf("replayed purchase %s returned %s, want %s", key, got.ID, r.m.purchases[key])
		}
	default:
		r.logf("close periods twice")
		for range 2 {
			if _, err := r.env.DB.ClosePeriods(context.Background()); err != nil {
				r.fatalf("close periods: %v", err)
			}
		}
	}
}

// doAdvance moves the clock: a little, to just before or just after the
// period's end, or past several boundaries at once.
func (r *modelRun) doAdvance() {
	now := r.env.Clock.Now()
	var to time.Time
	switch k := r.rng.IntN(10); {
	case k < 4:
		to = now.Add(time.Duration(1+r.rng.IntN(10*24*60)) * time.Minute)
	case k < 5:
		to = r.m.end.Add(-time.Duration(1+r.rng.IntN(5)) * time.Minute)
	case k < 7:
		to = r.m.end
	case k < 9:
		to = r.m.end.Add(time.Duration(r.rng.IntN(3*24*60)) * time.Minute)
	default:
		to = modelAddMonths(r.m.end, 1+r.rng.IntN(4)).Add(time.Duration(r.rng.IntN(20*24*60)) * time.Minute)
	}
	if !to.After(now) {
		to = now.Add(time.Minute)
	}
	r.logf("clock %s → %s (%d boundaries)", now.Format(time.RFC3339), to.Format(time.RFC3339), r.boundaries(to))
	r.env.Clock.Set(to)
	if r.rng.IntN(2) == 0 {
		due := !to.Before(r.m.end)
		r.logf("close periods (ours due: %v)", due)
		n, err := r.env.DB.ClosePeriods(context.Background())
		if err != nil {
			r.fatalf("close periods: %v", err)
		}
		if due && n == 0 {
			r.fatalf("close periods closed nothing though the period ended at %s", r.m.end)
		}
	}
}

// boundaries counts the model's period ends up to to.
func (r *modelRun) boundaries(to time.Time) int {
	n := 0
	for i := r.m.index + 1; !to.Before(modelAddMonths(r.m.anchor, i)); i++ {
		n++
	}
	return n
}

func (r *modelRun) doSetPlan() {
	plan := modelPlanNames[r.rng.IntN(len(modelPlanNames))]
	r.logf("set plan %s (on %s, pending %q)", plan, r.m.plan, r.m.pending)
	_, err := r.env.DB.SetPlan(r.ctx, r.orgID, plan)
	r.checkCode("set plan", err, "")
	now := r.env.Clock.Now()
	r.m.catchUp(now)
	r.m.setPlan(plan, now)
}

func TestCreditsModel(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		seed := modelSeed(t)
		t.Logf("seed %d", seed)
		_, ctx := env.NewUser(t, "owner")
		var totalSteps, closes, expiries, kept, upgrades, late, holds, settled, refused int
		for seq := range modelSequences {
			rng := rand.New(rand.NewPCG(seed, uint64(seq)))
			plan := modelPlanNames[rng.IntN(len(modelPlanNames))]
			org := env.NewOrg(t, ctx, plan)
			p := env.NewProject(t, ctx, org.ID)
			r := &modelRun{t: t, env: env, ctx: ctx, rng: rng, seed: seed, seq: seq, orgID: org.ID, project: p.ID,
				m: newCreditModel(plan, env.Clock.Now()), packs: pricing.DefaultPacks()}
			r.logf("new org on %s at %s", plan, env.Clock.Now().Format(time.RFC3339))
			r.check()
			for range modelSteps {
				switch k := rng.IntN(100); {
				case k < 30:
					r.doHold()
				case k < 50:
					r.doSettle()
				case k < 60:
					r.doRelease()
				case k < 68:
					r.doPurchase()
				case k < 80:
					r.doReplay()
				case k < 93:
					r.doAdvance()
				default:
					r.doSetPlan()
				}
				r.check()
			}
			_, ms, err := env.DB.VerifyLedger(context.Background())
			if err != nil {
				r.fatalf("verify ledger: %v", err)
			}
			if len(ms) > 0 {
				r.fatalf("verify ledger reports %+v", ms)
			}
			totalSteps += len(r.log)
			closes += r.m.closes
			expiries += r.m.expiryRuns
			kept += r.m.keptForHolds
			upgrades += r.m.upgrades
			late += r.m.lateAnchors
			for _, h := range r.m.holds {
				holds++
				if h.state == slate.HoldSettled {
					settled++
				}
			}
			refused += r.refused
		}
		t.Logf("%d steps in %d sequences: %d holds (%d settled, %d requests refused), %d period closes, "+
			"%d with expiry, %d keeping rollover for open holds, %d upgrades (%d anchored after the 28th)",
			totalSteps, modelSequences, holds, settled, refused, closes, expiries, kept, upgrades, late)
	})
}
