"""The audit trail: every administrative change (tenants, keys, templates,
wallet credits) is recorded with who made it, from where, what and when,
readable by admins at GET /v1/audit, and the table refuses edits."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (DbError, case, db_exec, eq, expect, main, ok, stack,  # noqa: E402
                     template_body)


def entries(og, query=""):
    body = expect(og.call("GET", "/v1/audit" + query, key=og.admin), 200)
    return body["data"]


@case
def admin_changes_are_recorded():
    gw, og = stack()
    t = og.setup_tenant()
    expect(og.call("PATCH", "/v1/tenants/%s" % t.id,
                   {"billing": {"monthly_cap_sms": 10}, "upstream": {
                       "provider": "startmessaging", "url": gw.url, "api_key": "tenant-secret"}},
                   og.admin), 200)
    expect(og.call("DELETE", "/v1/tenants/%s/templates/login" % t.id, key=og.admin), 204)
    expect(og.call("DELETE", "/v1/tenants/%s/keys/%s" % (t.id, t.key_id), key=og.admin), 204)
    platform = expect(og.call("POST", "/v1/keys", {"kind": "send", "name": "s"}, og.admin), 201)
    expect(og.call("DELETE", "/v1/tenants/%s" % t.id, key=og.admin), 200)

    got = entries(og, "?tenant_id=%s" % t.id)
    actions = [e["action"] for e in got]
    # Newest first.
    eq(actions, ["tenant.suspend", "key.revoke", "template.delete", "tenant.update",
                 "key.create", "wallet.credit", "template.create", "tenant.create"],
       "the tenant's trail")
    for e in got:
        eq(e["tenant_id"], t.id, "entry tenant")
        eq(e["actor"]["kind"], "admin", "actor kind")
        eq(e["actor"]["ip"], "127.0.0.1", "actor address")
        ok(e["actor"]["key_id"].startswith("key_"), "actor key id %r" % e["actor"])
        ok(e["created_at"].endswith("Z"), "created_at %r" % e["created_at"])
    update = got[actions.index("tenant.update")]
    eq(sorted(update["detail"]["fields"]), ["billing.monthly_cap_sms", "upstream"],
       "an update names its fields")
    credit = got[actions.index("wallet.credit")]
    eq(credit["detail"]["amount_paise"], 10000, "a credit names its amount")
    eq(got[actions.index("key.revoke")]["target"], t.key_id, "a revocation names the key")
    # The upstream credential never reaches the trail.
    everything = str(entries(og, "?limit=100"))
    ok("tenant-secret" not in everything, "credential in the audit trail")
    platform_entries = [e for e in entries(og) if e["target"] == platform["id"]]
    eq(len(platform_entries), 1, "platform key creation recorded")
    eq(platform_entries[0]["tenant_id"], None, "platform actions belong to no tenant")


@case
def cli_actions_and_pagination():
    gw, og = stack()
    # og.admin itself was created with `otpgate admin-key`.
    og.admin
    cli = [e for e in entries(og, "?limit=100") if e["actor"]["kind"] == "cli"]
    ok(cli and cli[-1]["action"] == "key.create", "the CLI's admin key is recorded: %r" % cli)
    eq(cli[-1]["actor"]["ip"], None, "the CLI has no address")
    for i in range(3):
        og.setup_tenant()
    first = expect(og.call("GET", "/v1/audit?limit=2", key=og.admin), 200)
    eq(len(first["data"]), 2, "page size")
    second = expect(og.call("GET", "/v1/audit?limit=2&after=%s" % first["next_after"],
                            key=og.admin), 200)
    ok(second["data"][0]["id"] < first["data"][1]["id"], "the next page is older")


@case
def only_admins_read_it_and_it_is_append_only():
    gw, og = stack()
    t = og.setup_tenant()
    expect(og.call("GET", "/v1/audit", key=t.key), 403, "forbidden")
    expect(og.call("GET", "/v1/audit"), 401, "unauthorized")
    for sql in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        try:
            db_exec(og, sql)
            ok(False, "%s was allowed" % sql)
        except DbError as e:
            ok("append-only" in str(e), "refusal names the rule: %s" % e)
    ok(entries(og), "entries survive")


if __name__ == "__main__":
    main()
