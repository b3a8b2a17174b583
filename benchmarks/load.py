"""Load: many browser sessions and uploads at once against one dashboard server, on this machine only.

    .venv/bin/python benchmarks/load.py                   # 20 sessions and 2 uploads (a valid file, a bad one)
    .venv/bin/python benchmarks/load.py --sessions 3 --uploads 1 --deadline 120

Starts `streamlit run dashboard.py` on a free port on 127.0.0.1 with the synthetic hospital and a throw-away store
(as tests/browser/conftest.py does), then drives it with Debian's Chromium: one browser, one context (a separate
user: own cookies, own Streamlit session) per session, all at once. Each browsing session does what a ward
manager does: opens the overview, chooses two wards in the sidebar (its own pair, no two sessions alike), opens
the ward profile, goes back to the overview and downloads the ward table as CSV. Meanwhile upload sessions put a
valid file (the sample hospital's CSV files) and a bad one (the same with broken rows) through the Data page.

It checks that every session answers (every step renders, with no error on the page), that no session sees
another's filter (its link, its sidebar, its ward profile and its downloaded CSV name its own wards and no
other), and that the server's memory stays bounded: the resident memory of the server and every process it
started (upload workers included) is sampled from /proc every 0.2 s, and its peak must stay under --max-rss-mb.
It prints the median and slowest answer, per step and overall, and the peak memory; exit 1 when a check fails.

Bounded: at most 40 sessions and 4 uploads, every step within --step-timeout, the whole run within --deadline
seconds (then it stops and fails); traffic goes to 127.0.0.1 only. The server's log is kept in
test-artifacts/load-server.log. A download that the browser reports failed is clicked once more after the page
settles, and said in the output; a second failure fails the session.

Why a real browser rather than Streamlit's websocket protocol: the protocol is internal (protobuf messages whose
widget ids the server derives), so a client speaking it would measure a client we wrote, not the app, and would
break with each Streamlit release; uploads and downloads go through the browser's own routes (XSRF token, media
files). The browser costs CPU on the same two cores, so the answer times are end to end as a user sees them,
rendering included: an upper bound on what the server alone takes.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
CHROMIUM = "/usr/bin/chromium"
MAX_SESSIONS, MAX_UPLOADS = 40, 4
WARD_ID = re.compile(r"\bW\d{2,}\b")

# Streamlit (1.67) opens an expander with a height animation; the download button inside is clicked once the
# <details> is open and still (as tests/browser/test_page_journeys.py does).
EXPANDER_SETTLED = """(details) => new Promise((resolve, reject) => {
    const button = details.querySelector('[data-testid=stDownloadButton] button');
    const start = performance.now();
    let calm = 0, last = '';
    const tick = () => {
        const r = button.getBoundingClientRect();
        const where = `${r.top},${r.left},${details.getBoundingClientRect().height}`;
        const still = details.open && details.getAnimations().length === 0 && details.style.overflow !== 'hidden';
        calm = still && where === last ? calm + 1 : 0;
        last = where;
        if (calm >= 6) return resolve();
        if (performance.now() - start > 30000) return reject(new Error('the expander did not settle'));
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
})"""
RENDERED = """() => document.querySelector('[data-testid=stApp]')?.dataset.testScriptState === 'notRunning'
    && Array.from(document.querySelectorAll('.js-plotly-plot')).every(d => d.querySelector('.main-svg'))
    && document.querySelectorAll('[data-stale=true]').length === 0"""


@dataclass
class Session:
    name: str
    wards: tuple[str, ...] = ()
    times: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what went wrong and was recovered (a download clicked again)
    csv: str = ""
    back: set[str] = field(default_factory=set)  # the wards in the link after coming back to the overview

    @property
    def answered(self) -> bool:
        return not self.problems


# --- the server and its memory --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(store: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, COPRODUCTION_DATABASE_URL=f"sqlite:///{store}", COPRODUCTION_SAMPLE_DIR=str(SAMPLE))
    cmd = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("the dashboard did not start:\n" + log.read_text()[-2000:])
        time.sleep(0.2)


def _tree(root: int) -> list[int]:
    """Process `root` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii") as f:
                stat = f.read()
        except OSError:
            continue
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def tree_cpu(root: int) -> float:
    """CPU seconds used by process `root` and the processes below it (those gone included, once waited for)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in _tree(root):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return total / ticks


def tree_rss(root: int) -> int:
    """Resident memory (bytes) of process `root` and every process below it, read from /proc."""
    total = 0
    for pid in _tree(root):
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as f:
                total += next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


class MemorySampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = self.last = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.last = tree_rss(self.pid)
            self.peak = max(self.peak, self.last)
            self.stop.wait(self.every)


# --- what a session does --------------------------------------------------------------------------------------


async def rendered(page, timeout_s: float) -> None:
    """The script run is over and stays over (two checks 250 ms apart), every chart drawn, nothing stale."""
    await page.wait_for_timeout(250)  # let the run the action asked for begin
    for _ in range(2):
        await page.wait_for_function(RENDERED, timeout=timeout_s * 1000, polling=250)
        await page.wait_for_timeout(250)
    await page.wait_for_function(RENDERED, timeout=timeout_s * 1000, polling=250)


async def timed(s: Session, step: str, action, timeout_s: float) -> None:
    t0 = time.monotonic()
    await action()
    s.times[step] = time.monotonic() - t0


async def page_errors(page) -> list[str]:
    found = await page.get_by_test_id("stException").all_inner_texts()
    body = await page.locator("[data-testid=stMain]").inner_text()
    found += [line for line in body.splitlines() if "Traceback" in line or "Something went wrong" in line]
    return [f[:200] for f in found]


async def browse(browser, base: str, s: Session, labels: dict[str, str], timeout_s: float) -> None:
    ctx = await browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = await ctx.new_page()
    page.set_default_timeout(timeout_s * 1000)
    try:

        async def overview():
            await page.goto(base + "/")
            await rendered(page, timeout_s)

        async def choose():
            box = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Wards")
            for ward in s.wards:
                field = box.locator("input")
                await field.click()
                await field.press_sequentially(ward)
                await page.get_by_role("option", name=labels[ward], exact=True).click()
                await rendered(page, timeout_s)
            await page.keyboard.press("Escape")
            # answered when the shareable link names the wards too (the browser updates it after the run)
            await page.wait_for_function(
                "ws => ws.every(w => new URLSearchParams(location.search).getAll('ward').includes(w))",
                arg=list(s.wards),
                timeout=timeout_s * 1000,
                polling=100,
            )

        async def profile():
            # the app's menu is in the header (dashboard.py): the Wards menu, then the page in it
            await page.get_by_test_id("stTopNavSection").filter(has_text="Wards").click()
            menu = page.get_by_test_id("stTopNavPopover")
            await menu.get_by_role("menuitem", name="Ward profile", exact=True).click()
            await page.wait_for_url(re.compile(r"/ward_profile"))
            await rendered(page, timeout_s)

        async def download():
            await page.get_by_test_id("stTopNav").get_by_role("link", name="Overview", exact=True).click()
            await page.wait_for_url(re.compile(r"/(\?|$)"))
            await rendered(page, timeout_s)
            s.back = set(re.findall(r"[?&]ward=([^&]+)", page.url))
            holder = page.locator(".st-key-dl_overview_wards")
            expander = page.get_by_test_id("stExpander").filter(has=holder)
            await expander.get_by_text("Show the data", exact=True).click()
            await expander.locator("details").evaluate(EXPANDER_SETTLED)
            for attempt in (1, 2):  # a second click once the page has settled, counted and reported
                async with page.expect_download(timeout=timeout_s * 1000) as info:
                    await holder.get_by_role("button", name="Download CSV").click()
                d = await info.value
                failure = await d.failure()
                if failure is None:
                    s.csv = Path(await d.path()).read_text(encoding="utf-8-sig")
                    return
                s.notes.append(f"download attempt {attempt}: {failure}")
                await rendered(page, timeout_s)
            raise RuntimeError("the CSV download failed twice: " + "; ".join(s.notes))

        await timed(s, "open the overview", overview, timeout_s)
        await timed(s, "choose two wards", choose, timeout_s)
        url_wards = set(re.findall(r"[?&]ward=([^&]+)", page.url))
        box = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Wards")
        sidebar = await box.inner_text()
        await timed(s, "open the ward profile", profile, timeout_s)
        heading = await page.get_by_role("heading", level=2).first.inner_text()
        s.problems += await page_errors(page)
        await timed(s, "download the ward table", download, timeout_s)
        s.problems += await page_errors(page)
        rows = list(csv.reader(io.StringIO(s.csv)))
        end = rows.index(["About this table"]) - 1 if ["About this table"] in rows else len(rows)
        csv_wards = {r[0] for r in rows[1:end] if r}
        mine = set(s.wards)
        for what, seen in (
            ("the link", url_wards),
            ("the sidebar", set(WARD_ID.findall(sidebar))),
            ("the link back on the overview", s.back),
            ("the downloaded CSV", csv_wards),
        ):
            if seen != mine:
                s.problems.append(f"{what}: {leak_words(seen, mine, set(labels))}")
        if WARD_ID.search(heading) is None or WARD_ID.search(heading)[0] not in mine:
            s.problems.append(f"the ward profile shows {heading!r}, not one of {sorted(mine)}")
    except Exception as e:  # a step that timed out or failed: the session did not answer
        s.problems.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    finally:
        await ctx.close()


def leak_words(seen: set[str], mine: set[str], every: set[str]) -> str:
    """What a session saw instead of its own wards: another session's (a leak), all of them (its filter lost)."""
    if seen == every or not seen:
        return f"every ward (its own filter {sorted(mine)} was lost)"
    if seen - mine:
        return f"wards {sorted(seen)}, not its own {sorted(mine)}: ANOTHER SESSION'S FILTER"
    return f"wards {sorted(seen)}, part of its own {sorted(mine)}"


def upload_files(valid: bool) -> list[dict]:
    files = []
    for path in sorted(SAMPLE.glob("*.csv")):
        data = path.read_bytes()
        if not valid and path.name == "ward_months.csv":
            lines = data.decode("utf-8").splitlines()
            broken = [
                re.sub(r",\d+,", ",lots,", line, count=1) if i % 50 == 1 else line for i, line in enumerate(lines)
            ]
            data = ("\n".join(broken) + "\n").encode("utf-8")
        files.append({"name": path.name, "mimeType": "text/csv", "buffer": data})
    return files


async def upload(browser, base: str, s: Session, valid: bool, timeout_s: float) -> None:
    ctx = await browser.new_context(viewport={"width": 1366, "height": 768})
    page = await ctx.new_page()
    page.set_default_timeout(timeout_s * 1000)
    try:

        async def open_data():
            await page.goto(base + "/data")
            await rendered(page, timeout_s)

        async def put():
            await page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(upload_files(valid))
            await rendered(page, timeout_s)

        await timed(s, "open the Data page", open_data, timeout_s)
        await timed(s, f"upload a {'valid' if valid else 'bad'} file", put, timeout_s)
        if valid:
            await page.get_by_text("The file passes every check").first.wait_for(timeout=timeout_s * 1000)
        else:
            await page.get_by_text("Problems found").first.wait_for(timeout=timeout_s * 1000)
            errors = await page.get_by_test_id("stMetric").filter(has_text="Errors").first.inner_text()
            if re.search(r"Errors\s*0$", errors.strip()):
                s.problems.append("the bad file was reported with no errors")
        s.problems += await page_errors(page)
    except Exception as e:
        s.problems.append(f"{type(e).__name__}: {str(e).splitlines()[0][:200]}")
    finally:
        await ctx.close()


def ward_labels() -> dict[str, str]:
    with (SAMPLE / "wards.csv").open(encoding="utf-8") as f:
        return {r["ward_id"]: f"{r['ward_id']} {r['ward_name']}".strip() for r in csv.DictReader(f)}


async def drive(base: str, n_sessions: int, n_uploads: int, timeout_s: float) -> tuple[list[Session], float]:
    from playwright.async_api import async_playwright

    labels = ward_labels()
    pairs = list(combinations(sorted(labels), 2))
    step = max(1, len(pairs) // max(n_sessions, 1))
    browsing = [Session(f"session {i + 1}", pairs[(i * step) % len(pairs)]) for i in range(n_sessions)]
    uploads = [Session(f"upload {j + 1} ({'valid' if j % 2 == 0 else 'bad'})") for j in range(n_uploads)]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        t0 = time.monotonic()  # the server's first page (imports, caches) is timed apart from the load
        ctx = await browser.new_context()
        page = await ctx.new_page()
        await page.goto(base + "/")
        await rendered(page, timeout_s)
        await ctx.close()
        first = time.monotonic() - t0
        jobs = [browse(browser, base, s, labels, timeout_s) for s in browsing]
        jobs += [upload(browser, base, s, j % 2 == 0, timeout_s) for j, s in enumerate(uploads)]
        await asyncio.gather(*jobs)
        await browser.close()
    return browsing + uploads, first


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=20, help=f"browsing sessions at once (at most {MAX_SESSIONS})")
    p.add_argument(
        "--uploads", type=int, default=2, help=f"uploads at once, valid and bad by turns (at most {MAX_UPLOADS})"
    )
    p.add_argument("--step-timeout", type=float, default=240.0, help="seconds one step may take")
    p.add_argument("--deadline", type=float, default=900.0, help="seconds the whole run may take")
    p.add_argument(
        "--max-rss-mb",
        type=float,
        default=None,
        help="the server's memory (all its processes) must stay under this; default 1,000 MB for the server and "
        "its caches plus, for each upload at once, what one upload's worker may use (analysis/data/limits.py)",
    )
    p.add_argument("--server-log", type=Path, default=REPO / "test-artifacts" / "load-server.log")
    args = p.parse_args(argv)
    n, k = min(max(args.sessions, 1), MAX_SESSIONS), min(max(args.uploads, 0), MAX_UPLOADS)
    if not Path(CHROMIUM).exists():
        raise SystemExit("Debian's chromium is needed (make test installs it)")
    sys.path.insert(0, str(REPO))
    from analysis.data.limits import MAX_MEMORY_BYTES

    bound_mb = args.max_rss_mb or 1000 + k * MAX_MEMORY_BYTES / 1e6
    args.server_log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        proc, base = start_server(Path(tmp) / "store.sqlite", args.server_log)
        assert base.startswith("http://127.0.0.1:")
        sampler = MemorySampler(proc.pid)
        sampler.start()
        try:
            idle, cpu0, wall0 = tree_rss(proc.pid), tree_cpu(proc.pid), time.monotonic()
            sessions, first = asyncio.run(asyncio.wait_for(drive(base, n, k, args.step_timeout), args.deadline))
            cpu, wall = tree_cpu(proc.pid) - cpu0, time.monotonic() - wall0
        except TimeoutError:
            print(f"FAILED: the run passed its deadline of {args.deadline:.0f} s")
            return 1
        finally:
            sampler.stop.set()
            sampler.join()
            after = tree_rss(proc.pid)
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        total = time.monotonic() - started
    times = [(s.name, step, t) for s in sessions for step, t in s.times.items()]
    values = sorted(t for *_, t in times)
    mb = 1e6
    from analysis.text import plural

    print(
        f"Load: {plural(n, 'browsing session')} and {plural(k, 'upload')} at once, one server on 127.0.0.1 "
        f"({total:.0f} s in all)"
    )
    print(f"  first page after the server started: {first:.1f} s (not counted below)")
    for step in dict.fromkeys(step for _, step, _ in times):
        ts = sorted(t for _, st, t in times if st == step)
        print(f"  {step:<26} answers: {len(ts):>3}   median {statistics.median(ts):5.1f} s   slowest {ts[-1]:5.1f} s")
    if values:
        slow = max(times, key=lambda x: x[2])
        print(
            f"  every answer: {len(values)}, median {statistics.median(values):.1f} s, slowest {values[-1]:.1f} s "
            f"({slow[0]}: {slow[1]})"
        )
    print(
        f"  server memory (all its processes): {idle / mb:.0f} MB idle, peak {sampler.peak / mb:.0f} MB, "
        f"{after / mb:.0f} MB after"
    )
    print(
        f"  server CPU (all its processes): {cpu:.0f} s in {wall:.0f} s of the run, {100 * cpu / wall:.0f}% of one "
        f"core (the machine has {os.cpu_count()}; the browser and anything else running share them)"
    )
    for s in sessions:
        if s.notes and s.answered:
            print(f"  recovered in {s.name}: " + "; ".join(s.notes))
    failed = [s for s in sessions if not s.answered]
    for s in failed:
        print(f"  FAILED {s.name} {s.wards or ''}: " + "; ".join(s.problems))
    bounded = sampler.peak < bound_mb * mb
    if not bounded:
        print(f"  FAILED: peak memory {sampler.peak / mb:,.0f} MB is over the bound of {bound_mb:,.0f} MB")
    ok = not failed and bounded
    if ok:
        print(f"  every session answered, none saw another's wards, memory under {bound_mb:,.0f} MB")
    else:
        print(f"  FAILED (the server's log: {args.server_log})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
