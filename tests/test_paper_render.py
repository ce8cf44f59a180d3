"""The paper's rendering, without executing notebooks: exhibit numbering, print tables, citations, noise filter."""

import html
import os
import re

import nbformat
import pandas as pd
import pytest

from conftest import REPO
from govstudy.exhibits import METADATA_KEY, print_frame
from govstudy.paper import (Bibliography, CitationError, PrintTable, quiet_kernel_stderr, build, collect_exhibits,
                            load_config, parse_bib, parse_names, print_table_from_html, render_html)

BIB = r"""
@article{callaway2021, author = {Callaway, Brantly and Sant'Anna, Pedro H. C.}, title = {DiD}, year = {2021},
  journal = {J. Econometrics}}
@manual{did_package, author = {Callaway, Brantly and Sant'Anna, Pedro H. C.}, title = {did}, year = 2021}
@article{arkh, author = {Arkhangelsky, Dmitry and Athey, Susan and
             Hirshberg, David A.}, title = {SDID}, year = {2021}, journal = {AER}}
@misc{seed, author = {{中共南城县委组织部}}, title = {给社区“消肿”}}
@article{dech, author = {Clément de Chaisemartin and D'Haultfœuille, Xavier}, title = {TWFE}, year = {2020}}
"""


@pytest.fixture
def bib(tmp_path):
    path = tmp_path / "references.bib"
    path.write_text(BIB, encoding="utf-8")
    return Bibliography(path)


def render(bib, text, nocite=()):
    bib.check([("test", text)], list(nocite))
    md, cites = bib.render(text)
    for token, link in cites.items():
        md = md.replace(token, html.unescape(re.sub("<[^>]+>", "", link)))
    return md


def test_names_and_entries():
    assert [n.last for n in parse_names("Arkhangelsky, Dmitry and Athey, Susan and\n   Hirshberg, David A.")] == \
        ["Arkhangelsky", "Athey", "Hirshberg"]
    assert [n.last for n in parse_names("Clément de Chaisemartin and {Frictionless Data}")] == \
        ["de Chaisemartin", "Frictionless Data"]
    entries = parse_bib(BIB)
    assert entries["did_package"]["ENTRYTYPE"] == "manual" and entries["did_package"]["year"] == "2021"
    with pytest.raises(CitationError, match="twice"):
        parse_bib(BIB + BIB)


def test_citations_render_author_year(bib):
    text = ("As @callaway2021 show [see @did_package, ch. 2; @arkh], and @dech [-@dech]; "
            "mail me at a@b.org, `@callaway2021` in code stays, @seed.")
    out = render(bib, text)
    assert "As Callaway & Sant'Anna (2021b) show" in out
    assert "(see Callaway & Sant'Anna 2021a, ch. 2; Arkhangelsky et al. 2021)" in out
    assert "de Chaisemartin & D'Haultfœuille (2020) (2020)" in out
    assert "a@b.org" in out and "`@callaway2021`" in out
    assert "中共南城县委组织部 (n.d.)" in out
    assert list(bib.refs) == ["arkh", "did_package", "callaway2021", "dech", "seed"]  # author, year, title order
    listing = bib.references_html()
    assert listing.count("<li id='ref-") == 5 and "Arkhangelsky, Dmitry, Susan Athey and David A. Hirshberg" in listing


def test_unknown_keys_fail_with_a_clear_error(bib):
    with pytest.raises(CitationError, match=r"'calaway2021' in test \(did you mean 'callaway2021'\?\)"):
        bib.check([("test", "as shown by [@calaway2021]")], [])
    with pytest.raises(CitationError, match="nocite"):
        Bibliography(bib.path).check([], ["nope"])


def test_a_typo_fails_the_build_before_any_notebook_runs(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# T\n\nSee [@callaway2021; @sunabraham]."),
                                         nbformat.v4.new_code_cell("raise SystemExit('must not run')")])
    folder = tmp_path / "nbs"
    folder.mkdir()
    nbformat.write(nb, folder / "01_t.ipynb")
    (folder / "references.bib").write_text(BIB, encoding="utf-8")
    with pytest.raises(CitationError, match=r"'sunabraham' in notebooks/01_t.ipynb, cell 1"):
        build(folder, tmp_path / "out", pdf=False)


def test_paper_config_is_the_one_place_for_title_authors_and_date():
    config = load_config(REPO / "notebooks")
    assert config["title"] and config["authors"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", config["date"])
    assert (REPO / "notebooks" / config["bibliography"]).exists()


def test_the_seed_is_cited_as_its_organs_and_titles_give_it():
    """Each of the seed's reports ('# title' then '■organ') is an entry with that organ as author and that title."""
    seed = (REPO / "data" / "raw" / "000_74e33b68b577cc5f.txt").read_text(encoding="utf-8")
    reports = re.findall(r"^# (.+?)\s*\n\s*■(.+?)\s*$", seed, re.M)
    assert len(reports) == 2
    entries = parse_bib((REPO / "notebooks" / "references.bib").read_text(encoding="utf-8"))
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    pairs = {(squash(e.get("title", "")), squash(e.get("author", "").strip("{}"))) for e in entries.values()}
    for title, organ in reports:
        assert (squash(title), squash(organ)) in pairs, (title, organ)


def test_print_frame_for_the_page():
    df = pd.DataFrame({"year": [2004.0, None, 2007.0], "n": [1, 2, 3], "att": [0.123456, float("nan"), -0.00001],
                       "p": [0.01234, 0.5, 1.0], "名称": ["甲", None, "丙"]}, index=[5, 6, 7])
    out = print_frame(df, digits={"att": 2, "p": 3})
    assert list(out.columns) == ["year", "n", "att", "p", "名称"]  # no index
    assert out.values.tolist() == [["2004", "1", "0.12", "0.012", "甲"], ["–", "2", "–", "0.500", "–"],
                                   ["2007", "3", "0.00", "1.000", "丙"]]
    assert print_frame(df, index=True).columns[0] == "index"


def test_wide_tables_get_smaller_type_landscape_pages_or_column_groups():
    narrow = PrintTable(["a", "b"], [["x", "1.0"]], [False, True])
    assert narrow.layout()[:2] == (8.5, "portrait")
    mid = PrintTable([f"column_{i}" for i in range(11)], [["123456.789"] * 11], [True] * 11)
    size, page, groups = mid.layout()
    assert (page == "landscape" or size < 8.5) and len(groups) == 1
    wide = PrintTable(["unit"] + [f"variable_number_{i}" for i in range(40)], [["甲乙"] + ["123456.789"] * 40],
                      [False] + [True] * 40)
    size, page, groups = wide.layout()
    assert page == "landscape" and len(groups) > 1 and all(g[0] == 0 for g in groups)
    assert sorted({i for g in groups for i in g}) == list(range(41))
    html, classes = wide.html()
    assert "landscape" in classes and html.count("<table") == len(groups) and "with column 1 repeated" in html


def test_plain_dataframe_outputs_lose_the_index_and_nan():
    df = pd.DataFrame({"year": [2004.0, None], "name": ["a", "b"]})
    table = print_table_from_html(df._repr_html_())
    assert table.columns == ["year", "name"] and table.rows == [["2004", "a"], ["–", "b"]]
    assert table.numeric == [True, False]
    assert print_table_from_html("<p>no table</p>") is None


def _output(label, kind, caption, printed=None):
    meta = {"label": label, "kind": kind, "caption": caption}
    if printed is not None:
        meta["print"] = printed
    return nbformat.v4.new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>",
                                                         "text/plain": "x"},
                                  metadata={METADATA_KEY: meta})


def test_two_exhibits_in_one_cell_get_their_own_number_and_caption(tmp_path):
    printed = {"columns": ["a"], "rows": [["1"]], "numeric": [True]}
    cell = nbformat.v4.new_code_cell("exhibits.table(a, 'tab:a', ...); exhibits.table(b, 'tab:b', ...)")
    cell.outputs = [_output("tab:first", "table", "The first caption", printed),
                    _output("tab:second", "table", "The second caption", printed)]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# N"), cell])
    executed = [(tmp_path / "01_n.ipynb", nb)]
    exhibits = collect_exhibits(executed, tmp_path / "none.jsonl")
    assert [(e.name, e.caption) for e in exhibits] == [("Table 1", "The first caption"), ("Table 2", "The second caption")]
    page = render_html(executed, exhibits, "# T\n\nAbstract.", tmp_path, {"title": "T"}, None).read_text()
    assert "<b>Table 1.</b> The first caption" in page and "<b>Table 2.</b> The second caption" in page
    assert page.count("id='tab-first'") == 1 and page.count("id='tab-second'") == 1
    (tmp_path / "m.jsonl").write_text('{"label": "tab:lost", "kind": "table", "caption": "c", "files": [], '
                                      '"notebook": "01_n.ipynb"}\n')
    with pytest.raises(ValueError, match="tab:lost"):
        collect_exhibits(executed, tmp_path / "m.jsonl")


def test_kernel_noise_is_silenced_but_other_stderr_is_kept(capfd):
    with quiet_kernel_stderr():
        os.write(2, b"[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All communication\n")
        os.write(2, b"Debugger warning: It seems that frozen modules are being used, which may\n")
        os.write(2, b"Traceback: a real problem\n")
    err = capfd.readouterr().err
    assert "a real problem" in err and "TCP without encryption" not in err and "frozen modules" not in err


def test_printed_text_split_by_the_kernel_is_one_block():
    from govstudy.paper import coalesce_streams

    outs = [{"output_type": "stream", "name": "stdout", "text": "a\n"},
            {"output_type": "stream", "name": "stdout", "text": "b\n"},
            {"output_type": "stream", "name": "stderr", "text": "w\n"}]
    assert [o["text"] for o in coalesce_streams(outs)] == ["a\nb\n", "w\n"]


def test_computed_prose_renders_its_citations(bib, tmp_path):
    # a notebook's prose printed from code (IPython.display.Markdown) is prose: its citations render
    # author-year and enter the References, like those of markdown cells
    cell = nbformat.v4.new_code_cell("Markdown(f'...')")
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/markdown": "The estimate, **-3.05**, uses the estimator of @callaway2021.",
        "text/plain": "<IPython.core.display.Markdown object>"})]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# N\n\nAs in [@arkh]."), cell])
    executed = [(tmp_path / "01_n.ipynb", nb)]
    page = render_html(executed, [], "# T\n\nAbstract.", tmp_path, {"title": "T"}, bib).read_text()
    assert "<strong>-3.05</strong>" in page and "Callaway &amp; Sant&#x27;Anna (2021)" in page
    assert "@callaway2021" not in page and list(bib.refs) == ["arkh", "callaway2021"]
    cell.outputs[0]["data"]["text/markdown"] = "As @calaway2021 show."
    with pytest.raises(CitationError, match=r"calaway2021' in notebooks/01_n.ipynb, cell 2 output"):
        render_html(executed, [], "# T", tmp_path, {"title": "T"}, Bibliography(bib.path))


def test_pdf_bytes_do_not_depend_on_the_clock(tmp_path):
    # fontTools stamps every embedded font subset with the time unless SOURCE_DATE_EPOCH is set: the same
    # HTML rendered a second later must still give the same bytes, with the paper's date in the fonts
    import io
    import time
    import zlib

    from fontTools.misc.timeTools import epoch_diff
    from fontTools.ttLib import TTFont

    from govstudy.paper import render_pdf, source_date_epoch

    html_text = ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
                 "<meta name='dcterms.created' content='2026-01-15'><meta name='dcterms.modified' content='2026-01-15'>"
                 "</head><body><p>党建引领基层治理 burden reduction 减负</p></body></html>")
    pdfs = []
    for k in range(2):
        folder = tmp_path / f"run{k}"
        folder.mkdir()
        (folder / "paper.html").write_text(html_text, encoding="utf-8")
        pdfs.append(render_pdf(folder / "paper.html").read_bytes())
        time.sleep(1.1)
    assert pdfs[0] == pdfs[1]
    m = re.search(rb"<</Subtype /OpenType/Filter /FlateDecode/Length (\d+)>>\nstream\n", pdfs[0])
    font = TTFont(io.BytesIO(zlib.decompress(pdfs[0][m.end():m.end() + int(m.group(1))])))
    # the subset carries the paper's date (fontTools re-stamping) or the font file's own (HarfBuzz keeping it),
    # never the clock
    stamp = font["head"].modified + epoch_diff     # Unix seconds
    assert stamp == source_date_epoch(tmp_path / "run0" / "paper.html") or stamp < time.time() - 86400
