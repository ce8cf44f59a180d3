"""The paper build: exhibits exported and identical across runs, replication records, HTML checked in a browser."""

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, require
from govstudy import exhibits
from govstudy.paper import build

NOTEBOOKS = REPO / "notebooks"
ONLY = ["01", "02"]  # the fast notebooks, for the second build that checks exhibits are identical


def hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One full build of the paper: every notebook, HTML and PDF (what `make paper` does)."""
    out = tmp_path_factory.mktemp("build")
    build(NOTEBOOKS, out, pdf=True)
    return out


def test_exhibits_are_exported_in_every_format(built):
    listing = json.loads((built / "exhibits" / "exhibits.json").read_text(encoding="utf-8"))
    assert listing, "no exhibits were declared"
    tables = [e for e in listing if e["kind"] == "table"]
    figures = [e for e in listing if e["kind"] == "figure"]
    assert [e["number"] for e in tables] == list(range(1, len(tables) + 1))
    assert [e["number"] for e in figures] == list(range(1, len(figures) + 1))
    for e in listing:
        suffixes = {Path(f).suffix for f in e["files"]}
        assert suffixes == ({".csv", ".tex", ".md"} if e["kind"] == "table" else {".png", ".pdf"}), e["label"]
        for f in e["files"]:
            assert (built / "exhibits" / f).stat().st_size > 0
        nb = json.loads((NOTEBOOKS / e["notebook"]).read_text(encoding="utf-8"))
        assert e["label"] in "".join(nb["cells"][e["cell"] - 1]["source"]), "exhibit mapped to the wrong cell"


def test_second_run_gives_identical_exhibits(built, tmp_path):
    # a second build of the fast notebooks gives byte-identical exhibit files (figures too: PNG and PDF carry
    # no timestamps)
    build(NOTEBOOKS, tmp_path, only=ONLY, pdf=False)
    listing = json.loads((built / "exhibits" / "exhibits.json").read_text(encoding="utf-8"))
    files = {f for e in listing if e["notebook"][:2] in ONLY for f in e["files"]}
    first, second = hashes(built / "exhibits"), hashes(tmp_path / "exhibits")
    assert files and files <= second.keys()
    tables = [n for n in files if n.endswith((".csv", ".tex", ".md"))]
    assert tables and all(first[n] == second[n] for n in files)


def test_no_text_lies_outside_the_pdf_pages(built, tmp_path):
    require(shutil.which("pdftotext") is not None, "pdftotext (Debian's poppler-utils) is not installed; "
            "`make test` installs it", "GOVSTUDY_REQUIRE_PDFTOOLS")
    out = tmp_path / "bbox.html"
    subprocess.run(["pdftotext", "-bbox", str(built / "paper.pdf"), str(out)], check=True, timeout=300)
    text = out.read_text(encoding="utf-8")
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', text, re.S)
    assert len(pages) >= 20
    outside = []
    for k, (w, h, body) in enumerate(pages, start=1):
        for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>', body):
            if float(x0) < -0.5 or float(y0) < -0.5 or float(x1) > float(w) + 0.5 or float(y1) > float(h) + 0.5:
                outside.append((k, word, x0, x1))
    assert not outside, f"{len(outside)} words off the page, e.g. {outside[:10]}"


def test_references_section(built):
    page = (built / "paper.html").read_text(encoding="utf-8")
    assert page.count("<li id='ref-") >= 10
    for key in ("callaway2021", "nancheng_report", "yuan_report"):
        assert f"id='ref-{key}'" in page, key


def test_every_exhibit_number_appears_once(built):
    page = (built / "paper.html").read_text(encoding="utf-8")
    for kind in ("Table", "Figure"):
        numbers = [int(n) for n in re.findall(rf"<b>{kind} (\d+)\.</b>", page)]
        assert numbers and sorted(numbers) == list(range(1, len(numbers) + 1)), (kind, numbers)


def test_replication_records(built):
    text = (built / "REPLICATION.md").read_text(encoding="utf-8")
    for heading in ("Data availability", "Computational requirements", "Instructions to replicators",
                    "List of tables and figures"):
        assert heading in text
    listing = json.loads((built / "exhibits" / "exhibits.json").read_text(encoding="utf-8"))
    for e in listing:
        assert e["caption"] in text and f"notebooks/{e['notebook']}" in text
    env = json.loads((built / "environment.json").read_text())
    assert env["pandas"] and env["python"]
    data = json.loads((built / "data_hashes.json").read_text())
    assert re.fullmatch(r"[0-9a-f]{64}", data["case_indicators"]["sha256"])


def test_paper_html_and_pdf(built):
    page = (built / "paper.html").read_text(encoding="utf-8")
    assert "Abstract" in page and "Table 1." in page and "Figure 1." in page
    assert "<pre class='stream'>" in page or "<pre>" in page
    assert "exhibits.table(" not in page, "code cells must not appear in the paper"
    from pypdf import PdfReader

    reader = PdfReader(built / "paper.pdf")
    fonts = set()
    for pdf_page in reader.pages:
        for font in (pdf_page.get("/Resources", {}).get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for d in descendants:
                desc = d.get_object().get("/FontDescriptor")
                embedded = desc is not None and any(k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts.add((str(font["/BaseFont"]), embedded))
    cjk = [name for name, embedded in fonts if "CJK" in name and embedded]
    assert cjk, f"no embedded CJK font in the PDF: {sorted(fonts)}"
    assert len(reader.pages) >= 5 and "裕安区" in reader.pages[0].extract_text() + reader.pages[2].extract_text()


def test_exhibit_labels_are_checked():
    with pytest.raises(ValueError, match="tab:short_name"):
        exhibits.table(__import__("pandas").DataFrame({"a": [1]}), "Table 1", "caption")


CHECK = """<script>
window.addEventListener('load', () => {
  const imgs = [...document.images];
  const badImages = imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src'));
  const links = [...document.querySelectorAll('a[href^="#"]')];
  const target = a => a.getAttribute('href').slice(1);  // the HTML spec tries the decoded, then the raw fragment
  const badLinks = links.filter(a => !document.getElementById(decodeURIComponent(target(a))) &&
                                     !document.getElementById(target(a)))
                        .map(a => a.getAttribute('href'));
  const out = document.createElement('pre');
  out.id = 'govstudy-check';
  out.textContent = JSON.stringify({images: imgs.length, badImages, links: links.length, badLinks,
    cjkFont: document.fonts.check('16px "Noto Sans CJK SC"'), chinese: document.body.innerText.includes('裕安区')});
  document.body.appendChild(out);
});
</script>"""


def chromium(*args: str) -> str:
    cmd = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


def test_paper_in_a_real_browser(built, tmp_path):
    require(shutil.which("chromium") is not None, "Debian's chromium is not installed (.ci/run installs it)",
            "GOVSTUDY_REQUIRE_BROWSER")
    probe = built / "browser_check.html"  # beside paper.html so relative image paths resolve
    probe.write_text((built / "paper.html").read_text(encoding="utf-8").replace("</body>", CHECK + "</body>"),
                     encoding="utf-8")
    dom = chromium(f"--user-data-dir={tmp_path / 'profile1'}", "--virtual-time-budget=15000", "--dump-dom",
                   probe.as_uri())
    result = json.loads(re.search(r'<pre id="govstudy-check">(.*?)</pre>', dom, re.S).group(1))
    assert result["images"] >= 3 and result["badImages"] == []
    assert result["links"] >= 3 and result["badLinks"] == []
    assert result["cjkFont"] and result["chinese"]
    shot = built / "paper_screenshot.png"
    chromium(f"--user-data-dir={tmp_path / 'profile2'}", "--window-size=1200,1600", f"--screenshot={shot}",
             (built / "paper.html").as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    keep = os.environ.get("GOVSTUDY_SCREENSHOT_DIR")
    if keep:
        shutil.copy(shot, Path(keep) / shot.name)
