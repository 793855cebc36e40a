"""The mails go through the translation layer: no bare Chinese in templates/email, the catalogue
extraction (babel.cfg) finds their strings, and a compiled English catalogue changes what they say."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
EMAIL_DIR = ROOT / "templates" / "email"
EMAIL_TEMPLATES = sorted(p for p in EMAIL_DIR.iterdir() if p.suffix in (".txt", ".html"))
POT = ROOT / "wenping_sched" / "translations" / "messages.pot"

CJK = re.compile("[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
TRANS_BLOCK = re.compile(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}", re.S)
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
# The string literal a gettext call translates: _('…'), _("…"), gettext(…), ngettext(…, …).
GETTEXT_LITERALS = re.compile(
    r"""(?<![\w.])(?:_|gettext|ngettext|pgettext)\(\s*"""
    r"""(?:(?:'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")\s*,?\s*)+"""
)


def _blank(match: re.Match[str]) -> str:
    """The same span as spaces (newlines kept), so that line numbers still point at the source."""
    return re.sub(r"[^\n]", " ", match.group())


def untranslated_cjk(source: str) -> list[tuple[int, str]]:
    """(line, text) of each line with Chinese that the translation layer does not see."""
    text = JINJA_COMMENT.sub(_blank, source)
    text = TRANS_BLOCK.sub(_blank, text)
    # Inside {{ … }} / {% … %} a gettext call's literal is translated; anywhere else (a bare
    # literal such as {{ x or '待定' }}, or plain template text) it is not.
    text = JINJA_TAG.sub(lambda m: GETTEXT_LITERALS.sub(_blank, m.group()), text)
    return [
        (number, line.strip())
        for number, (line, scanned) in enumerate(
            zip(source.splitlines(), text.splitlines(), strict=True), start=1
        )
        if CJK.search(scanned)
    ]


@pytest.mark.parametrize(
    ("source", "bare"),
    [
        ("{{ name }}，您好：", True),
        ("{{ panel.location or '待定' }}", True),
        ("_('会议')", True),  # plain text, not a call
        ("{{ _('会议：%(v)s', v=x) }}", False),
        ('{{ _("会议") }}', False),
        ("{{ _('%(a)s（%(b)s）', a=_('甲'), b=y) }}", False),
        ("{% trans name=name %}{{ name }}，您好：{% endtrans %}", False),
        ("{%- trans %}多行\n文字{% endtrans -%}", False),
        ("{# 注释 #}", False),
        ("{{ _('会议') }}：", True),  # the full-width colon is outside the call
    ],
)
def test_the_scanner_tells_translated_from_bare_chinese(source: str, bare: bool) -> None:
    assert bool(untranslated_cjk(source)) is bare


def test_mail_templates_have_no_chinese_outside_the_translation_layer() -> None:
    assert len(EMAIL_TEMPLATES) >= 6
    found = {
        path.name: hits
        for path in EMAIL_TEMPLATES
        if (hits := untranslated_cjk(path.read_text(encoding="utf-8")))
    }
    assert not found, f"Chinese outside {{% trans %}} / _('…'): {found}"


def _extract(path: Path) -> list[str]:
    """The msgids babel.cfg's mapping finds in one file (as `pybabel extract` on the root would)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj, filename="babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    messages = check_and_call_extract_file(
        str(path),
        method_map,
        options_map,
        callback=None,
        keywords=keywords,
        comment_tags=(),
        strip_comment_tags=False,
        dirpath=str(ROOT),
    )
    return [m[2] if isinstance(m[2], str) else m[2][0] for m in messages]


@pytest.mark.parametrize("path", EMAIL_TEMPLATES, ids=lambda p: p.name)
def test_extraction_finds_the_mail_strings(path: Path) -> None:
    msgids = _extract(path)
    assert msgids, f"babel.cfg extracts nothing from {path.name}"
    assert all(CJK.search(m) for m in msgids), "a msgid without Chinese: is it meant to be translated?"
    if path.stem != "coordinator_notice":
        assert "%(name)s，您好：" in msgids
        assert any("您好" in m for m in msgids)
    else:
        assert "维稳办协调员：" in msgids
        assert "%(name)s（%(employer)s）" in msgids


def test_the_committed_template_catalogue_holds_the_mail_strings() -> None:
    """Regenerate messages.pot (see babel.cfg) when a mail's wording changes."""
    with POT.open("rb") as fileobj:
        catalogue = read_po(fileobj)
    in_pot = {m.id for m in catalogue if m.id}
    missing = {
        path.name: sorted(set(_extract(path)) - in_pot)
        for path in EMAIL_TEMPLATES
        if set(_extract(path)) - in_pot
    }
    assert not missing, f"not in {POT.relative_to(ROOT)}: {missing}"


ENGLISH = {
    "%(name)s，您好：": "Dear %(name)s,",
    "会议：%(value)s": "Meeting: %(value)s",
    "会议": "Meeting",
    "经随机抽取，您被选为以下重大事项社会稳定风险评估的评审专家，特邀请您参加%(kind)s。": (
        "You have been drawn at random as a reviewing expert and are invited to the %(kind)s."
    ),
}


def test_the_invitation_mail_follows_the_locale(app: Any, tmp_path: Path) -> None:
    from flask_babel import Domain, force_locale

    from wenping_sched.invitations.events import EventInfo
    from wenping_sched.invitations.notifications import _render

    catalogue = Catalog(locale="en", domain="messages")
    for msgid, msgstr in ENGLISH.items():
        catalogue.add(msgid, msgstr)
    (tmp_path / "en" / "LC_MESSAGES").mkdir(parents=True)
    with (tmp_path / "en" / "LC_MESSAGES" / "messages.mo").open("wb") as fileobj:
        write_mo(fileobj, catalogue)

    info = EventInfo(
        subject_type="panel",
        subject_id=1,
        title="某项目稳评评审会",
        kind_label="评审会",
        start=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        end=datetime(2026, 3, 2, 3, 0, tzinfo=UTC),
        location="市政府三楼会议室",
        sequence=0,
        cancelled=False,
        contact="张三 0937-1234567",
    )
    context = {
        "info": info,
        "name": "王<五>",
        "when": "2026-03-02 周一 09:00–11:00",
        "kind": "invitation",
        "rsvp_url": "https://example.cn/rsvp/t",
        "ics_url": "https://example.cn/ics/t",
        "feed_url": "https://example.cn/feed/t",
    }

    # A fresh app context: the English domain (and its cache) lives in this context's g only.
    with app.app_context():
        text, html = _render("invitation", **context)
        Domain(translation_directories=[str(tmp_path)]).as_default()
        with force_locale("en"):
            en_text, en_html = _render("invitation", **context)

    assert text.startswith("王<五>，您好：\n")
    assert "会议：某项目稳评评审会" in text
    assert "<p>王&lt;五&gt;，您好：</p>" in html

    assert en_text.startswith("Dear 王<五>,\n")
    assert "Meeting: 某项目稳评评审会" in en_text
    assert "invited to the 评审会." in en_text
    assert "您好" not in en_text
    assert "<p>Dear 王&lt;五&gt;,</p>" in en_html
    assert '<th align="left">Meeting</th>' in en_html
    # Strings the fake catalogue lacks fall back to the Chinese msgid.
    assert "酒泉市维稳办" in en_text
