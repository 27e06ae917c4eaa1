"""A generated report in a real headless Chromium: it renders, hover highlights sources, article scripts never run."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from summarize.render import render_html

pytestmark = pytest.mark.browser

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=3000",
]  # fmt: skip

# Appended to a test copy of the page: hovers the summary sentences one by one and writes what lit up.
HARNESS = """
<script>
window.addEventListener("load", function () {
  var out = [];
  document.querySelectorAll("#summary li.sum").forEach(function (li, i) {
    li.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
    var lit = Array.prototype.map.call(document.querySelectorAll(".row.hl"), function (r) { return r.id; });
    out.push(i + "=" + lit.join(","));
  });
  var pre = document.createElement("pre");
  pre.id = "harness";
  // A flagged translation must look different from the others (its highlight), and say why on hover.
  var flagged = document.querySelector(".row.flagged > .en"), plain = document.querySelector(".row.body > .en");
  var shown = getComputedStyle(flagged).backgroundColor !== getComputedStyle(plain).backgroundColor;
  pre.textContent = "title:" + document.title + "|summary:" + document.querySelectorAll("#summary li").length
    + "|" + out.join(";") + "|flagged:" + document.querySelectorAll(".row.flagged").length + ":" + shown
    + ":" + flagged.getAttribute("title");
  document.body.appendChild(pre);
});
</script>
"""


def find_browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser() -> str:
    path = find_browser()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium found in CI: .ci/run must install the Debian package 'chromium'")
        pytest.skip("no Chromium on this machine (apt-get install chromium); CI installs it")
    return path


def run_browser(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_report_renders_and_hover_highlights_sources(browser, tmp_path, result_of):
    result = result_of()
    page = render_html(result)
    test_page = tmp_path / "report-test.html"
    test_page.write_text(page.replace("</body>", HARNESS + "</body>"), encoding="utf-8")
    proc = run_browser(browser, tmp_path, "--dump-dom", test_page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    start = dom.index('<pre id="harness">') + len('<pre id="harness">')
    harness = dom[start:dom.index("</pre>", start)]
    title, count, hovered, flagged = harness.split("|", 3)
    assert title == f"title:{result.document.sentences[0].translation}"  # the article's script never ran
    assert count == "summary:2"
    assert hovered == "0=d-art-s3;1=d-art-s4"
    assert flagged == "flagged:1:true:Double-check: number 3 in the English has no source in the German"
    assert '&lt;script&gt;document.title="pwned"&lt;/script&gt;' in dom  # shown as text, not run


def test_screenshots_at_desktop_and_phone_width(browser, tmp_path, result_of):
    page = tmp_path / "report.html"
    page.write_text(render_html(result_of(evil=False)), encoding="utf-8")
    for name, size in (("desktop", "1280,900"), ("phone", "390,844")):
        shot = tmp_path / f"{name}.png"
        proc = run_browser(browser, tmp_path, f"--screenshot={shot}", f"--window-size={size}", page.as_uri())
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert shot.exists() and shot.stat().st_size > 5000  # a rendered page, not a blank


FURNITURE_HARNESS = """
<script>
window.addEventListener("load", function () {
  // A row is display: contents (its cells sit in the grid): its German cell says whether it is shown.
  var rows = Array.prototype.slice.call(document.querySelectorAll(".row"));
  var shown = rows.filter(function (r) { return r.firstElementChild.checkVisibility(); }).map(function (r) { return r.dataset.sid; });
  var pre = document.createElement("pre");
  pre.id = "harness";
  pre.textContent = "shown:" + shown.join(",") + "|link:" + document.querySelector("a[rel]").getAttribute("href");
  document.body.appendChild(pre);
});
</script>
"""


def test_boilerplate_is_collapsed_and_the_page_is_linked(browser, tmp_path, result_of):
    result = result_of(evil=False)
    doc = result.document
    result = replace(result, document=replace(doc, meta={**doc.meta, "url": "https://example.de/artikel"}))
    test_page = tmp_path / "report-furniture.html"
    test_page.write_text(render_html(result).replace("</body>", FURNITURE_HARNESS + "</body>"), encoding="utf-8")
    proc = run_browser(browser, tmp_path, "--dump-dom", test_page.as_uri())
    assert proc.returncode == 0, proc.stderr[-2000:]
    start = proc.stdout.index('<pre id="harness">') + len('<pre id="harness">')
    harness = proc.stdout[start : proc.stdout.index("</pre>", start)]
    body = ",".join(s.id for s in doc.sentences if not s.boilerplate)
    assert harness == f"shown:{body}|link:https://example.de/artikel"  # s6, the furniture, is folded away
