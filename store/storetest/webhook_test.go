package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"slate"
	"slate/store/storetest"
)

func TestWebhookCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		for _, tc := range []struct {
			name  string
			in    slate.WebhookInput
			field string
		}{
			{"empty url", slate.WebhookInput{}, "url"},
			{"relative", slate.WebhookInput{URL: "/hooks/slate"}, "url"},
			{"no host", slate.WebhookInput{URL: "http:///hooks"}, "url"},
			{"ftp", slate.WebhookInput{URL: "ftp://files.example.test/in"}, "url"},
			{"javascript", slate.WebhookInput{URL: "javascript:alert(1)"}, "url"},
			{"control character", slate.WebhookInput{URL: "http://example.test/\x7f"}, "url"},
			{"too long", slate.WebhookInput{URL: "https://example.test/" + strings.Repeat("a", 1990)}, "url"},
			{"unknown kind", slate.WebhookInput{URL: "https://example.test/", Kinds: []string{"lock", "render"}}, "kinds"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := env.DB.CreateWebhook(o.Ctx, o.Org.ID, tc.in)
				var se *slate.Error
				if !errors.As(err, &se) || se.Code != slate.EINVALID || se.Field != tc.field {
					t.Fatalf("err = %v, want invalid %s", err, tc.field)
				}
			})
		}
		ws, err := env.DB.Webhooks(o.Ctx, o.Org.ID, slate.PageRequest{})
		if err != nil || len(ws.Items) != 0 {
			t.Fatalf("webhooks after refusals: %v, %v", ws, err)
		}
	})
}

func TestWebhookLifecycle(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		w, err := env.DB.CreateWebhook(o.Ctx, o.Org.ID, slate.WebhookInput{
			URL: " http://127.0.0.1:8081/hooks ", Kinds: []string{"Lock", "job", "lock"}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(w.Secret, "whsec_") || len(w.Secret) < 40 || w.URL != "http://127.0.0.1:8081/hooks" ||
			strings.Join(w.Kinds, ",") != "job,lock" || w.CreatedBy != o.User.ID || !w.CreatedAt.Equal(storetest.Epoch) {
			t.Fatalf("created %+v", w)
		}
		all, err := env.DB.CreateWebhook(o.Ctx, o.Org.ID, slate.WebhookInput{URL: "https://hooks.example.test/a?token=x"})
		if err != nil {
			t.Fatal(err)
		}
		if all.Secret == w.Secret || len(all.Kinds) != 0 {
			t.Fatalf("second webhook %+v", all)
		}
		page, err := env.DB.Webhooks(o.Ctx, o.Org.ID, slate.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		ws := page.Items
		if len(ws) != 2 || ws[0].ID != w.ID || ws[1].ID != all.ID || ws[0].Secret != "" || ws[1].Secret != "" {
			t.Fatalf("list %+v", ws)
		}
		// Another org's owner learns nothing of these ids.
		other := env.NewOwner(t)
		if err := env.DB.DeleteWebhook(other.Ctx, other.Org.ID, w.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Fatalf("delete from another org: %v", err)
		}
		if _, err := env.DB.WebhookDeliveries(other.Ctx, other.Org.ID, w.ID, slate.PageRequest{}); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Fatalf("deliveries from another org: %v", err)
		}
		if err := env.DB.DeleteWebhook(o.Ctx, o.Org.ID, w.ID); err != nil {
			t.Fatal(err)
		}
		if err := env.DB.DeleteWebhook(o.Ctx, o.Org.ID, w.ID); slate.ErrorCode(err) != slate.ENOTFOUND {
			t.Fatalf("second delete: %v", err)
		}
		page, err = env.DB.Webhooks(o.Ctx, o.Org.ID, slate.PageRequest{})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != all.ID {
			t.Fatalf("after delete %+v, %v", page, err)
		}
		audit, err := env.DB.Audit(o.Ctx, o.Org.ID, "", slate.PageRequest{})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range audit.Items {
			if strings.HasPrefix(e.Action, "webhook.") {
				actions = append(actions, e.Action+" "+e.Detail)
				if strings.Contains(e.Detail, "token=") {
					t.Errorf("audit shows the URL: %+v", e)
				}
			}
		}
		want := fmt.Sprintf("webhook.delete %s|webhook.create %s|webhook.create %s", w.ID, all.ID, w.ID)
		if got := strings.Join(actions, "|"); got != want {
			t.Errorf("audit %s, want %s", got, want)
		}
	})
}

func TestWebhooksNeedBilling(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		w, err := env.DB.CreateWebhook(o.Ctx, o.Org.ID, slate.WebhookInput{URL: "https://hooks.example.test/"})
		if err != nil {
			t.Fatal(err)
		}
		_, editor := inviteAndJoin(t, env, o, "editor", slate.PermModify, slate.PermUseCredits)
		_, billing := inviteAndJoin(t, env, o, "accounts", slate.PermBilling)
		_, outsider := env.NewUser(t, "outsider")
		in := slate.WebhookInput{URL: "https://hooks.example.test/b"}
		for _, tc := range []struct {
			name string
			ctx  context.Context
			want slate.Code
		}{
			{"billing", billing, ""},
			{"editor", editor, slate.EFORBIDDEN},
			{"outsider", outsider, slate.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				calls := map[string]error{}
				_, calls["create"] = env.DB.CreateWebhook(tc.ctx, o.Org.ID, in)
				_, calls["list"] = env.DB.Webhooks(tc.ctx, o.Org.ID, slate.PageRequest{})
				_, calls["deliveries"] = env.DB.WebhookDeliveries(tc.ctx, o.Org.ID, w.ID, slate.PageRequest{})
				for name, err := range calls {
					if slate.ErrorCode(err) != tc.want {
						t.Errorf("%s: %v, want %q", name, err, tc.want)
					}
					var se *slate.Error
					if tc.want == slate.EFORBIDDEN && errors.As(err, &se) && se.MissingPermission != slate.PermBilling {
						t.Errorf("%s: missing %q, want billing", name, se.MissingPermission)
					}
				}
			})
		}
	})
}

func TestWebhookLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		o := env.NewOwner(t)
		var err error
		n := 0
		for ; err == nil && n <= 30; n++ {
			_, err = env.DB.CreateWebhook(o.Ctx, o.Org.ID, slate.WebhookInput{URL: fmt.Sprintf("https://hooks.example.test/%d", n)})
		}
		if slate.ErrorCode(err) != slate.ECONFLICT || n != 26 {
			t.Fatalf("webhook %d: %v, want the 26th refused as a conflict", n, err)
		}
	})
}
