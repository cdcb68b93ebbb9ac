#!/usr/bin/env python3
"""Benchmark leergemeenschap against PocketBase on the same data and scenarios.

Called by scripts/bench (which builds the binary, installs wrk and PocketBase and starts the
local PostgreSQL when it is down). Standard library only. For each server: start it on
127.0.0.1 with a fresh temp data dir (on PostgreSQL: a fresh database, dropped afterwards), load
the data set through its HTTP API, run every scenario with wrk (warm-up, then a measured run),
sample the server's memory and CPU, stop it. Then the scale comparison (R2/R3 on 10,000 versus
1,000,000 reflections) on copies of our SQLite database. Writes bench/results/latest.json and
latest.md (postgres.json and postgres.md for a run of PostgreSQL servers without PocketBase)
and prints the markdown tables.

Servers: `ours` (SQLite), `pocketbase`, `ours-pg` (one instance of ours on PostgreSQL) and
`ours-pg2` (two instances on one PostgreSQL database; each gets half the connections from a wrk
of its own, run at the same time).

Environment (all optional): BENCH_SECONDS (measured seconds per scenario, 20), BENCH_WARMUP
(10), BENCH_MEMBERS (1000), BENCH_SESSIONS (200), BENCH_REFLECTIONS (20000), BENCH_BIG
(1000000; 0 skips the scale comparison), BENCH_SERVERS ("ours,pocketbase,ours-pg,ours-pg2"),
BENCH_SCENARIOS (comma list, default all that the server offers; on PostgreSQL BENCH_PG_SCENARIOS,
"R1,R2,W1,W2"), BENCH_PG_URL (a database on the PostgreSQL server to create and drop ours from;
postgres://postgres@127.0.0.1:5432/test), BENCH_PG_SSLMODE (disable), BENCH_KEEP (keep the temp
dir, and the PostgreSQL databases), BENCH_BIN (our binary; default target/release/leergemeenschap),
BENCH_BIN_COMMIT (the commit it was built from, for the report when it is not this checkout's
HEAD).
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "wrk" / "replay.lua"
# BENCH_BIN: a copied binary (e.g. one built elsewhere while the cores here are busy) instead of
# this checkout's release build.
OUR_BIN = Path(os.environ.get("BENCH_BIN") or ROOT / "target" / "release" / "leergemeenschap").resolve()
PB_BIN = ROOT / ".tools" / "venv" / "bin" / "pocketbase"
RESULTS = ROOT / "bench" / "results"

SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "10"))
N_MEMBERS = int(os.environ.get("BENCH_MEMBERS", "1000"))
N_SESSIONS = int(os.environ.get("BENCH_SESSIONS", "200"))
N_REFLECTIONS = int(os.environ.get("BENCH_REFLECTIONS", "20000"))
N_BIG = int(os.environ.get("BENCH_BIG", "1000000"))
SERVERS = [s for s in os.environ.get("BENCH_SERVERS", "ours,pocketbase,ours-pg,ours-pg2").split(",") if s]
ONLY = [s for s in os.environ.get("BENCH_SCENARIOS", "").split(",") if s]
# PostgreSQL runs measure what changes with the backend and a second instance (issue 8): the
# reads and writes that touch the database most, not logins (Argon2, the same on any backend).
# Four scenarios keep both PostgreSQL servers within ~12 minutes, loading included.
PG_ONLY = [s for s in os.environ.get("BENCH_PG_SCENARIOS", "R1,R2,W1,W2").split(",") if s]
# Any existing database on the server: CREATE/DROP DATABASE run from there (trust auth locally).
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
# The local cluster has ssl = on, so libpq's default (prefer) would encrypt every query on
# loopback; the compose deployment's postgres image has no TLS. BENCH_PG_SSLMODE=prefer measures it.
PG_SSLMODE = os.environ.get("BENCH_PG_SSLMODE", "disable")
PASSWORD = "benchmark password 2026"
ADMIN_EMAIL = "admin@bench.example"
JWT_SECRET = "benchmark-secret-benchmark-secret-benchmark-secret"
# Loading: Argon2/bcrypt hashing dominates registration; more threads than cores buys nothing.
LOAD_THREADS = 4
WRK_THREADS = 2
READ_CONNS = 64
LOGIN_CONNS = 16

TARGETS = {
    "rps_ratio": {"R1": 5.0, "R2": 5.0, "W1": 3.0},
    "p99_ms": {"R1": 25.0, "R2": 25.0, "W1": 25.0},
    "storm_p99_factor": 2.0,
    "mem_mib": 96.0,
    "storm_mem_mib": 192.0,
    "scale_factor": 2.0,
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# The data set: generated once, deterministically, and loaded identically into both servers.
# --------------------------------------------------------------------------------------------

WORDS = """netwerk samenwerking bewoner huurder zorg welzijn gemeente corporatie opgave
eigenaarschap legitimatie autonomie identiteit verantwoording geld budget bestuur bestuurder
professional wijkteam wijk buurt woning schuldhulp begeleiding jeugd ouderen mantelzorg
kwartiermaker regie vertrouwen spanning dilemma casus overleg tafel keten partner afspraak
mandaat besluit proces procedure innovatie leren reflectie spiegel puber eigen ruimte grens
organisatie directeur manager coördinator verbinding rol taak verantwoordelijkheid moreel formeel
toezicht raad wethouder beleid uitvoering praktijk signaal melding huisbezoek gesprek vraag
antwoord oplossing maatwerk integraal domein sociaal fysiek veiligheid politie huisarts school
onderwijs werk inkomen participatie armoede eenzaamheid dakloos opvang beschermd wonen
verslaving psychiatrie ggz ondersteuning indicatie wachtlijst capaciteit personeel tekort ziekte
verzuim energie motivatie frustratie succes resultaat effect waarde direct indirect publiek
private financiering subsidie contract inkoop aanbesteding pilot experiment evaluatie monitor
data privacy gegevens delen toestemming wet regel ruimte afwijken escalatie doorbraak casusregie
netwerkkunde bewustzijn vermogen competentie groei houding gedrag cultuur taal beeld verhaal
ervaring kennis vakmanschap intervisie supervisie coaching training bijeenkomst sessie leerkring
agenda thema doel visie missie strategie koers richting toekomst tijdelijk blijvend overgang
afbouw opbouw start vervolg stap fase moment tempo tijd week maand jaar""".split()

TAGS = """wijkteam regie casusoverleg financiering privacy bestuur mandaat eigenaarschap
jeugd ouderen wonen schulden ggz onderwijs werk veiligheid innovatie pilot evaluatie
intervisie leerkring cultuur vertrouwen escalatie maatwerk integraal""".split()

TENSIONS = ["identity", "autonomy", "legitimacy"]
ORGS = [
    "Woonstichting De Linde", "Zorggroep Oost", "Gemeente Zuiderveld", "Welzijn Noord",
    "GGZ Midden", "Stichting Thuis", "Woonbron Delta", "Buurtzorg West", "Sociaal Team Oost",
]

# Place names: rare words (each in about 1 of 400 reflections), as real searches for a
# neighbourhood or project are. R3 searches these half of the time, and otherwise a common word
# of rank 25 or lower (in 5–40 % of reflections): a mix that is fair to an index (ours) and to a
# newest-first scan that stops at 20 matches (PocketBase's LIKE).
PLACES = [a + b for a in ("Hoog", "Laag", "Noord", "Zuid", "Oost", "West", "Klein", "Groot", "Oud", "Nieuw")
          for b in ("veld", "dorp", "wijk", "brug", "haven", "berg", "dam", "kerk", "meer", "hoven",
                    "broek", "zand", "water", "burg", "horst", "lo", "beek", "rade", "weide", "akker")]
SEARCH_WORDS = WORDS[25:]


class Dataset:
    """Members (index 0 is the admin), sessions and reflections, as plain dicts."""

    def __init__(self, seed: int = 2026) -> None:
        rnd = random.Random(seed)
        weights = [1.0 / (rank + 1) for rank in range(len(WORDS))]
        self.rnd = rnd
        self.weights = weights
        self.members = []
        for i in range(N_MEMBERS):
            role = "admin" if i == 0 else ("facilitator" if i % 20 == 0 else "member")
            self.members.append({
                "email": ADMIN_EMAIL if i == 0 else f"lid{i:05d}@bench.example",
                "display_name": f"{rnd.choice(['Fatima', 'Joost', 'Anne', 'Sem', 'Noor', 'Daan', 'Iris', 'Milan'])} "
                                f"{rnd.choice(['de Vries', 'el Amrani', 'Jansen', 'Bakker', 'Visser', 'Smit', 'Yilmaz'])} {i}",
                "role": role,
                "member_kind": "executive" if i % 7 == 0 else "professional",
                "organization": rnd.choice(ORGS),
                "job_title": rnd.choice(["kwartiermaker", "wijkcoach", "directeur", "teamleider", "adviseur"]),
            })
        self.facilitators = [i for i, m in enumerate(self.members) if m["role"] != "member"]
        base = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.timezone.utc)
        self.sessions = []
        for i in range(N_SESSIONS):
            start = base + dt.timedelta(days=3 * i, hours=rnd.randrange(0, 8))
            self.sessions.append({
                "title": f"Leerkring {i}: " + self.words(3).capitalize(),
                "description": self.text(2),
                "theme": TENSIONS[i % 3],
                "starts_at": iso(start),
                "ends_at": iso(start + dt.timedelta(hours=2, minutes=30)),
                "location": "Wijkcentrum De Schakel",
                # Most sessions fill up, so W2 also exercises the waitlist.
                "capacity": None if i % 4 == 0 else 300,
                "facilitator": self.facilitators[i % len(self.facilitators)],
            })
        self.reflections = [self.reflection(rnd.randrange(N_MEMBERS)) for _ in range(N_REFLECTIONS)]

    def words(self, n: int) -> str:
        return " ".join(self.rnd.choices(WORDS, self.weights, k=n))

    def sentence(self) -> str:
        place = f" in {self.rnd.choice(PLACES)}" if self.rnd.random() < 0.08 else ""
        return self.words(self.rnd.randint(6, 16)).capitalize() + place + "."

    def text(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def reflection(self, author: int) -> dict:
        rnd = self.rnd
        has_competence = rnd.random() < 0.6
        return {
            "author": author,
            "session": rnd.randrange(N_SESSIONS) if rnd.random() < 0.3 else None,
            "title": self.words(rnd.randint(3, 8)).capitalize(),
            "body": self.text(rnd.randint(3, 12)),
            "tensions": sorted(set(rnd.sample(TENSIONS, rnd.randint(0, 2)))),
            "tags": sorted(set(rnd.sample(TAGS, rnd.randint(0, 4)))),
            "competence": {"awareness": rnd.randint(1, 5), "capability": rnd.randint(1, 5)} if has_competence else None,
            # Mostly shared with everyone; some for facilitators only, some private.
            "visibility": rnd.choices(["community", "facilitators", "private"], [70, 20, 10])[0],
        }


def iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------
# HTTP for loading: one keep-alive connection per loader thread.
# --------------------------------------------------------------------------------------------

class Http:
    def __init__(self, port: int) -> None:
        self.port = port
        self.local = threading.local()

    def call(self, method: str, path: str, body=None, auth: str | None = None, expect=(200, 201)):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = auth
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                conn.request(method, path, data, headers)
                res = conn.getresponse()
                raw = res.read()
                break
            except (ConnectionError, http.client.HTTPException, socket.timeout):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
        if res.status not in expect:
            raise RuntimeError(f"{method} {path} -> {res.status}: {raw[:300]!r}")
        return json.loads(raw) if raw else None


def parallel(fn, items, threads: int = LOAD_THREADS) -> list:
    with cf.ThreadPoolExecutor(threads) as pool:
        return list(pool.map(fn, items))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, path: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not become ready")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------------------------
# Process metrics: peak RSS (VmHWM, reset per scenario through clear_refs) and CPU time.
# --------------------------------------------------------------------------------------------

class ProcWatch:
    """Peak resident memory and CPU time of one process over a scenario.

    VmHWM is the kernel's own high-water mark, so short spikes between samples are not missed.
    Writing 5 to /proc/PID/clear_refs resets it, giving a per-scenario peak. Where that is not
    permitted, a 50 ms VmRSS sampler gives the peak instead (and says so).
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def _status(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])  # kB
        return 0

    def _cpu_ticks(self) -> int:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime

    def start(self) -> None:
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False
        self.sampled_kb = self._status("VmRSS")
        self.running = True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self) -> None:
        while self.running:
            try:
                self.sampled_kb = max(self.sampled_kb, self._status("VmRSS"))
            except OSError:
                return
            time.sleep(0.05)

    @staticmethod
    def _machine() -> tuple[int, int]:
        """Busy and total jiffies of the whole machine: what else ran beside server and wrk."""
        v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = v[3] + v[4]
        return sum(v) - idle, sum(v)

    def begin_cpu(self) -> None:
        self.cpu0, self.t0 = self._cpu_ticks(), time.time()
        self.machine0 = self._machine()

    def finish(self) -> dict:
        self.running = False
        self.thread.join()
        hwm = self._status("VmHWM")
        peak = hwm if self.hwm_reset else self.sampled_kb
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (self._cpu_ticks() - self.cpu0) / ticks
        busy, total = self._machine()
        machine_pct = 100 * (busy - self.machine0[0]) / max(total - self.machine0[1], 1)
        return {
            "peak_rss_mib": round(max(peak, self.sampled_kb) / 1024, 1),
            "peak_source": "VmHWM" if self.hwm_reset else "VmRSS sampled every 50 ms",
            "rss_end_mib": round(self._status("VmRSS") / 1024, 1),
            # Percent of one core; the machine figure is percent of all cores together.
            "server_cpu_pct": round(100 * cpu / (time.time() - self.t0), 1),
            "machine_busy_pct": round(machine_pct, 1),
        }


class PgWatch:
    """CPU time of the PostgreSQL server's processes that work for one database, over a scenario.

    PostgreSQL runs on the same two cores, so what it spends is part of a request's cost. Counted:
    the backends of our database (their process titles name it), backends that serve them
    (parallel workers) and the shared processes (postmaster, WAL writer, checkpointer, background
    writer: our writes drive them). Not counted: backends of other databases, e.g. someone's test
    run, which stay in others' CPU. Sampled every 250 ms, so a process that exits during the
    scenario still counts up to its last sample. Needs the server on this machine (its processes
    in /proc, owned by the user `postgres`); otherwise the figure is left out.
    """

    BACKEND = re.compile(r"\s(\S+)\s(\S+)\s(\S+\(\d+\)|\[local\])(\s|$)")

    def __init__(self, db: str) -> None:
        self.db = db
        try:
            import pwd
            self.uid = pwd.getpwnam("postgres").pw_uid
        except (ImportError, KeyError):
            self.uid = None

    def _sample(self) -> dict:
        """(pid, start time) → utime + stime of every process counted for our database."""
        procs = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.stat(f"/proc/{pid}").st_uid != self.uid:
                    continue
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # exited meanwhile
            procs[int(pid)] = (title, (int(pid), fields[19]), int(fields[11]) + int(fields[12]))
        ours = {}
        for pid, (title, key, ticks) in procs.items():
            words = title.split()
            if self.db in words:
                ours[key] = ticks
            elif (m := re.search(r"parallel worker for PID (\d+)", title)):
                leader = procs.get(int(m.group(1)))
                if leader and self.db in leader[0].split():
                    ours[key] = ticks
            elif self.BACKEND.search(title) or "autovacuum worker" in title:
                continue  # another database's backend
            else:
                ours[key] = ticks  # postmaster and shared background processes
        return ours

    def begin(self) -> None:
        self.active = self.uid is not None
        if not self.active:
            return
        self.base = self._sample()
        self.last = dict(self.base)
        self.t0 = time.time()
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while self.running:
            time.sleep(0.25)
            self.last.update(self._sample())

    def finish(self) -> float | None:
        """Percent of one core, or None when the server's processes cannot be seen."""
        if not self.active:
            return None
        self.running = False
        self.thread.join()
        self.last.update(self._sample())
        # Processes started during the scenario count from zero.
        ticks = sum(t - self.base.get(k, 0) for k, t in self.last.items())
        return round(100 * ticks / os.sysconf("SC_CLK_TCK") / (time.time() - self.t0), 1)


# --------------------------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------------------------

def write_requests(path: Path, lines: list[tuple]) -> None:
    with path.open("w") as f:
        for method, target, token, body in lines:
            text = "" if body is None else json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            tok = "" if token is None else str(token)
            f.write(f"{method}\t{target}\t{tok}\t{text}\n")


def wrk(port: int, requests: Path, tokens: Path, conns: int, seconds: int) -> dict:
    """One bounded wrk run; its own CPU time is reported so load-generator cost stays visible."""
    cmd = [
        "wrk", f"-t{WRK_THREADS}", f"-c{conns}", f"-d{seconds}s", "--timeout", "10s", "--latency",
        "-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(requests), str(tokens), str(WRK_THREADS),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    match = re.search(r"^WRKJSON (.*)$", out.stdout, re.M)
    if not match:
        raise RuntimeError(f"wrk gave no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    raw = json.loads(match.group(1))
    secs = raw["duration_us"] / 1e6
    errors = raw["errors_status"] + raw["errors_connect"] + raw["errors_read"] + raw["errors_write"] + raw["errors_timeout"]
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / secs, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": errors,
        "statuses": raw["statuses"],
        "wrapped": raw["wraps"] > 0,
        "seconds": round(secs, 1),
        "loadgen_cpu_pct": round(100 * wrk_cpu / secs, 1),
    }


def wrk_split(ports: list[int], requests: list[Path], tokens: Path, conns: int, seconds: int) -> dict:
    """wrk against every instance at once, each with its share of the connections, combined.

    wrk connects to one address, so two instances get two wrk processes, run concurrently.
    Requests and errors add up; latency percentiles cannot be merged from percentiles, so p50 and
    p99 are the larger of the runs' (conservative). One instance: exactly one wrk, as before.
    """
    if len(ports) == 1:
        return wrk(ports[0], requests[0], tokens, conns, seconds)
    share = conns // len(ports)
    # The runs overlap, so each one's own rusage delta would also catch the other's exit: the
    # load generator's CPU is measured around both together instead.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with cf.ThreadPoolExecutor(len(ports)) as pool:
        parts = list(pool.map(lambda i: wrk(ports[i], requests[i], tokens, share, seconds), range(len(ports))))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    secs = max(p["seconds"] for p in parts)
    statuses: dict = {}
    for p in parts:
        for code, count in p["statuses"].items():
            statuses[code] = statuses.get(code, 0) + count
    return {
        "requests": sum(p["requests"] for p in parts),
        "rps": round(sum(p["rps"] for p in parts), 1),
        **{k: max(p[k] for p in parts) for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")},
        "latency": "max of the instances' wrk runs (conservative: percentiles of two runs cannot be merged)",
        "errors": sum(p["errors"] for p in parts),
        "statuses": statuses,
        "wrapped": any(p["wrapped"] for p in parts),
        "seconds": secs,
        "loadgen_cpu_pct": round(100 * cpu / secs, 1),
        "connections_per_instance": share,
        "parts": [{k: v for k, v in p.items() if k != "loadgen_cpu_pct"} for p in parts],
    }


def combine_watches(mems: list[dict]) -> dict:
    """One instance's memory and CPU as measured; several: peak per instance (the largest) and in
    total, CPU of all of them together."""
    if len(mems) == 1:
        return mems[0]
    return {
        "peak_rss_mib": max(m["peak_rss_mib"] for m in mems),
        "peak_rss_total_mib": round(sum(m["peak_rss_mib"] for m in mems), 1),
        "peak_source": mems[0]["peak_source"],
        "rss_end_mib": round(sum(m["rss_end_mib"] for m in mems), 1),
        "server_cpu_pct": round(sum(m["server_cpu_pct"] for m in mems), 1),
        # The same window for every watch; the first one's is taken.
        "machine_busy_pct": mems[0]["machine_busy_pct"],
        "instances": mems,
    }


class Scenario:
    """One load pattern: its requests (warm-up and measured may differ) and its connections."""

    def __init__(self, name: str, what: str, conns: int, lines: list, warm_lines: list | None = None):
        self.name, self.what, self.conns = name, what, conns
        self.lines, self.warm_lines = lines, warm_lines or lines


# At most this long before one scenario, and in all, so a busy machine cannot stretch the run.
QUIET_WAIT = int(os.environ.get("BENCH_QUIET_WAIT", "60"))
QUIET_BUDGET = [int(os.environ.get("BENCH_QUIET_BUDGET", "300"))]


def wait_quiet() -> float:
    """Waits (up to BENCH_QUIET_WAIT s) until the machine is nearly idle before a measurement.

    The cores are shared (other people build and test here); a scenario that starts while
    something else runs measures the other thing. Returns the seconds waited; what still ran
    during the scenario is reported as others_cpu_pct either way.
    """
    waited = 0.0
    while waited < min(QUIET_WAIT, QUIET_BUDGET[0]):
        b0, t0 = ProcWatch._machine()
        time.sleep(1)
        b1, t1 = ProcWatch._machine()
        if (b1 - b0) / max(t1 - t0, 1) < 0.15:
            break
        waited += 1 + 2
        time.sleep(2)
    QUIET_BUDGET[0] -= waited
    return waited


def run_scenario(srv, sc: Scenario, work: Path) -> dict:
    quiet_wait = wait_quiet()
    n = len(srv.ports)
    reqs, warms = [], []
    for i in range(n):
        tag = f".{i + 1}" if n > 1 else ""
        reqs.append(work / f"{srv.name}-{sc.name}{tag}.req")
        warms.append(work / f"{srv.name}-{sc.name}{tag}.warm.req")
        # Instance i takes lines i, i + n, …: together they send each request once, as one wrk
        # would (W2 relies on it: every (member, session) pair is registered once).
        write_requests(reqs[-1], sc.lines[i::n])
        write_requests(warms[-1], sc.warm_lines[i::n])
    watches = [ProcWatch(proc.pid) for proc in srv.procs]
    for watch in watches:
        watch.start()
    pg = PgWatch(srv.pg_db) if getattr(srv, "pg_db", None) else None
    if WARMUP > 0:
        wrk_split(srv.ports, warms, srv.tokens_file, sc.conns, WARMUP)
    for watch in watches:
        watch.begin_cpu()
    if pg:
        pg.begin()
    result = wrk_split(srv.ports, reqs, srv.tokens_file, sc.conns, SECONDS)
    result.update(combine_watches([watch.finish() for watch in watches]))
    pg_cpu = pg.finish() if pg else None
    # Whatever else ran on the machine meanwhile (other people's builds): percent of one core.
    # PostgreSQL's own share, where it is measured, is not "others".
    result["others_cpu_pct"] = round(max(0.0, result["machine_busy_pct"] * (os.cpu_count() or 1)
                                          - result["server_cpu_pct"] - result["loadgen_cpu_pct"] - (pg_cpu or 0)), 1)
    result["connections"] = sc.conns
    result["waited_for_quiet_s"] = quiet_wait
    # Requests per second of server CPU: the efficiency figure that noise on the machine
    # distorts least (throughput alone drops when something else takes a core).
    result["req_per_cpu_s"] = round(result["rps"] / max(result["server_cpu_pct"] / 100, 0.01))
    if pg:
        result["pg_cpu_pct"] = pg_cpu
        if pg_cpu is not None:
            # What a request costs on this machine with the database server counted in.
            result["req_per_cpu_s_with_pg"] = round(result["rps"] / max((result["server_cpu_pct"] + pg_cpu) / 100, 0.01))
    result["load_avg_1m"] = round(os.getloadavg()[0], 2)
    extra = ""
    if n > 1:
        extra = (f" ({n} instances, {result['connections_per_instance']} connections each; p50/p99 are the max of the "
                 f"{n} wrk runs; peak per instance, {result['peak_rss_total_mib']} MiB in total)")
    if pg:
        extra += f", PostgreSQL cpu {pg_cpu}%"
    log(f"{srv.name} {sc.name}: {result['rps']} req/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"errors {result['errors']} {result['statuses']}, peak {result['peak_rss_mib']} MiB, cpu server "
        f"{result['server_cpu_pct']}% wrk {result['loadgen_cpu_pct']}% others {result['others_cpu_pct']}%{extra}")
    return result


def run_storm(srv, read: Scenario, login: Scenario, work: Path) -> dict:
    """Reads at full load while logins run at full load beside them, measured together."""
    wait_quiet()
    req = work / f"{srv.name}-storm-read.req"
    lreq = work / f"{srv.name}-storm-login.req"
    write_requests(req, read.lines)
    write_requests(lreq, login.lines)
    watch = ProcWatch(srv.proc.pid)
    watch.start()
    watch.begin_cpu()
    with cf.ThreadPoolExecutor(2) as pool:
        # Logins start first and last longer, so the whole measured read window is under storm.
        logins = pool.submit(wrk, srv.port, lreq, srv.tokens_file, LOGIN_CONNS, SECONDS + 4)
        time.sleep(2)
        reads = pool.submit(wrk, srv.port, req, srv.tokens_file, READ_CONNS, SECONDS)
        r, l = reads.result(), logins.result()
    mem = watch.finish()
    out = {"read": r, "login": l, **mem}
    log(f"{srv.name} storm: reads {r['rps']} req/s p99 {r['p99_ms']} ms; logins {l['rps']} req/s "
        f"p99 {l['p99_ms']} ms; peak {mem['peak_rss_mib']} MiB")
    return out


# --------------------------------------------------------------------------------------------
# Our service
# --------------------------------------------------------------------------------------------

class Ours:
    name = "ours"
    # Loading takes a copy at 10,000 reflections for the scale comparison (`backup`: SQLite only).
    snapshot = True

    def __init__(self, data: Dataset, work: Path) -> None:
        self.data, self.work = data, work
        self.dir = work / self.name
        self.dir.mkdir(parents=True)
        self.db = self.dir / "lg.db"
        self.procs, self.ports, self.logs = [], [], []
        self.env = dict(os.environ,
                        LG_DATABASE_URL=self.database_url(),
                        LG_JWT_SECRET=JWT_SECRET,
                        # Tokens are issued once at load time and must outlive the whole run.
                        LG_ACCESS_TOKEN_TTL="86400",
                        # Benchmark only: thousands of logins per email must never be throttled.
                        LG_LOCKOUT_THRESHOLD="1000000000",
                        LG_LOG=os.environ.get("BENCH_LG_LOG", "info"))

    def database_url(self) -> str:
        return str(self.db)

    def start(self, db: Path | None = None) -> None:
        env = dict(self.env)
        if db:
            env["LG_DATABASE_URL"] = str(db)
        self.procs, self.ports = [], []
        self.spawn(env, "server.log")
        self.http = Http(self.port)

    def spawn(self, env: dict, log_name: str) -> None:
        """Starts one more instance and waits until it is ready; the first is self.proc/self.port."""
        port = free_port()
        logf = (self.dir / log_name).open("a")
        self.logs.append(logf)
        # cwd: on PostgreSQL the binary's data folder is ./data; keep it in the temp dir.
        proc = subprocess.Popen([str(OUR_BIN), "serve"], env=dict(env, LG_BIND=f"127.0.0.1:{port}"), cwd=self.dir,
                                stdout=logf, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        self.ports.append(port)
        self.proc, self.port = self.procs[0], self.ports[0]
        wait_ready(port, "/ready", proc)

    def stop(self) -> None:
        for proc in self.procs:
            stop(proc)
        for logf in self.logs:
            logf.close()
        self.logs = []

    def available(self) -> set[str]:
        spec = self.http.call("GET", "/api/v1/openapi.json")
        paths = spec.get("paths", {})
        have = {"L1", "M1"}
        if "/api/v1/sessions" in paths:
            have |= {"R1"}
        if "/api/v1/sessions/{id}/registration" in paths:
            have |= {"W2"}
        if "/api/v1/reflections" in paths:
            have |= {"R2", "R3", "W1"}
        return have

    def load(self, have: set[str]) -> None:
        d, h = self.data, self.http
        subprocess.run([str(OUR_BIN), "create-admin", "--email", ADMIN_EMAIL, "--display-name", d.members[0]["display_name"]],
                       env=dict(self.env, LG_ADMIN_PASSWORD=PASSWORD), cwd=self.dir, check=True, capture_output=True)
        admin = "Bearer " + h.call("POST", "/api/v1/auth/login", {"email": ADMIN_EMAIL, "password": PASSWORD})["access_token"]
        self.ids = [None] * len(d.members)
        self.tokens = [admin] + [None] * (len(d.members) - 1)
        self.ids[0] = h.call("GET", "/api/v1/me", auth=admin)["id"]

        def join(i: int) -> None:
            m = d.members[i]
            inv = h.call("POST", "/api/v1/invitations", {"email": m["email"], "role": m["role"]}, auth=admin)
            res = h.call("POST", "/api/v1/auth/register", {
                "invitation_code": inv["code"], "display_name": m["display_name"], "password": PASSWORD,
                "member_kind": m["member_kind"], "organization": m["organization"], "job_title": m["job_title"]})
            self.ids[i] = res["member"]["id"]
            self.tokens[i] = "Bearer " + res["access_token"]

        t = time.time()
        parallel(join, range(1, len(d.members)))
        log(f"{self.name}: {len(d.members)} members in {time.time() - t:.0f} s")
        self.write_tokens()

        self.session_ids = []
        if "R1" in have:
            def session(s: dict) -> str:
                body = {k: s[k] for k in ("title", "description", "theme", "starts_at", "ends_at", "location", "capacity")}
                body["facilitator_ids"] = [self.ids[s["facilitator"]]]
                return h.call("POST", "/api/v1/sessions", body, auth=admin)["id"]
            self.session_ids = parallel(session, d.sessions)

        self.small_db = None
        if "W1" in have:
            t = time.time()
            half = len(d.reflections) // 2
            parallel(self.post_reflection, d.reflections[:half])
            if self.snapshot:
                # The scale comparison starts from this consistent copy with 10,000 reflections.
                self.small_db = self.dir / "small.db"
                subprocess.run([str(OUR_BIN), "backup", "--to", str(self.small_db)], env=self.env, check=True, capture_output=True)
            parallel(self.post_reflection, d.reflections[half:])
            log(f"{self.name}: {len(d.reflections)} reflections in {time.time() - t:.0f} s")

    def reflection_body(self, r: dict) -> dict:
        return {
            "title": r["title"], "body": r["body"], "tensions": r["tensions"], "tags": r["tags"],
            "competence": r["competence"], "visibility": r["visibility"],
            "session_id": self.session_ids[r["session"]] if r["session"] is not None and self.session_ids else None,
        }

    def post_reflection(self, r: dict) -> None:
        self.http.call("POST", "/api/v1/reflections", self.reflection_body(r), auth=self.tokens[r["author"]])

    def write_tokens(self) -> None:
        self.tokens_file = self.dir / "tokens.txt"
        self.tokens_file.write_text("\n".join(self.tokens) + "\n")

    # Requests per scenario -----------------------------------------------------------------

    def r1(self, callers, starts):
        return [("GET", f"/api/v1/sessions?limit=20&from={urllib.parse.quote(s)}", c, None) for c, s in zip(callers, starts)]

    def r2(self, callers):
        return [("GET", "/api/v1/reflections?limit=20", c, None) for c in callers]

    def r3(self, callers, words):
        return [("GET", f"/api/v1/reflections?limit=20&q={urllib.parse.quote(w)}", c, None) for c, w in zip(callers, words)]

    def m1(self, callers):
        return [("GET", "/api/v1/members?limit=20", c, None) for c in callers]

    def w1(self, authors, reflections):
        return [("POST", "/api/v1/reflections", a, self.reflection_body(r)) for a, r in zip(authors, reflections)]

    def w2(self, pairs):
        return [("POST", f"/api/v1/sessions/{self.session_ids[s]}/registration", m, None) for m, s in pairs]

    def l1(self, members):
        return [("POST", "/api/v1/auth/login", None, {"email": self.data.members[m]["email"], "password": PASSWORD}) for m in members]


# --------------------------------------------------------------------------------------------
# Our service on PostgreSQL: one instance, and two on the same database
# --------------------------------------------------------------------------------------------

def psql(sql: str, url: str = PG_ADMIN_URL) -> str:
    out = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=True, text=True, timeout=300)
    if out.returncode:
        raise RuntimeError(f"psql {sql!r}: {out.stderr.strip()}")
    return out.stdout.strip()


def pg_url(db: str) -> str:
    """BENCH_PG_URL with another database name (and the sslmode for the servers)."""
    u = urllib.parse.urlsplit(PG_ADMIN_URL)
    query = urllib.parse.parse_qsl(u.query)
    if PG_SSLMODE and not any(k == "sslmode" for k, _ in query):
        query.append(("sslmode", PG_SSLMODE))
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, urllib.parse.urlencode(query), ""))


class OursPg(Ours):
    """Ours on a fresh PostgreSQL database, created for the run and dropped afterwards (also on
    failure); `instances` processes of the binary on it, with the same secret. Data is loaded as
    on SQLite, through the first instance's API."""

    name = "ours-pg"
    instances = 1
    snapshot = False

    def __init__(self, data: Dataset, work: Path) -> None:
        # A name of its own: the server is shared (test runs make lg_test_* databases there).
        self.pg_db = f"lg_bench_{uuid.uuid4().hex[:12]}"
        self.created = False
        super().__init__(data, work)

    def database_url(self) -> str:
        return pg_url(self.pg_db)

    def start(self, db: Path | None = None) -> None:
        psql(f"CREATE DATABASE {self.pg_db}")
        self.created = True
        log(f"{self.name}: database {self.pg_db}")
        self.procs, self.ports = [], []
        # One after the other: the first applies the migrations, the second finds none to apply.
        for i in range(self.instances):
            self.spawn(self.env, f"server{i + 1}.log" if self.instances > 1 else "server.log")
        self.http = Http(self.port)

    def stop(self) -> None:
        try:
            super().stop()
        finally:
            if self.created and not os.environ.get("BENCH_KEEP"):
                # FORCE: a server that did not stop must not keep the database alive.
                psql(f"DROP DATABASE IF EXISTS {self.pg_db} WITH (FORCE)")
                self.created = False
            elif self.created:
                log(f"{self.name}: kept database {self.pg_db} (BENCH_KEEP); drop it with DROP DATABASE")

    def load(self, have: set[str]) -> None:
        super().load(have)
        # This cluster runs with autovacuum off (a CI setting). In a default deployment
        # autovacuum would have vacuumed and analyzed after loading 20,000 rows: the planner has
        # statistics, and the search index's GIN pending list is merged. Without it every search
        # scans that unsorted list (measured: 3.1 ms instead of 0.4 ms for a rare word at 6,000
        # reflections), which would measure this machine's setting, not the service.
        t = time.time()
        psql("VACUUM ANALYZE", self.database_url())
        log(f"{self.name}: VACUUM ANALYZE in {time.time() - t:.1f} s")


class OursPg2(OursPg):
    """Two instances on one PostgreSQL database: scale-out as deployed behind a load balancer."""

    name = "ours-pg2"
    instances = 2


PG_SERVERS = {"ours-pg": OursPg, "ours-pg2": OursPg2}


# --------------------------------------------------------------------------------------------
# PocketBase, with collections, rules and indexes equivalent to ours
# --------------------------------------------------------------------------------------------

SIGNED_IN = "@request.auth.id != ''"
PB_COLLECTIONS = [
    {
        "name": "members", "type": "auth",
        "listRule": SIGNED_IN, "viewRule": SIGNED_IN, "createRule": None, "updateRule": "id = @request.auth.id",
        # Ours sends no new-location mails either.
        "authAlert": {"enabled": False},
        "fields": [
            {"name": "display_name", "type": "text", "required": True, "max": 100},
            {"name": "member_kind", "type": "select", "values": ["professional", "executive"], "maxSelect": 1, "required": True},
            {"name": "role", "type": "select", "values": ["member", "facilitator", "admin"], "maxSelect": 1, "required": True},
            {"name": "organization", "type": "text"},
            {"name": "job_title", "type": "text"},
            {"name": "bio", "type": "text"},
            {"name": "active", "type": "bool"},
            {"name": "joined", "type": "autodate", "onCreate": True, "onUpdate": False},
        ],
        "indexes": ["CREATE INDEX idx_members_name ON members (display_name, id)"],
    },
    {
        "name": "sessions", "type": "base",
        "listRule": SIGNED_IN, "viewRule": SIGNED_IN,
        "createRule": "@request.auth.role = 'facilitator' || @request.auth.role = 'admin'",
        "fields": [
            {"name": "title", "type": "text", "required": True, "max": 200},
            {"name": "description", "type": "text", "max": 5000},
            {"name": "theme", "type": "select", "values": TENSIONS, "maxSelect": 1},
            {"name": "starts_at", "type": "date", "required": True},
            {"name": "ends_at", "type": "date", "required": True},
            {"name": "location", "type": "text"},
            {"name": "online_url", "type": "url"},
            {"name": "capacity", "type": "number", "min": 1, "onlyInt": True},
            {"name": "status", "type": "select", "values": ["scheduled", "cancelled"], "maxSelect": 1},
            {"name": "facilitators", "type": "relation", "collectionId": "members", "maxSelect": 20},
            {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
            {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
        ],
        "indexes": ["CREATE INDEX idx_sessions_start ON sessions (starts_at, id)"],
    },
    {
        "name": "registrations", "type": "base",
        "listRule": "member = @request.auth.id", "viewRule": "member = @request.auth.id",
        "createRule": f"{SIGNED_IN} && @request.body.member = @request.auth.id",
        "fields": [
            {"name": "session", "type": "relation", "collectionId": "sessions", "maxSelect": 1, "required": True, "cascadeDelete": True},
            {"name": "member", "type": "relation", "collectionId": "members", "maxSelect": 1, "required": True, "cascadeDelete": True},
            {"name": "status", "type": "select", "values": ["registered", "waitlisted", "cancelled"], "maxSelect": 1, "required": True},
            {"name": "attended", "type": "bool"},
            {"name": "registered", "type": "autodate", "onCreate": True, "onUpdate": False},
        ],
        "indexes": [
            "CREATE UNIQUE INDEX idx_registrations_once ON registrations (session, member)",
            "CREATE INDEX idx_registrations_member ON registrations (member, status)",
        ],
    },
    {
        "name": "reflections", "type": "base",
        # The same visibility as ours: private to the author, facilitators-only, or everyone.
        "listRule": f"{SIGNED_IN} && (visibility = 'community' || author = @request.auth.id || "
                    "(visibility = 'facilitators' && @request.auth.role != 'member'))",
        "createRule": f"{SIGNED_IN} && @request.body.author = @request.auth.id",
        "fields": [
            {"name": "author", "type": "relation", "collectionId": "members", "maxSelect": 1, "required": True, "cascadeDelete": True},
            {"name": "session", "type": "relation", "collectionId": "sessions", "maxSelect": 1},
            {"name": "title", "type": "text", "required": True, "max": 200},
            {"name": "body", "type": "text", "required": True, "max": 20000},
            {"name": "tensions", "type": "select", "values": TENSIONS, "maxSelect": 3},
            {"name": "tags", "type": "json", "maxSize": 2000},
            {"name": "awareness", "type": "number", "min": 1, "max": 5, "onlyInt": True},
            {"name": "capability", "type": "number", "min": 1, "max": 5, "onlyInt": True},
            {"name": "visibility", "type": "select", "values": ["private", "facilitators", "community"], "maxSelect": 1, "required": True},
            {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
            {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
        ],
        "indexes": [
            # No (visibility, …) index, unlike ours: with one, SQLite answers the visibility rule's
            # OR with a multi-index union plus a sort of every visible row (~300 ms a page at
            # 20,000 rows, GBs of memory under load) instead of walking this index newest first.
            "CREATE INDEX idx_reflections_newest ON reflections (created, id)",
            "CREATE INDEX idx_reflections_author ON reflections (author, created, id)",
            "CREATE INDEX idx_reflections_session ON reflections (session, created, id)",
        ],
    },
]
PB_COLLECTIONS[0]["viewRule"] = SIGNED_IN
PB_COLLECTIONS[3]["viewRule"] = PB_COLLECTIONS[3]["listRule"]


class PocketBase:
    name = "pocketbase"

    def __init__(self, data: Dataset, work: Path) -> None:
        self.data, self.work = data, work
        self.dir = work / "pocketbase"
        self.dir.mkdir(parents=True)

    def start(self) -> None:
        self.port = free_port()
        subprocess.run([str(PB_BIN), "superuser", "upsert", ADMIN_EMAIL, PASSWORD, "--dir", str(self.dir / "pb_data")],
                       check=True, capture_output=True)
        self.logf = (self.dir / "server.log").open("a")
        self.proc = subprocess.Popen(
            [str(PB_BIN), "serve", "--http", f"127.0.0.1:{self.port}", "--dir", str(self.dir / "pb_data"),
             "--publicDir", str(self.dir / "pb_public"), "--hooksDir", str(self.dir / "pb_hooks"),
             "--migrationsDir", str(self.dir / "pb_migrations")],
            stdout=self.logf, stderr=subprocess.STDOUT)
        self.procs, self.ports = [self.proc], [self.port]
        wait_ready(self.port, "/api/health", self.proc)
        self.http = Http(self.port)

    def stop(self) -> None:
        # Also after a failed start.
        if getattr(self, "proc", None):
            stop(self.proc)
        if getattr(self, "logf", None):
            self.logf.close()

    def available(self) -> set[str]:
        return {"R1", "R2", "R3", "W1", "W2", "L1", "M1"}

    def load(self, have: set[str]) -> None:
        d, h = self.data, self.http
        su = h.call("POST", "/api/collections/_superusers/auth-with-password", {"identity": ADMIN_EMAIL, "password": PASSWORD})["token"]
        self.su = su
        for coll in PB_COLLECTIONS:
            coll = json.loads(json.dumps(coll))
            for f in coll["fields"]:
                if f["type"] == "relation":
                    f["collectionId"] = self.collection_id(f["collectionId"])
            h.call("POST", "/api/collections", coll, auth=su)

        def join(i: int) -> None:
            m = d.members[i]
            rec = h.call("POST", "/api/collections/members/records", {
                "email": m["email"], "password": PASSWORD, "passwordConfirm": PASSWORD, "verified": True,
                "display_name": m["display_name"], "member_kind": m["member_kind"], "role": m["role"],
                "organization": m["organization"], "job_title": m["job_title"], "active": True}, auth=su)
            self.ids[i] = rec["id"]
            # Impersonation issues a token without a password check: no need to pay bcrypt twice.
            self.tokens[i] = "Bearer " + h.call("POST", f"/api/collections/members/impersonate/{rec['id']}",
                                                {"duration": 86400}, auth=su)["token"]

        self.ids = [None] * len(d.members)
        self.tokens = [None] * len(d.members)
        t = time.time()
        parallel(join, range(len(d.members)))
        log(f"pocketbase: {len(d.members)} members in {time.time() - t:.0f} s")
        self.tokens_file = self.dir / "tokens.txt"
        self.tokens_file.write_text("\n".join(self.tokens) + "\n")

        def session(s: dict) -> str:
            body = {k: s[k] for k in ("title", "description", "theme", "starts_at", "ends_at", "location", "capacity")}
            body.update(status="scheduled", facilitators=[self.ids[s["facilitator"]]])
            return h.call("POST", "/api/collections/sessions/records", body, auth=su)["id"]
        self.session_ids = parallel(session, d.sessions)

        t = time.time()
        parallel(lambda r: h.call("POST", "/api/collections/reflections/records", self.reflection_body(r["author"], r),
                                  auth=self.tokens[r["author"]]), d.reflections)
        log(f"pocketbase: {len(d.reflections)} reflections in {time.time() - t:.0f} s")

    def collection_id(self, name: str) -> str:
        return self.http.call("GET", f"/api/collections/{name}", auth=self.su)["id"]

    def reflection_body(self, author: int, r: dict) -> dict:
        c = r["competence"] or {}
        body = {"author": self.ids[author], "title": r["title"], "body": r["body"], "tensions": r["tensions"],
                "tags": r["tags"], "visibility": r["visibility"],
                "awareness": c.get("awareness"), "capability": c.get("capability")}
        if r["session"] is not None:
            body["session"] = self.session_ids[r["session"]]
        return {k: v for k, v in body.items() if v is not None}

    # Requests per scenario; skipTotal=1 spares PocketBase the COUNT(*) that ours never does.

    def r1(self, callers, starts):
        out = []
        for c, s in zip(callers, starts):
            f = urllib.parse.quote(f"starts_at >= '{s.replace('T', ' ').replace('Z', '')}'")
            out.append(("GET", f"/api/collections/sessions/records?perPage=20&skipTotal=1&sort=starts_at,id&filter={f}", c, None))
        return out

    def r2(self, callers):
        return [("GET", "/api/collections/reflections/records?perPage=20&skipTotal=1&sort=-created,-id", c, None) for c in callers]

    def r3(self, callers, words):
        out = []
        for c, w in zip(callers, words):
            f = urllib.parse.quote(f"(title ~ '{w}' || body ~ '{w}')")
            out.append(("GET", f"/api/collections/reflections/records?perPage=20&skipTotal=1&sort=-created,-id&filter={f}", c, None))
        return out

    def m1(self, callers):
        return [("GET", "/api/collections/members/records?perPage=20&skipTotal=1&sort=display_name,id", c, None) for c in callers]

    def w1(self, authors, reflections):
        return [("POST", "/api/collections/reflections/records", a, self.reflection_body(a, r)) for a, r in zip(authors, reflections)]

    def w2(self, pairs):
        return [("POST", "/api/collections/registrations/records", m,
                 {"session": self.session_ids[s], "member": self.ids[m], "status": "registered"}) for m, s in pairs]

    def l1(self, members):
        return [("POST", "/api/collections/members/auth-with-password", None,
                 {"identity": self.data.members[m]["email"], "password": PASSWORD}) for m in members]


# --------------------------------------------------------------------------------------------
# Scenarios, identical in content for both servers
# --------------------------------------------------------------------------------------------

def scenarios(srv, data: Dataset, have: set[str]) -> dict[str, Scenario]:
    rnd = random.Random(7)
    n = len(data.members)
    callers = [rnd.randrange(n) for _ in range(4000)]
    out = {}
    if "R1" in have:
        starts = [data.sessions[rnd.randrange(len(data.sessions))]["starts_at"] for _ in callers]
        out["R1"] = Scenario("R1", "list sessions, 20 a page, from a varying start", READ_CONNS, srv.r1(callers, starts))
        if "W2" in have:
            out["R1x"] = Scenario("R1x", "R1 again after W2 (sessions full of registrations)", READ_CONNS, srv.r1(callers, starts))
    if "R2" in have:
        out["R2"] = Scenario("R2", "list reflections visible to the caller, newest first, 20 a page", READ_CONNS, srv.r2(callers))
    if "R3" in have:
        words = [rnd.choice(SEARCH_WORDS if i % 2 else PLACES).lower() for i in range(len(callers))]
        out["R3"] = Scenario("R3", "full-text search, 20 a page", READ_CONNS, srv.r3(callers, words))
    if "M1" in have:
        out["M1"] = Scenario("M1", "list members, 20 a page", READ_CONNS, srv.m1(callers))
    if "W1" in have:
        gen = Dataset.__new__(Dataset)
        gen.rnd, gen.weights = random.Random(11), data.weights
        authors = [rnd.randrange(n) for _ in range(5000)]
        out["W1"] = Scenario("W1", "create a reflection", READ_CONNS, srv.w1(authors, [gen.reflection(a) for a in authors]))
    if "W2" in have:
        # Pair p registers member p // S for session p % S: consecutive requests spread over all
        # sessions and no pair repeats. Warm-up takes the tail of the pairs, measurement the head.
        s_count = len(data.sessions)
        pairs = [(p // s_count, p % s_count) for p in range(n * s_count)]
        split = len(pairs) * 3 // 4
        out["W2"] = Scenario("W2", "register for a session (many members × many sessions)", READ_CONNS,
                             srv.w2(pairs[:split]), srv.w2(pairs[split:]))
    out["L1"] = Scenario("L1", "log in (email + password)", LOGIN_CONNS, srv.l1([rnd.randrange(n) for _ in range(4000)]))
    return out


# Reads before writes: writes grow the data. R1 runs once more at the end, when W2 has left
# hundreds of registrations on every session, because each listed session carries its counts.
ORDER = ["R1", "R2", "R3", "M1", "L1", "W1", "W2", "R1x"]


def bench_server(srv, data: Dataset, work: Path) -> dict:
    # On PostgreSQL, without BENCH_SCENARIOS, only the scenarios issue 8 asks for (PG_ONLY).
    only = ONLY or (PG_ONLY if srv.name in PG_SERVERS else [])
    try:
        srv.start()
        have = srv.available()
        log(f"{srv.name}: scenarios available: {sorted(have)}")
        t = time.time()
        srv.load(have)
        load_s = round(time.time() - t, 1)
        scs = scenarios(srv, data, have)
        out = {"load_seconds": load_s, "scenarios": {}, "what": {k: v.what for k, v in scs.items()}}
        for name in ORDER:
            if name in scs and (not only or name in only):
                out["scenarios"][name] = run_scenario(srv, scs[name], work)
                # Storm right after the calm reads it compares with, on the same data (one
                # instance only: the storm's point is reads and logins on the same process).
                if name == "L1" and "R1" in out["scenarios"] and len(srv.procs) == 1:
                    out["storm"] = run_storm(srv, scs["R1"], scs["L1"], work)
        # All instances together.
        out["rss_after_load_mib"] = round(sum(ProcWatch(p.pid)._status("VmRSS") for p in srv.procs) / 1024, 1)
        return out
    finally:
        srv.stop()


# --------------------------------------------------------------------------------------------
# Scale: R2/R3 on 10,000 versus 1,000,000 reflections (ours)
# --------------------------------------------------------------------------------------------

def grow(db: Path, total: int, data: Dataset, ids: list, session_ids: list) -> float:
    """Bulk-inserts reflections with SQL until `total`; the triggers fill the lookup and FTS tables."""
    t = time.time()
    con = sqlite3.connect(db)
    # A throwaway copy: no journal and no syncing; a big page cache for the FTS5 segment merges
    # and the random-order index inserts (ids are random UUIDs).
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -1048576")
    have = con.execute("SELECT count(*) FROM reflections").fetchone()[0]
    last = con.execute("SELECT max(created_at) FROM reflections").fetchone()[0]
    start = dt.datetime.fromisoformat(last)
    rnd = random.Random(99)
    gen = Dataset.__new__(Dataset)
    gen.rnd, gen.weights = random.Random(5), data.weights
    # A pool of generated texts combined per row: realistic word statistics at a fraction of the cost.
    sentences = [gen.text(1) for _ in range(20000)]
    titles = [gen.words(rnd.randint(3, 8)).capitalize() for _ in range(20000)]
    batch = []
    for i in range(total - have):
        vis = rnd.choices(["community", "facilitators", "private"], [70, 20, 10])[0]
        # Newer than everything loaded through the API, 100 ms apart: ids grow with time, as live.
        at = (start + dt.timedelta(milliseconds=100 * (i + 1))).strftime("%Y-%m-%d %H:%M:%S.%f")
        comp = rnd.random() < 0.6
        batch.append((
            str(uuid.uuid4()), ids[rnd.randrange(len(ids))],
            session_ids[rnd.randrange(len(session_ids))] if session_ids and rnd.random() < 0.3 else None,
            titles[rnd.randrange(len(titles))],
            " ".join(sentences[rnd.randrange(len(sentences))] for _ in range(rnd.randint(3, 12))),
            json.dumps(sorted(set(rnd.sample(TENSIONS, rnd.randint(0, 2))))),
            json.dumps(sorted(set(rnd.sample(TAGS, rnd.randint(0, 4))))),
            rnd.randint(1, 5) if comp else None, rnd.randint(1, 5) if comp else None,
            vis, at, at))
        if len(batch) == 20000:
            insert(con, batch)
            batch = []
    if batch:
        insert(con, batch)
    # Back to WAL, as the service keeps it.
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    return round(time.time() - t, 1)


def insert(con: sqlite3.Connection, rows: list) -> None:
    with con:
        con.executemany(
            "INSERT INTO reflections (id, author_id, session_id, network_id, title, body, tensions, tags, "
            "awareness, capability, visibility, created_at, updated_at, version) "
            "VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)", rows)
        # How every write transaction of the service ends (src/db/sqlite.rs,
        # index_queued_reflections): the new rows enter the text index at once, and as many
        # pages of index merging follow as the service would do for them.
        con.execute("INSERT INTO reflections_fts (rowid, title, body, tags) "
                    "SELECT r.seq, r.title, r.body, r.tags "
                    "FROM reflections_fts_queue q JOIN reflections r ON r.seq = q.seq")
        con.execute("DELETE FROM reflections_fts_queue")
        chars = sum(len(row[3]) + len(row[4]) + len(row[6]) for row in rows)
        con.execute("INSERT INTO reflections_fts (reflections_fts, rank) VALUES ('merge', ?)",
                    (1 + chars // 4096,))


def bench_scale(ours: Ours, data: Dataset, work: Path) -> dict:
    if not ours.small_db:
        return {}
    big = ours.dir / "big.db"
    shutil.copy(ours.small_db, big)
    log(f"scale: bulk-inserting up to {N_BIG} reflections")
    grow_s = grow(big, N_BIG, data, ours.ids, ours.session_ids)
    log(f"scale: grown in {grow_s} s")
    out = {"grow_seconds": grow_s}
    scs = scenarios(ours, data, {"R2", "R3"})
    for label, db in (("10k", ours.small_db), ("1M", big)):
        con = sqlite3.connect(db)
        out[f"{label}_reflections"] = con.execute("SELECT count(*) FROM reflections").fetchone()[0]
        out[f"{label}_has_stats"] = bool(con.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0])
        con.close()
        ours.start(db)
        try:
            for name in ("R2", "R3"):
                out[f"{name}_{label}"] = run_scenario(ours, scs[name], work)
        finally:
            ours.stop()
    return out


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

def versions(pg: bool = False) -> dict:
    def first_line(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    # Virtual machines may name only the vendor's line ("AMD EPYC"); family and model tell the
    # generations apart (e.g. family 26 is AMD's Zen 5).
    info = {}
    for l in Path("/proc/cpuinfo").read_text().splitlines():
        key, _, value = l.partition(":")
        info.setdefault(key.strip(), value.strip())
    cpu = f"{info.get('model name', '?')} (family {info.get('cpu family', '?')}, model {info.get('model', '?')})"
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{os.cpu_count()} cores, {cpu}, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB, "
                   f"Linux {platform.release()}",
        "ours": first_line([str(OUR_BIN), "--version"]),
        "ours_bin": str(OUR_BIN),
        # A copied binary need not be this checkout's HEAD: then its commit is what the caller says.
        "ours_commit": os.environ.get("BENCH_BIN_COMMIT") or (
            first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]) if not os.environ.get("BENCH_BIN")
            else "unknown (BENCH_BIN without BENCH_BIN_COMMIT)"),
        "harness_commit": first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "pocketbase": first_line([str(PB_BIN), "--version"]),
        "wrk": first_line(["wrk", "--version"]),
        "members": N_MEMBERS, "sessions": N_SESSIONS, "reflections": N_REFLECTIONS, "big": N_BIG,
        "warmup_s": WARMUP, "measure_s": SECONDS, "read_write_connections": READ_CONNS,
        "login_connections": LOGIN_CONNS, "wrk_threads": WRK_THREADS,
        **({"postgres": pg_settings()} if pg else {}),
    }


def pg_settings() -> dict:
    """The PostgreSQL server's version and the settings that decide write and read costs."""
    names = ["server_version", "shared_buffers", "synchronous_commit", "fsync", "autovacuum", "max_connections", "ssl"]
    try:
        values = psql("SELECT string_agg(current_setting(n), '|') FROM unnest(ARRAY['" + "','".join(names) + "']) n").split("|")
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        return {"error": str(e)}
    return {**dict(zip(names, values)), "sslmode": PG_SSLMODE, "url": PG_ADMIN_URL, "scenarios": ONLY or PG_ONLY}


def summarize(res: dict) -> dict:
    ours = res.get("ours", {}).get("scenarios", {})
    pb = res.get("pocketbase", {}).get("scenarios", {})
    checks = []
    for name, want in TARGETS["rps_ratio"].items():
        if name in ours and name in pb:
            ratio = ours[name]["rps"] / max(pb[name]["rps"], 0.1)
            checks.append({"target": f"{name} ≥ {want:g}× PocketBase req/s", "value": f"{ratio:.1f}×", "met": ratio >= want})
    for name, want in TARGETS["p99_ms"].items():
        if name in ours:
            checks.append({"target": f"{name} p99 ≤ {want:g} ms", "value": f"{ours[name]['p99_ms']} ms", "met": ours[name]["p99_ms"] <= want})
    storm = res.get("ours", {}).get("storm")
    if storm and "R1" in ours:
        factor = storm["read"]["p99_ms"] / max(ours["R1"]["p99_ms"], 0.01)
        checks.append({"target": "R1 p99 in a login storm ≤ 2× calm", "value": f"{factor:.1f}× ({storm['read']['p99_ms']} vs {ours['R1']['p99_ms']} ms)",
                       "met": factor <= TARGETS["storm_p99_factor"]})
        checks.append({"target": "peak memory in the login storm ≤ 192 MiB", "value": f"{storm['peak_rss_mib']} MiB",
                       "met": storm["peak_rss_mib"] <= TARGETS["storm_mem_mib"]})
    rw = [v["peak_rss_mib"] for k, v in ours.items() if k != "L1"]
    if rw:
        checks.append({"target": "peak memory on reads and writes ≤ 96 MiB", "value": f"{max(rw)} MiB", "met": max(rw) <= TARGETS["mem_mib"]})
    scale = res.get("scale", {})
    for name in ("R2", "R3"):
        small, big = scale.get(f"{name}_10k"), scale.get(f"{name}_1M")
        if small and big:
            factor = small["rps"] / max(big["rps"], 0.1)
            checks.append({"target": f"{name} at {scale['1M_reflections']:,} reflections within 2× of {scale['10k_reflections']:,} (req/s)",
                           "value": f"{factor:.2f}× ({small['rps']:,.0f} vs {big['rps']:,.0f} req/s)",
                           "met": factor <= TARGETS["scale_factor"]})
    return {"checks": checks}


def markdown(res: dict) -> str:
    ours = res.get("ours", {}).get("scenarios", {})
    pb = res.get("pocketbase", {}).get("scenarios", {})
    what = {**res.get("pocketbase", {}).get("what", {}), **res.get("ours", {}).get("what", {})}
    for key in PG_SERVERS:
        what = {**res.get(key, {}).get("what", {}), **what}
    lines = []
    if ours or pb:
        lines += ["| scenario | server | conns | req/s | p50 ms | p99 ms | errors | peak RSS MiB | server CPU % | others' CPU % | req per CPU-s | req/s ratio |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ORDER:
        for label, side in (("ours", ours), ("PocketBase", pb)):
            if name not in side:
                continue
            r = side[name]
            ratio = f"{r['rps'] / max(pb[name]['rps'], 0.1):.1f}×" if label == "ours" and name in pb else ""
            lines.append(f"| {name} {what.get(name, '')} | {label} | {r['connections']} | {r['rps']:,.0f} | {r['p50_ms']} | "
                         f"{r['p99_ms']} | {r['errors']} | {r['peak_rss_mib']} | {r['server_cpu_pct']} | {r['others_cpu_pct']} | "
                         f"{r['req_per_cpu_s']:,} | {ratio} |")
    for label, key in (("ours", "ours"), ("PocketBase", "pocketbase")):
        storm = res.get(key, {}).get("storm")
        calm = res.get(key, {}).get("scenarios", {}).get("R1")
        if storm and calm:
            lines.append(f"| R1 during login storm (L1 beside it: {storm['login']['rps']:,.0f} logins/s) | {label} | 64+16 | "
                         f"{storm['read']['rps']:,.0f} | {storm['read']['p50_ms']} | {storm['read']['p99_ms']} | "
                         f"{storm['read']['errors'] + storm['login']['errors']} | {storm['peak_rss_mib']} | {storm['server_cpu_pct']} | | | "
                         f"p99 {storm['read']['p99_ms'] / max(calm['p99_ms'], 0.01):.1f}× calm |")
    scale = res.get("scale", {})
    if scale:
        lines += ["", "| scenario | reflections | req/s | p50 ms | p99 ms | errors | peak RSS MiB | others' CPU % | req per CPU-s |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name in ("R2", "R3"):
            for label in ("10k", "1M"):
                r = scale.get(f"{name}_{label}")
                if r:
                    lines.append(f"| {name} | {scale[f'{label}_reflections']:,} | {r['rps']:,.0f} | {r['p50_ms']} | {r['p99_ms']} | "
                                 f"{r['errors']} | {r['peak_rss_mib']} | {r['others_cpu_pct']} | {r['req_per_cpu_s']:,} |")
    lines += pg_table(res, what)
    for key in ("ours", "pocketbase", "scale", *PG_SERVERS):
        if "error" in res.get(key, {}):
            lines += ["", f"{key}: FAILED: {res[key]['error']}"]
    checks = res.get("summary", {}).get("checks", [])
    if checks:
        lines += ["", "| target | value | met |", "|---|---|---|"]
        lines += [f"| {c['target']} | {c['value']} | {'yes' if c['met'] else 'NO'} |" for c in checks]
    while lines and not lines[0]:
        lines.pop(0)
    return "\n".join(lines) + "\n"


def pg_table(res: dict, what: dict) -> list[str]:
    """PostgreSQL with one and two instances, with SQLite (one instance) beside it where the same
    run measured it."""
    rows = [("SQLite, 1", "ours"), ("PostgreSQL, 1", "ours-pg"), ("PostgreSQL, 2", "ours-pg2")]
    pg = {k: res.get(k, {}).get("scenarios", {}) for k in PG_SERVERS}
    if not any(pg.values()):
        return []
    lines = ["", "| scenario | backend, instances | conns | req/s | p50 ms | p99 ms | errors | peak RSS MiB (per instance / total) | "
                 "server CPU % | PostgreSQL CPU % | others' CPU % | req per CPU-s (server / server + PostgreSQL) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    two = False
    for name in ORDER:
        if not any(name in side for side in pg.values()):
            continue
        for label, key in rows:
            r = res.get(key, {}).get("scenarios", {}).get(name)
            if not r:
                continue
            n = len(r.get("parts", [])) or 1
            two |= n > 1
            conns = "+".join([str(r["connections_per_instance"])] * n) if n > 1 else str(r["connections"])
            # Non-2xx answers by status, so a W2 conflict reads differently from a 503.
            bad = {k: v for k, v in r["statuses"].items() if not str(k).startswith("2")}
            errors = f"{r['errors']} ({', '.join(f'{k}: {v}' for k, v in sorted(bad.items()))})" if bad else str(r["errors"])
            mem = f"{r['peak_rss_mib']} / {r['peak_rss_total_mib']}" if n > 1 else str(r["peak_rss_mib"])
            pg_cpu = r.get("pg_cpu_pct")
            per_cpu = f"{r['req_per_cpu_s']:,}" + (f" / {r['req_per_cpu_s_with_pg']:,}" if "req_per_cpu_s_with_pg" in r else "")
            lines.append(f"| {name} {what.get(name, '')} | {label} | {conns} | {r['rps']:,.0f} | {r['p50_ms']} | {r['p99_ms']} | "
                         f"{errors} | {mem} | {r['server_cpu_pct']} | {'' if pg_cpu is None else pg_cpu} | {r['others_cpu_pct']} | {per_cpu} |")
    if two:
        lines += ["", "PostgreSQL, 2: two instances on one database, each loaded by a wrk of its own with half the connections, "
                      "both at once. req/s and errors are the sums; p50 and p99 are the larger of the two runs' (conservative: "
                      "percentiles of two runs cannot be merged); peak RSS per instance (the larger) / both together; "
                      "server CPU is both processes together. PostgreSQL CPU: its processes for this database plus its shared "
                      "ones (WAL writer, checkpointer, …), on the same 2 cores; not in others' CPU."]
    return lines


def section(name: str, fn) -> dict:
    """One server's part of the run. A failure is logged and recorded in its place, and the other
    servers' results are kept (a PostgreSQL that is down must not cost the SQLite figures)."""
    try:
        return fn()
    except Exception as e:  # noqa: BLE001 - any failure of one section
        log(f"{name}: FAILED: {e!r}")
        traceback.print_exc(file=sys.stderr)
        return {"error": repr(e)}


def main() -> int:
    known = {"ours", "pocketbase", *PG_SERVERS}
    if unknown := [s for s in SERVERS if s not in known]:
        log(f"unknown BENCH_SERVERS {unknown}; known: {sorted(known)}")
        return 2
    pg_wanted = any(s in PG_SERVERS for s in SERVERS)
    needs = [("wrk", shutil.which("wrk"), True),
             ("ours", OUR_BIN.exists(), any(s in SERVERS for s in ("ours", *PG_SERVERS))),
             ("pocketbase", PB_BIN.exists(), "pocketbase" in SERVERS),
             ("psql", shutil.which("psql"), pg_wanted)]
    for tool, path, wanted in needs:
        if not path and wanted:
            log(f"missing {tool}; run scripts/bench" + (f" (or set BENCH_BIN: {OUR_BIN} is absent)" if tool == "ours" else ""))
            return 2
    # A plain kill must still stop the servers and drop the PostgreSQL databases (the finally
    # blocks), as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.time()
    work = Path(tempfile.mkdtemp(prefix="lg-bench-"))
    log(f"work dir {work}")
    data = Dataset()
    res = {"meta": versions(pg_wanted)}
    try:
        if "ours" in SERVERS:
            ours = Ours(data, work)
            res["ours"] = section("ours", lambda: bench_server(ours, data, work))
        if "pocketbase" in SERVERS:
            res["pocketbase"] = section("pocketbase", lambda: bench_server(PocketBase(data, work), data, work))
        if ("ours" in SERVERS and "error" not in res["ours"] and N_BIG > 0
                and (not ONLY or "R2" in ONLY or "R3" in ONLY)):
            res["scale"] = section("scale", lambda: bench_scale(ours, data, work))
        for name, cls in PG_SERVERS.items():
            if name in SERVERS:
                res[name] = section(name, lambda: bench_server(cls(data, work), data, work))
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)
    res["summary"] = summarize(res)
    res["meta"]["total_seconds"] = round(time.time() - started)
    RESULTS.mkdir(parents=True, exist_ok=True)
    # A PostgreSQL run (PostgreSQL servers, perhaps with ours on SQLite as the reference, but
    # without PocketBase) has its own files, so it does not replace the last full run's.
    stem = "postgres" if pg_wanted and "pocketbase" not in SERVERS else "latest"
    (RESULTS / f"{stem}.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n")
    table = markdown(res)
    (RESULTS / f"{stem}.md").write_text(table)
    print(table)
    log(f"results in {RESULTS / stem}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
