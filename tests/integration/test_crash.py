"""Crash safety and shutdown: kill -9 while messages are in flight, restart on
the same database, and every message still ends sent and charged exactly
once. SIGTERM and SIGINT exit 0, also with sends in flight."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (case, db_rows, eq, expect, main, ok, stack,  # noqa: E402
                     unique_phone, wait_until)

# The dispatcher's lease is 30 s: a message claimed before the crash is
# retaken only once its lease lapses, so allow twice that.
RECOVERY_S = 75


def ledger(og, tid):
    return db_rows(og, "SELECT kind, message_id, amount_paise FROM ledger_entries "
                       "WHERE tenant_id = ?", (tid,))


def check_exactly_once(og, t, msg_ids, credit, price=25):
    rows = ledger(og, t.id)
    for mid in msg_ids:
        caps = [r for r in rows if r[0] == "capture" and r[1] == mid]
        rels = [r for r in rows if r[0] == "release" and r[1] == mid]
        holds = [r for r in rows if r[0] == "hold" and r[1] == mid]
        eq((len(holds), len(caps), len(rels)), (1, 1, 0), "hold/capture/release of %s" % mid)
    w = t.wallet()
    eq((w["balance_paise"], w["held_paise"]), (credit - len(msg_ids) * price, 0),
       "wallet after recovery")


@case(timeout=150)
def kill9_during_dispatch_then_restart():
    gw, og = stack()
    credit = 1000
    t = og.setup_tenant(credit=credit)
    gw.control("slow", delay_ms=3000)
    phones = [unique_phone() for _ in range(5)]
    msgs = [t.send_ok(p)["message_id"] for p in phones]
    # Wait until the dispatcher has the messages in flight at the peer.
    wait_until(lambda: len(gw.sends()) >= 1, timeout=10, what="sends in flight")
    time.sleep(0.3)
    og.kill9()
    gw.control("ok")
    og.start()
    for mid in msgs:
        og.wait_message(mid, "sent", timeout=RECOVERY_S)
    wait_until(lambda: t.wallet()["held_paise"] == 0, timeout=10, what="holds settled")
    check_exactly_once(og, t, msgs, credit)
    for p in phones:
        ok(gw.sends(p, accepted_only=True), "phone %s never reached the peer" % p)
    # The restarted server is fully usable: same keys, new sends.
    p = unique_phone()
    r = t.send_ok(p)
    og.wait_message(r["message_id"])
    eq(og.stop(), 0, "SIGTERM exit code")


@case(timeout=150)
def kill9_with_queued_messages():
    gw, og = stack()
    t = og.setup_tenant(credit=1000)
    # The peer refuses the first sends transiently, so they are still queued.
    gw.control("5xx", count=1000)
    phones = [unique_phone() for _ in range(4)]
    msgs = [t.send_ok(p)["message_id"] for p in phones]
    wait_until(lambda: len(gw.sends()) >= 1, timeout=10, what="first attempts")
    og.kill9()
    gw.control("ok")
    og.start()
    for mid in msgs:
        og.wait_message(mid, "sent", timeout=RECOVERY_S)
    wait_until(lambda: t.wallet()["held_paise"] == 0, timeout=10, what="holds settled")
    check_exactly_once(og, t, msgs, 1000)


@case(timeout=60)
def kill9_right_after_accept():
    gw, og = stack()
    t = og.setup_tenant(credit=1000)
    gw.control("slow", delay_ms=200)
    msgs = [t.send_ok(unique_phone())["message_id"] for _ in range(3)]
    og.kill9()
    gw.control("ok")
    og.start()
    for mid in msgs:
        og.wait_message(mid, "sent", timeout=50)
    wait_until(lambda: t.wallet()["held_paise"] == 0, timeout=10, what="holds settled")
    check_exactly_once(og, t, msgs, 1000)


@case
def sigterm_and_sigint_exit_zero():
    gw, og = stack()
    eq(og.stop(signal.SIGTERM), 0, "idle SIGTERM")
    og.start()
    eq(og.stop(signal.SIGINT), 0, "idle SIGINT")
    og.start()
    t = og.setup_tenant()
    expect(og.call("GET", "/healthz"), 200)
    gw.control("slow", delay_ms=1500)
    msgs = [t.send_ok(unique_phone())["message_id"] for _ in range(3)]
    wait_until(lambda: len(gw.sends()) >= 1, timeout=10, what="sends in flight")
    start = time.monotonic()
    eq(og.stop(signal.SIGTERM), 0, "SIGTERM with sends in flight")
    ok(time.monotonic() - start < 20, "bounded drain")
    # Whatever was in flight is settled once after a restart.
    gw.control("ok")
    og.start()
    for mid in msgs:
        og.wait_message(mid, "sent", timeout=RECOVERY_S)
    wait_until(lambda: t.wallet()["held_paise"] == 0, timeout=10, what="holds settled")
    check_exactly_once(og, t, msgs, 10000)
    # After exit the port is closed.
    port = og.port
    og.stop()
    try:
        import socket
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            ok(False, "port still accepting after exit")
    except OSError:
        pass


if __name__ == "__main__":
    main()
