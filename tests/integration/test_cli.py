"""The command line: version, help, migrate, admin-key, the secret file, the
OTPGATE_* environment variables, bad flags, and the bootstrap admin key
printed on the first start of serve."""

import os
import re
import signal
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HOST, Gateway, Otpgate, _Proc, _track, case, eq, expect,  # noqa: E402
                     free_port, http_call, main, ok, run_cli, tempdir, unique_phone,
                     wait_until)
from harness import db_exists, db_for, db_tables  # noqa: E402


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTPGATE_")}
    env.update(extra)
    return env


@case
def version_and_help():
    r = run_cli(["version"], env=clean_env())
    eq(r.returncode, 0, "version exit code")
    ok(re.search(r"\d+\.\d+\.\d+", r.stdout), "version printed: %r" % r.stdout)
    r = run_cli(["help"], env=clean_env())
    eq(r.returncode, 0, "help exit code")
    text = r.stdout + r.stderr
    for word in ("serve", "migrate", "admin-key", "version"):
        ok(word in text, "help mentions %s" % word)
    for flag in ("--listen", "--db", "--secret-file", "--provider", "--sms-log", "--provider-url",
                 "--provider-key", "--price-paise", "--billing-utc-offset",
                 "--resend-cooldown-sec", "--workers"):
        r2 = run_cli(["help", "serve"], env=clean_env())
        ok(flag in text or flag in r2.stdout + r2.stderr, "help documents %s" % flag)


@case
def migrate_twice_and_secret_file():
    d = tempdir()
    db, secret = db_for(d, "x.db"), os.path.join(d, "x.secret")
    for i in range(2):
        r = run_cli(["migrate", "--db", db, "--secret-file", secret], env=clean_env())
        eq(r.returncode, 0, "migrate run %d (stderr %s)" % (i + 1, r.stderr[-400:]))
    st = os.stat(secret)
    eq(stat.S_IMODE(st.st_mode), 0o600, "secret file mode")
    eq(st.st_size, 32, "secret file size")
    names = db_tables(db)
    for n in ("tenants", "tenant_sms_ledger"):
        ok(n in names, "%s exists after migrate" % n)
    # Without --secret-file the secret is created beside the database (a
    # SQLite file: a URL has no directory, see config_resolve_secret).
    d2 = tempdir()
    db2 = os.path.join(d2, "y.db")
    r = run_cli(["migrate", "--db", db2], env=clean_env())
    eq(r.returncode, 0, "migrate without --secret-file")
    others = [f for f in os.listdir(d2) if not f.startswith("y.db")]
    eq(len(others), 1, "one secret file beside the DB: %r" % os.listdir(d2))
    st = os.stat(os.path.join(d2, others[0]))
    eq((stat.S_IMODE(st.st_mode), st.st_size), (0o600, 32), "default secret file")


@case
def admin_key_prints_only_a_key():
    og = Otpgate()
    keys = []
    for _ in range(2):
        r = run_cli(["admin-key", "--db", og.db, "--secret-file", og.secret], env=clean_env())
        eq(r.returncode, 0, "admin-key exit code")
        ok(len(r.stdout.split()) == 1 and r.stdout.count("\n") <= 1,
           "stdout holds one key only: %r" % r.stdout)
        keys.append(r.stdout.strip())
    ok(keys[0] != keys[1], "two admin keys differ")
    for k in keys:
        expect(og.call("GET", "/v1/tenants", key=k), 200, msg="admin-key works live")
        ok(len(k) >= 26, "key carries >= 128 bits: %r" % k)
    ok(os.path.commonprefix(keys), "keys carry a type prefix")
    # A different secret cannot validate the stored hashes.
    d = tempdir()
    r = run_cli(["admin-key", "--db", db_for(d, "z.db"),
                 "--secret-file", os.path.join(d, "s")], env=clean_env())
    eq(r.returncode, 0, "admin-key on a new DB")
    expect(og.call("GET", "/v1/tenants", key=r.stdout.strip()), 401, "unauthorized",
           "another deployment's key")


@case
def env_vars_configure_serve():
    gw = Gateway()
    d = tempdir()
    port = free_port()
    db = db_for(d, "e.db")
    env = clean_env(OTPGATE_LISTEN="%s:%d" % (HOST, port), OTPGATE_DB=db,
                    OTPGATE_SECRET_FILE=os.path.join(d, "e.secret"),
                    OTPGATE_PROVIDER="startmessaging", OTPGATE_PROVIDER_URL=gw.url,
                    OTPGATE_PROVIDER_KEY="sm_env_key_1", OTPGATE_PRICE_PAISE="30",
                    OTPGATE_RESEND_COOLDOWN_SEC="0", OTPGATE_BILLING_UTC_OFFSET="+05:30",
                    OTPGATE_WORKERS="2", OTPGATE_SMS_LOG=os.path.join(d, "e.sms"))
    out, err = open(os.path.join(d, "out"), "wb"), open(os.path.join(d, "err"), "wb")
    p = _track(_Proc([os.environ.get("OTPGATE_BIN", "build/otpgate"), "serve"], d, out, err,
                     env=env))
    out.close()
    err.close()
    wait_until(lambda: _healthy(port) or not p.alive(), timeout=20, what="env-configured serve")
    ok(p.alive(), "serve exited: %s" % open(os.path.join(d, "err")).read()[-500:])
    ok(db_exists(db), "OTPGATE_DB used")
    ok(os.path.exists(os.path.join(d, "e.secret")), "OTPGATE_SECRET_FILE used")
    r = run_cli(["admin-key"], env=env)
    eq(r.returncode, 0, "admin-key with OTPGATE_DB")
    admin = r.stdout.strip()
    og = _Shim(port, admin)
    expect(og.call("POST", "/v1/tenants", _tenant("env_tenant"), admin), 201)
    expect(og.call("POST", "/v1/tenants/env_tenant/templates",
                   {"name": "login", "dlt_template_id": "1107160000000012345",
                    "body": "Your OTP for {#var#} is {#var#}.", "vars": ["appName", "otp"],
                    "default": True}, admin), 201)
    expect(og.call("POST", "/v1/tenants/env_tenant/wallet/credits",
                   {"amount_paise": 1000, "reference": "e1"}, admin), 201)
    phone = unique_phone()
    r1 = expect(og.call("POST", "/v1/otp/send", {"tenant_id": "env_tenant", "phone": phone},
                        admin), 202)
    eq(r1["cost_paise"], 30, "OTPGATE_PRICE_PAISE")
    eq(gw.wait_sends(phone)[0]["api_key"], "sm_env_key_1", "OTPGATE_PROVIDER_KEY")
    expect(og.call("POST", "/v1/otp/resend", {"tenant_id": "env_tenant",
                                              "request_id": r1["request_id"]}, admin), 202,
           msg="OTPGATE_RESEND_COOLDOWN_SEC=0")
    p.signal(signal.SIGTERM)
    eq(p.wait(20), 0, "exit code")


class _Shim:
    def __init__(self, port, admin):
        self.port, self.admin = port, admin

    def call(self, method, path, body=None, key=None):
        return http_call(self.port, method, path, body, key)


def _tenant(tid):
    return {"id": tid, "name": "Env Tenant", "sender_header": "ENVTNT",
            "pe_id": "1101234567890123456",  # no price_paise: the deployment's
            "billing": {"mode": "prepaid", "credit_limit_paise": 0, "monthly_cap_sms": 0},
            "otp": {"length": 6, "ttl_sec": 300, "max_attempts": 5}}


def _healthy(port):
    try:
        return http_call(port, "GET", "/healthz", timeout=2)[0] == 200
    except OSError:
        return False


@case
def flag_beats_env_and_log_provider_env():
    d = tempdir()
    port = free_port()
    env = clean_env(OTPGATE_LISTEN="%s:%d" % (HOST, free_port()), OTPGATE_PROVIDER="log",
                    OTPGATE_DB=db_for(d, "f.db"))
    out, err = open(os.path.join(d, "out"), "wb"), open(os.path.join(d, "err"), "wb")
    p = _track(_Proc([os.environ.get("OTPGATE_BIN", "build/otpgate"), "serve", "--listen",
                      "%s:%d" % (HOST, port)], d, out, err, env=env))
    out.close()
    err.close()
    wait_until(lambda: _healthy(port) or not p.alive(), timeout=20, what="serve on flag port")
    ok(_healthy(port), "the --listen flag wins over OTPGATE_LISTEN")
    p.signal(signal.SIGTERM)
    eq(p.wait(20), 0, "exit code")


@case
def bad_flags_fail():
    d = tempdir()
    db = os.path.join(d, "b.db")
    bad = [["serve", "--bogus"], ["nosuchcommand"], ["serve", "--db", db, "--provider", "nosuch"],
           ["serve", "--db", db, "--listen", "notaport"],
           ["serve", "--db", db, "--billing-utc-offset", "+5:30"],
           ["serve", "--db", db, "--price-paise", "-1"],
           ["serve", "--db", db, "--price-paise", "abc"],
           ["serve", "--db", db, "--resend-cooldown-sec"]]
    for args in bad:
        r = run_cli(args, env=clean_env(), timeout=15)
        ok(r.returncode != 0, "%r exited 0" % args)
        ok(r.stderr.strip(), "%r printed nothing on stderr" % args)
    r = run_cli(["serve"], env=clean_env(OTPGATE_PROVIDER="nosuch", OTPGATE_DB=db), timeout=15)
    ok(r.returncode != 0 and r.stderr.strip(), "bad OTPGATE_PROVIDER refused")


def _candidate_keys(text):
    return list(dict.fromkeys(re.findall(r"[A-Za-z0-9][A-Za-z0-9_\-]{23,}", text)))[:50]


def _working_admin_keys(og, text):
    return [k for k in _candidate_keys(text)
            if og.call("GET", "/v1/tenants", key=k)[0] == 200]


@case
def bootstrap_admin_key_on_first_start():
    og = Otpgate()
    first = og.stdout(1) + og.stderr(1)
    ok("curl" in first, "first start shows a curl example: %r" % first[-800:])
    keys = _working_admin_keys(og, first)
    ok(keys, "first start prints a working admin key: %r" % first[-800:])
    curl = first[first.index("curl"):][:600]
    ok(":%d" % og.port in curl, "curl example targets this server: %r" % curl)
    og.restart()
    second = og.stdout(og.runs) + og.stderr(og.runs)
    eq([k for k in _working_admin_keys(og, second) if k not in keys], [],
       "a restart on the same DB prints no new admin key")
    expect(og.call("GET", "/v1/tenants", key=keys[0]), 200, msg="bootstrap key after restart")


if __name__ == "__main__":
    main()
