"""What the browser tests check on every page: Chinese drawn as glyphs, and the accessibility basics."""

from __future__ import annotations

from typing import Any

# Draw each character on a canvas in the page's own font: real glyphs differ from one another and
# from the .notdef box a private-use character gets; tofu boxes would all be the same picture.
GLYPHS_JS = """
(chars) => {
  const font = '32px ' + getComputedStyle(document.body).fontFamily;
  const draw = (ch) => {
    const c = document.createElement('canvas'); c.width = 48; c.height = 48;
    const g = c.getContext('2d'); g.font = font; g.fillStyle = '#000'; g.textBaseline = 'top';
    g.fillText(ch, 4, 4);
    const data = g.getImageData(0, 0, 48, 48).data;
    let ink = 0, sig = [];
    for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) ink++; sig.push(data[i] > 127 ? 1 : 0); }
    return {ink, sig: sig.join(''), width: g.measureText(ch).width};
  };
  const tofu = draw('\\ue000');
  return {tofu, glyphs: chars.map(draw)};
}
"""

A11Y_JS = """
() => {
  const problems = [];
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const lang = document.documentElement.lang;
  if (lang !== 'zh-CN') problems.push('html lang is ' + lang);
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button'].includes(el.type)) continue;
    const named = el.labels.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!named) problems.push('unlabelled ' + el.tagName + ' ' + (el.name || el.id));
  }
  for (const th of document.querySelectorAll('table th')) {
    if (!th.getAttribute('scope')) problems.push('th without scope: ' + th.textContent.trim().slice(0, 20));
  }
  for (const el of document.querySelectorAll('[onclick]')) {
    if (!['BUTTON', 'A', 'INPUT'].includes(el.tagName)) problems.push('clickable ' + el.tagName);
  }
  // Text contrast: each element with its own text against the first opaque background behind it.
  const rgb = (c) => {
    const m = c.match(/[\\d.]+/g).map(Number);
    return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1};
  };
  const lum = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.a > 0.5) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') || !visible(el)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const s = getComputedStyle(el);
    const fg = rgb(s.color), bg = background(el);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed) {
      const text = el.textContent.trim().slice(0, 20);
      problems.push(`contrast ${ratio.toFixed(2)} for "${text}" (${s.color} on ${JSON.stringify(bg)})`);
    }
  }
  return problems;
}
"""


def assert_chinese_renders(page: Any, sample: str = "稳评专家库联席会议") -> None:
    """Chinese is drawn with real glyphs in a CJK font, not as boxes."""
    result = page.evaluate(GLYPHS_JS, list(sample))
    tofu, glyphs = result["tofu"], result["glyphs"]
    signatures = {g["sig"] for g in glyphs}
    assert all(g["ink"] > 20 and g["width"] > 0 for g in glyphs), glyphs
    assert len(signatures) == len(set(sample)), "the characters are drawn alike: boxes, not glyphs"
    assert tofu["sig"] not in signatures, "the characters look like the missing-glyph box"
    # And the font chromium actually used for the heading is a CJK one.
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()
    assert any("CJK" in f["familyName"] for f in fonts), fonts


def assert_accessible(page: Any) -> None:
    problems = page.evaluate(A11Y_JS)
    assert problems == [], f"{page.url}: {problems}"


def assert_skip_link_works(page: Any) -> None:
    """The first Tab shows the skip link (with a visible focus ring); Enter moves focus to the content."""
    page.keyboard.press("Tab")
    focused = page.evaluate(
        """() => {
          const a = document.activeElement, s = getComputedStyle(a);
          return {text: a.textContent, left: a.getBoundingClientRect().left,
                  outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
        }"""
    )
    assert focused["text"] == "跳到正文" and focused["left"] >= 0, focused
    assert focused["outline"] != "none" and focused["width"] >= 2, focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
