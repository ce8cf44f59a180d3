"""The one text decoder behind ``read_table``, the report readers and the ``govstudy`` command.

Files that county offices and researchers exchange come as UTF-8 (with or without a BOM), UTF-16
with a BOM, GB18030/GBK (mainland Excel exports), Big5 (Taiwan and Hong Kong) and Windows-1252
(Latin names), and sometimes as a UTF-8 file with one hand-edited GBK line. Every Big5 byte
sequence also decodes as GB18030, and almost any byte sequence decodes as cp1252, so "the first
codec that does not raise" produces mojibake without a word. This module never guesses silently:

1. a BOM (UTF-8, UTF-16, UTF-32) decides;
2. a file that is UTF-8 on every line is UTF-8;
3. a file that is UTF-8 on some lines with non-ASCII text but not on others is *mixed*: an error
   naming the first line that is not UTF-8, unless the caller repairs it explicitly
   (``errors="gb18030"`` reads those lines as GB18030, ``errors="replace"`` puts U+FFFD for the
   bad bytes; the repaired lines are recorded);
4. otherwise each legacy candidate (GB18030, Big5, cp1252) that decodes the whole file is scored by
   the share of its non-ASCII characters that are plausible in that script: for GB18030 the 6,763
   hanzi and the punctuation of GB2312, for Big5 the 5,401 "frequently used" hanzi (A440–C67E) and
   the punctuation of Big5, for cp1252 accented letters inside Latin words (a word made only of
   non-ASCII letters, or a run of three or more non-ASCII characters, is what GBK text looks like
   when misread as cp1252). The common-character sets come from the code tables themselves (each
   standard's own frequency levels), so nothing is bundled. One candidate is chosen only when it
   scores at least ``MIN_SCORE`` and leads the next by ``MARGIN``; when two are close the error
   asks for ``encoding=`` and shows both readings of the first line where they differ.

Why our own code: ``charset-normalizer`` and ``chardet`` return a best guess (and on short CSV
files often a wrong one, e.g. Big5 as GB18030) with no "I cannot tell" outcome and no per-line view,
so they can neither refuse the ambiguous case nor find the mixed line. The evidence (scores,
failures, line counts) is returned with the text so that the choice can be checked.

Files larger than memory: :class:`DecodedFile` reads the file in chunks twice at most (detection,
then decoding) and yields line-aligned text chunks.

>>> decoded = decode_bytes("街道,月份,办结事项\\n城东街道,1,120\\n".encode("gbk"), "streets.csv")
>>> decoded.text, decoded.encoding, decoded.evidence["scores"]
('街道,月份,办结事项\\n城东街道,1,120\\n', 'gb18030', {'gb18030': 1.0, 'big5': 0.75, 'cp1252': 0.0})
>>> decode_bytes("城东街道\\n".encode("gbk"), "short.csv")  # too little text to tell GBK from Big5
Traceback (most recent call last):
...
govstudy.errors.ReadError: short.csv: line 1: cannot tell the encoding: expected one clearly plausible reading, found two close ones (gb18030 1.00, big5 1.00, cp1252 0.00). Line 1 reads as gb18030 '城东街道' and as big5 '傑陲誰耋'; pass encoding='gb18030' or encoding='big5'
>>> decode_bytes("社區,人數\\n".encode("big5"), "hk.csv").encoding
'big5'
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from govstudy.errors import FileMissingError, ReadError

__all__ = ["decode_bytes", "DecodedFile", "iter_decoded", "Decoded", "LEGACY_ENCODINGS", "MIN_SCORE", "MARGIN"]

#: The legacy encodings tried when a file is not UTF-8, each with the codecs of its family (the
#: first that decodes the whole file is used: Big5 files with Hong Kong characters need big5hkscs).
LEGACY_ENCODINGS: dict[str, tuple[str, ...]] = {
    "gb18030": ("gb18030",),
    "big5": ("big5", "cp950", "big5hkscs"),
    "cp1252": ("cp1252",),
}
#: A legacy reading is accepted only if at least this share of its non-ASCII characters is plausible …
MIN_SCORE = 0.6
#: … and it leads the next candidate by at least this much.
MARGIN = 0.2
#: Python error handlers accepted as ``errors=`` besides a legacy encoding name.
ERROR_HANDLERS = ("strict", "replace")

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_SHARED_PUNCT = ({chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF01, 0xFF5F)}
                 | {chr(c) for c in range(0x2010, 0x2028)} | {chr(c) for c in range(0x2030, 0x203C)}
                 | set("·×÷°±№℃"))


def _table(encoding: str, leads: range, trails: Iterable[int]) -> set[str]:
    out = set()
    trails = list(trails)
    for lead in leads:
        for trail in trails:
            try:
                out.add(bytes([lead, trail]).decode(encoding))
            except UnicodeDecodeError:
                pass
    return out


@lru_cache(maxsize=None)
def common_characters(script: str) -> frozenset[str]:
    """The characters counted as plausible for ``script`` ("gb18030", "big5", "cp1252" or "utf-8").

    >>> "的" in common_characters("gb18030"), "的" in common_characters("big5"), "い" in common_characters("gb18030")
    (True, True, False)
    """
    if script == "gb18030":
        # GB2312: punctuation, numbers, full-width forms (rows 1-3) and hanzi levels 1-2; plus the common
        # traditional characters (GBK files hold traditional names too: 臺灣, 數量)
        chars = (_table("gb2312", range(0xA1, 0xA4), range(0xA1, 0xFF))
                 | _table("gb2312", range(0xB0, 0xF8), range(0xA1, 0xFF)) | common_characters("big5"))
    elif script == "big5":
        # Big5 punctuation and symbols (A140-A2FE), frequently used hanzi (A440-C67E) and the Hong Kong
        # characters of HKSCS (8740-A0FE: 嘅, 喺), which Cantonese text uses often
        trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
        chars = (_table("big5", range(0xA1, 0xA3), trails) | _table("big5", range(0xA4, 0xC6), trails)
                 | _table("big5", range(0xC6, 0xC7), range(0x40, 0x7F))
                 | _table("big5hkscs", range(0x87, 0xA1), trails))
    elif script == "cp1252":
        chars = {bytes([b]).decode("cp1252") for b in range(0x80, 0x100) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}
    elif script == "utf-8":  # what a real UTF-8 line in these files holds beyond ASCII
        chars = (common_characters("gb18030") | common_characters("big5") | common_characters("cp1252")
                 | {chr(c) for c in range(0x4E00, 0xA000)} | {chr(c) for c in range(0x3040, 0x3100)}
                 | {chr(c) for c in range(0xAC00, 0xD7A4)} | {chr(c) for c in range(0x0100, 0x0250)}
                 | {chr(c) for c in range(0x0391, 0x03CA)} | {chr(c) for c in range(0x0400, 0x0460)})
    else:
        raise ValueError(f"unknown script {script!r}")
    return frozenset(chars | _SHARED_PUNCT)


def _utf8_counts(text: str) -> tuple[int, int]:
    """(plausible, total) non-ASCII characters of a UTF-8 reading.

    GBK text of one or two characters can be valid UTF-8 by chance (``女`` is C5 AE, which UTF-8
    reads as ``Ů``), and such chance readings fall in U+0080–U+07FF. So a character there counts only
    as a symbol (``°``, ``±``), an accented letter inside a word with ASCII letters or a lone Latin-1
    letter (``à``), or a letter of a Greek or Cyrillic word of three letters or more; from U+0800 up,
    a character counts if it is in the common set (CJK, punctuation, full-width forms, kana, hangul).
    """
    common = common_characters("utf-8")
    plausible = total = 0
    for m in _NON_ASCII_RUN.finditer(text):
        run = m.group()
        total += len(run)
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        in_word = (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())
        for word in re.finditer(r"[\u0370-\u03ff]+|[\u0400-\u04ff]+|[\u00c0-\u024f]+|.", run):
            w = word.group()
            if ord(w[0]) >= 0x800:
                plausible += w in common
            elif 0x370 <= ord(w[0]) < 0x500:
                plausible += len(w) if len(w) >= 3 and all(c in common for c in w) else 0
            elif 0xC0 <= ord(w[0]) < 0x250 and w[0] not in "×÷":
                if in_word and len(w) <= 2 or (len(w) == 1 and len(run) == 1 and ord(w) < 0x100):
                    plausible += len(w)
            elif w in common:
                plausible += 1
    return plausible, total


def _latin_counts(text: str) -> tuple[int, int]:
    """(plausible, total) non-ASCII characters of a cp1252 reading: accents inside Latin words."""
    plausible = total = 0
    for m in _NON_ASCII_RUN.finditer(text):
        run = m.group()
        total += len(run)
        if len(run) > 2:
            continue
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        in_word = (before.isascii() and before.isalpha()) or (after.isascii() and after.isalpha())
        if len(run) == 2 and not in_word and any(ch.isalpha() for ch in run):
            continue  # two accented letters (or a letter and a sign) outside any word: GBK text read as cp1252
        plausible += len(run)
    return plausible, total


def plausibility(text: str, script: str) -> tuple[int, int]:
    """(plausible, total) counts of the non-ASCII characters of ``text`` read as ``script``.

    >>> plausibility("Renée, Zoë", "cp1252"), plausibility("ÄÐ,Å®", "cp1252")
    ((2, 2), (0, 4))
    """
    if script == "cp1252":
        return _latin_counts(text)
    if script == "utf-8":
        return _utf8_counts(text)
    common = common_characters(script)
    plausible = total = 0
    for ch, n in Counter(text).items():
        if ord(ch) > 0x7F:
            total += n
            plausible += n if ch in common else 0
    return plausible, total


def _utf8_evidence(line: str) -> bool:
    """Whether a line that decodes as UTF-8 holds at least one character plausible in UTF-8."""
    return _utf8_counts(line)[0] > 0


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the encoding used and the evidence for it."""

    text: str
    encoding: str
    evidence: dict = field(default_factory=dict)


def _show(line: str, limit: int = 60) -> str:
    line = line.rstrip("\r\n")
    return repr(line if len(line) <= limit else line[:limit] + "…")


def _check_options(encoding: str, errors: str) -> None:
    if encoding != "auto":
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ReadError(f"unknown encoding {encoding!r}; expected 'auto' or a codec name such as "
                            "'utf-8', 'gb18030', 'big5' or 'cp1252'") from None
    if errors not in ERROR_HANDLERS:
        try:
            codecs.lookup(errors)
        except LookupError:
            raise ReadError(f"unknown encoding_errors {errors!r}; expected 'strict', 'replace' or an encoding "
                            "such as 'gb18030' for the lines that are not valid in the main encoding") from None


class _Scan:
    """What one pass over the lines of a file found (line numbers are 1-based)."""

    def __init__(self) -> None:
        self.lines = 0
        self.non_ascii_lines = 0
        self.utf8_lines = 0          # non-ASCII lines that decode as UTF-8 and look like UTF-8
        self.first_utf8_line: int | None = None
        self.bad_lines = 0           # non-ASCII lines that are not UTF-8
        self.first_bad: tuple[int, bytes, int] | None = None  # line, its bytes, offending byte offset
        self.samples: list[tuple[int, bytes]] = []            # the first non-UTF-8 lines
        self.nul = False


def _pieces(read: Callable[[], Iterator[bytes]]) -> Iterator[tuple[int, bytes]]:
    """Line-aligned pieces of the byte stream, each with the number of lines before it."""
    carry = b""
    before = 0
    for chunk in read():
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            carry = data
            continue
        piece, carry = data[:cut], data[cut:]
        yield before, piece
        before += piece.count(b"\n")
    if carry:
        yield before, carry


def _split_lines(piece: bytes) -> list[bytes]:
    parts = piece.split(b"\n")
    return [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _scan_utf8(read: Callable[[], Iterator[bytes]]) -> _Scan:
    scan = _Scan()
    for before, piece in _pieces(read):
        if b"\x00" in piece:
            scan.nul = True
        lines = None
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None and (piece.isascii() or _utf8_evidence(text)):
            lines = [raw for raw in piece.split(b"\n") if not raw.isascii()]
            if lines and scan.first_utf8_line is None:
                scan.first_utf8_line = before + piece[: piece.find(lines[0])].count(b"\n") + 1
            scan.non_ascii_lines += len(lines)
            scan.utf8_lines += len(lines)
            scan.lines = before + piece.count(b"\n") + (0 if piece.endswith(b"\n") else 1)
            continue
        lines = _split_lines(piece)
        for i, raw in enumerate(lines):
            number = before + i + 1
            scan.lines = number
            if raw.isascii():
                continue
            scan.non_ascii_lines += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                scan.bad_lines += 1
                if scan.first_bad is None:
                    scan.first_bad = (number, raw, exc.start)
                if len(scan.samples) < 20:
                    scan.samples.append((number, raw))
                continue
            if _utf8_evidence(line):
                scan.utf8_lines += 1
                if scan.first_utf8_line is None:
                    scan.first_utf8_line = number
            elif len(scan.samples) < 20:
                scan.samples.append((number, raw))
    return scan


def _score_legacy(read: Callable[[], Iterator[bytes]]) -> dict[str, dict]:
    """Decode every piece with every legacy family; returns per family its codec, counts or failure."""
    state = {name: {"codec": None, "codecs": list(family), "plausible": 0, "total": 0, "failed_line": None}
             for name, family in LEGACY_ENCODINGS.items()}
    for before, piece in _pieces(read):
        for name, st in state.items():
            if st["failed_line"] is not None:
                continue
            while True:
                codec = st["codec"] or st["codecs"][0]
                try:
                    text = piece.decode(codec)
                except UnicodeDecodeError as exc:
                    # a wider codec of the family may still read it; else the family fails here
                    if st["codec"] is None and len(st["codecs"]) > 1:
                        st["codecs"].pop(0)
                        continue
                    st["failed_line"] = before + piece[: exc.start].count(b"\n") + 1
                    break
                st["codec"] = codec
                p, t = plausibility(text, name)
                st["plausible"] += p
                st["total"] += t
                break
    return state


def _read_all(source_bytes: bytes) -> Callable[[], Iterator[bytes]]:
    return lambda: iter((source_bytes,))


def _read_path(path: Path, chunk_size: int) -> Callable[[], Iterator[bytes]]:
    def read() -> Iterator[bytes]:
        with open(path, "rb") as fh:
            while chunk := fh.read(chunk_size):
                yield chunk
    return read


@dataclass
class _Plan:
    """How to decode: the codec, and for mixed files how to read the lines that are not UTF-8."""

    encoding: str
    evidence: dict
    errors: str = "strict"
    line_fallback: str | None = None


def _plan(read: Callable[[], Iterator[bytes]], head: bytes, source: str, encoding: str, errors: str) -> _Plan:
    _check_options(encoding, errors)
    fallback = errors if errors not in ERROR_HANDLERS else None
    handler = "strict" if fallback else errors
    if encoding != "auto":
        return _Plan(encoding, {"method": "given"}, handler, fallback)
    for bom, name in _BOMS:
        if head.startswith(bom):
            return _Plan(name, {"method": "bom", "bom": bom.hex()}, handler, fallback)
    scan = _scan_utf8(read)
    evidence = {"method": "utf-8", "lines": scan.lines, "non_ascii_lines": scan.non_ascii_lines,
                "utf8_lines": scan.utf8_lines, "not_utf8_lines": scan.bad_lines}
    if scan.nul:
        raise ReadError(f"{source}: the file holds NUL bytes: a binary file, or UTF-16/UTF-32 text without a "
                        "byte-order mark; expected text (pass encoding='utf-16-le' or the file's real encoding)")
    if scan.bad_lines == 0 and (scan.utf8_lines or not scan.non_ascii_lines):
        return _Plan("utf-8", evidence)
    if scan.first_bad is not None:
        line_no, raw, offset = scan.first_bad
        not_utf8 = f"found bytes {raw[offset:offset + 8]!r} that are not UTF-8"
    else:  # valid UTF-8, but only as characters that GBK or Big5 bytes give by chance
        (line_no, raw), offset = scan.samples[0], 0
        not_utf8 = f"UTF-8 reads it only as the unlikely {_show(raw.decode('utf-8'))}"
    if scan.utf8_lines:
        evidence["method"] = "mixed"
        evidence["first_not_utf8_line"] = line_no
        if errors != "strict":
            return _Plan("utf-8", evidence, handler, fallback)
        readings = []
        for name, family in LEGACY_ENCODINGS.items():
            for codec in family:
                try:
                    readings.append(f"as {name} {_show(raw.decode(codec))}")
                    break
                except UnicodeDecodeError:
                    continue
        raise ReadError(
            f"{source}: line {line_no}: expected UTF-8 like {scan.utf8_lines} other line(s) with non-ASCII text "
            f"(the first is line {scan.first_utf8_line}), found bytes {raw[offset:offset + 8]!r} that are not "
            f"UTF-8 ({scan.bad_lines} such line(s)); the file mixes encodings (a hand-edited export?). "
            f"Line {line_no} reads {'; '.join(readings) or 'in no supported encoding'}. Repair explicitly: "
            "encoding_errors='gb18030' (or 'big5', 'cp1252') reads such lines in that encoding, "
            "encoding_errors='replace' replaces the bad bytes with U+FFFD, encoding='...' reads the whole "
            "file in one encoding")
    state = _score_legacy(read)
    scores = {name: (round(st["plausible"] / st["total"], 4) if st["total"] else 0.0)
              for name, st in state.items() if st["failed_line"] is None}
    failed = {name: st["failed_line"] for name, st in state.items() if st["failed_line"] is not None}
    if scan.bad_lines == 0:
        evidence["utf-8"] = "valid, but no line reads as plausible UTF-8 text"
    evidence.update(method="scored", scores=scores, failed_at_line=failed, min_score=MIN_SCORE, margin=MARGIN)
    ranked = sorted(scores, key=lambda n: -scores[n])
    described = ", ".join([f"{n} {scores[n]:.2f}" for n in ranked] + [f"{n} fails at line {l}"
                                                                     for n, l in failed.items()])
    if not ranked or scores[ranked[0]] < MIN_SCORE:
        raise ReadError(
            f"{source}: line {line_no}: the file is neither UTF-8 ({not_utf8}) nor "
            f"clearly GB18030, Big5 or cp1252 (share of plausible characters: {described}; at least {MIN_SCORE} "
            "needed); pass encoding='...' with the file's real encoding")
    best = ranked[0]
    if len(ranked) > 1 and scores[best] - scores[ranked[1]] < MARGIN - 1e-9:
        second = ranked[1]
        shown = line_no, raw
        for number, sample in [(line_no, raw), *scan.samples]:
            if sample.decode(state[best]["codec"]) != sample.decode(state[second]["codec"]):
                shown = number, sample
                break
        number, sample = shown
        raise ReadError(
            f"{source}: line {number}: cannot tell the encoding: expected one clearly plausible reading, found "
            f"two close ones ({described}). Line {number} reads as {best} "
            f"{_show(sample.decode(state[best]['codec']))} and as {second} "
            f"{_show(sample.decode(state[second]['codec']))}; pass encoding='{best}' or encoding='{second}'")
    evidence["codec"] = state[best]["codec"]
    return _Plan(state[best]["codec"] if best != "gb18030" else "gb18030", evidence)


def _decode_piece(piece: bytes, before: int, plan: _Plan, source: str, repairs: dict) -> str:
    try:
        return piece.decode(plan.encoding, plan.errors if plan.line_fallback is None else "strict")
    except UnicodeDecodeError as exc:
        if plan.line_fallback is None:
            line = before + piece[: exc.start].count(b"\n") + 1
            bad = piece[exc.start: exc.start + 8]
            raise ReadError(f"{source}: line {line}: expected {plan.encoding} text, found bytes {bad!r} that are "
                            f"not {plan.encoding} ({exc.reason}); pass encoding='...' with the file's real "
                            "encoding, or encoding_errors='replace' to replace such bytes") from None
    out = []
    for i, raw in enumerate(_split_lines(piece)):
        try:
            out.append(raw.decode(plan.encoding))
        except UnicodeDecodeError:
            try:
                out.append(raw.decode(plan.line_fallback))
            except UnicodeDecodeError as exc:
                raise ReadError(f"{source}: line {before + i + 1}: expected {plan.encoding} or, as asked, "
                                f"{plan.line_fallback} text, found bytes {raw[exc.start:exc.start + 8]!r} "
                                "that are neither") from None
            repairs.setdefault("lines", []).append(before + i + 1)
    return "".join(out)


def _count_replacements(text: str, original: bytes, plan: _Plan, before: int, repairs: dict) -> None:
    if plan.errors == "replace" and "\ufffd" in text:
        strict = original.decode(plan.encoding, "ignore")  # characters that really were U+FFFD stay uncounted
        extra = text.count("\ufffd") - strict.count("\ufffd")
        if extra:
            repairs["replaced"] = repairs.get("replaced", 0) + extra
            for i, line in enumerate(text.split("\n")):
                if "\ufffd" in line:
                    repairs.setdefault("lines", []).append(before + i + 1)


def _finish(plan: _Plan, repairs: dict) -> dict:
    evidence = dict(plan.evidence)
    if plan.line_fallback or plan.errors != "strict":
        evidence["repair"] = {"encoding_errors": plan.line_fallback or plan.errors,
                              "lines": repairs.get("lines", []), "count": len(repairs.get("lines", [])),
                              **({"replaced": repairs["replaced"]} if "replaced" in repairs else {})}
    return evidence


def decode_bytes(raw: bytes, source: str, *, encoding: str = "auto", errors: str = "strict") -> Decoded:
    """Decode a whole file's bytes (see the module docstring); ``source`` names it in errors.

    ``errors`` is ``"strict"`` (default), ``"replace"`` or a legacy encoding for the lines that are not
    valid in the main one; what was repaired is in ``evidence["repair"]``.

    >>> mixed = "名称\\n城东\\n".encode() + "城西\\n".encode("gbk")
    >>> decode_bytes(mixed, "m.csv")
    Traceback (most recent call last):
    ...
    govstudy.errors.ReadError: m.csv: line 3: expected UTF-8 like 2 other line(s) with non-ASCII text (the first is line 1), found bytes b'\\xb3\\xc7\\xce\\xf7\\n' that are not UTF-8 (1 such line(s)); the file mixes encodings (a hand-edited export?). Line 3 reads as gb18030 '城西'; as big5 '傑昹'; as cp1252 '³ÇÎ÷'. Repair explicitly: encoding_errors='gb18030' (or 'big5', 'cp1252') reads such lines in that encoding, encoding_errors='replace' replaces the bad bytes with U+FFFD, encoding='...' reads the whole file in one encoding
    >>> fixed = decode_bytes(mixed, "m.csv", errors="gb18030")
    >>> fixed.text, fixed.evidence["repair"]["lines"]
    ('名称\\n城东\\n城西\\n', [3])
    """
    plan = _plan(_read_all(raw), raw[:4], source, encoding, errors)
    repairs: dict = {}
    body = raw
    if plan.encoding == "utf-8-sig":
        body = raw[3:]
        plan = _Plan("utf-8", plan.evidence, plan.errors, plan.line_fallback)
        shown = "utf-8-sig"
    else:
        shown = plan.encoding
    if plan.encoding in ("utf-16", "utf-32"):
        try:
            text = body.decode(plan.encoding, plan.errors)
        except UnicodeDecodeError as exc:
            raise ReadError(f"{source}: byte {exc.start}: expected {plan.encoding} text after its byte-order "
                            f"mark, found bytes {body[exc.start:exc.start + 4]!r} ({exc.reason})") from None
    else:
        text = _decode_piece(body, 0, plan, source, repairs)
        _count_replacements(text, body, plan, 0, repairs)
    return Decoded(text, shown, _finish(plan, repairs))


class DecodedFile:
    """A text file decoded in line-aligned chunks, for files larger than memory.

    Construction reads the file once to choose the encoding (``.encoding``, ``.evidence``);
    iterating reads it again and yields text. Repairs asked for with ``errors=`` are in
    ``.evidence["repair"]`` once iteration has finished.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "log.txt"
    >>> _ = p.write_bytes(("第1行\\n" * 3).encode("gb18030"))
    >>> f = DecodedFile(p, chunk_size=4)
    >>> f.encoding, "".join(f)
    ('gb18030', '第1行\\n第1行\\n第1行\\n')
    """

    def __init__(self, path: str | Path, *, encoding: str = "auto", errors: str = "strict",
                 chunk_size: int = 1 << 20):
        self.path = Path(path)
        if not self.path.exists():
            raise FileMissingError(f"{self.path}: no such file (working directory: {Path.cwd()})")
        if self.path.is_dir():
            raise ReadError(f"{self.path}: is a folder; expected a text file")
        self._read = _read_path(self.path, chunk_size)
        with open(self.path, "rb") as fh:
            head = fh.read(4)
        self._plan = _plan(self._read, head, str(self.path), encoding, errors)
        self.encoding = self._plan.encoding
        self._repairs: dict = {}
        self.evidence = _finish(self._plan, self._repairs)

    def __iter__(self) -> Iterator[str]:
        plan, source = self._plan, str(self.path)
        self._repairs.clear()
        if plan.encoding in ("utf-16", "utf-32", "utf-8-sig"):
            decoder = codecs.getincrementaldecoder(plan.encoding)(plan.errors)
            try:
                for chunk in self._read():
                    if text := decoder.decode(chunk):
                        yield text
                if text := decoder.decode(b"", final=True):
                    yield text
            except UnicodeDecodeError as exc:
                raise ReadError(f"{source}: expected {plan.encoding} text, found bytes that are not "
                                f"({exc.reason})") from None
        else:
            for before, piece in _pieces(self._read):
                text = _decode_piece(piece, before, plan, source, self._repairs)
                _count_replacements(text, piece, plan, before, self._repairs)
                yield text
        self.evidence = _finish(plan, self._repairs)


def iter_decoded(path: str | Path, chunk_size: int = 1 << 20, *, encoding: str = "auto",
                 errors: str = "strict") -> Iterator[str]:
    """Yield the text of ``path`` in line-aligned chunks (see :class:`DecodedFile`).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = p.write_bytes("a\\nb\\n".encode())
    >>> list(iter_decoded(p, chunk_size=1))
    ['a\\n', 'b\\n']
    """
    yield from DecodedFile(path, encoding=encoding, errors=errors, chunk_size=chunk_size)


def read_text(path: str | Path, *, encoding: str = "auto", errors: str = "strict") -> Decoded:
    """The whole text of a file with its encoding and evidence (:func:`decode_bytes` on its bytes)."""
    p = Path(path)
    if not p.exists():
        raise FileMissingError(f"{p}: no such file (working directory: {Path.cwd()})")
    if p.is_dir():
        raise ReadError(f"{p}: is a folder; expected a text file")
    return decode_bytes(p.read_bytes(), str(p), encoding=encoding, errors=errors)
