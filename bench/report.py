"""The benchmark's report: the machine it ran on and one markdown table of
every scenario next to its baseline, as docs/PERFORMANCE.md shows it."""

import os
import platform
import subprocess
import time


def _first(path, prefix):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def _version(argv):
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
        return (r.stdout + r.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def loadavg():
    """The 1-minute load average: other work on the machine skews every number."""
    try:
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0


def machine(a, backends, took_s, load_before):
    mem_kib = int(_first("/proc/meminfo", "MemTotal").split()[0])
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "nproc": os.cpu_count(),
        "cpu": _first("/proc/cpuinfo", "model name"),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "wrk": _version(["wrk", "-v"]),
        "nginx": _version(["nginx", "-v"]),
        "kannel": _version(["dpkg-query", "-W", "-f", "${Version}", "kannel"]),
        "backends": backends,
        "command": "wrk -t%d -c%d -d%ds --latency (bench/lua/*.lua)" % (
            a.threads, a.connections, a.duration),
        "took_s": round(took_s),
        "load_before": load_before,
        "load_after": loadavg(),
    }


def _num(v, fmt):
    return "" if v is None else fmt % v


def markdown(results, env):
    out = [
        "Machine: %(nproc)d cores (%(cpu)s), %(memory_gib)s GiB, Linux %(kernel)s; "
        "%(date)s." % env,
        "Tools: %s; %s; Kannel %s. Database: %s." % (
            env["wrk"], env["nginx"], env["kannel"], "; ".join(env["backends"])),
        "Load: %s, everything on 127.0.0.1; the run took %d s; the machine's load "
        "average was %.1f before and %.1f after." % (env["command"], env["took_s"],
                                                     env["load_before"], env["load_after"]),
        "",
        "| # | Measure | req/s | p50 ms | p99 ms | peak RSS MiB | Baseline | its req/s "
        "| its p50 / p99 ms | Ratio | Target | Met |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---|---|",
    ]
    for r in results:
        base = ""
        if r["base_p50_ms"] is not None:
            base = "%.2f / %.2f" % (r["base_p50_ms"], r["base_p99_ms"])
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["scenario"], r["measure"], _num(r["rps"], "%.0f"), _num(r["p50_ms"], "%.2f"),
            _num(r["p99_ms"], "%.2f"), _num(r["rss_mib"], "%.1f"), r["baseline"] or "",
            _num(r["base_rps"], "%.0f"), base, _num(r["ratio"], "%.2fx"),
            r["target"] or "", met))
    notes = [r for r in results if r["note"] or r["non2xx"] or r["errors"]]
    if notes:
        out.append("")
        for r in notes:
            extra = ""
            if r["non2xx"] or r["errors"]:
                extra = " (non-2xx %d, socket errors %d)" % (r["non2xx"], r["errors"])
            out.append("- %s: %s%s" % (r["scenario"], r["note"], extra))
    return "\n".join(out) + "\n"
