"""A run's curves as a small PNG (for a bundle's model card), drawn with Pillow: plotly needs a
browser engine to make images, and a bundle must be made on a server without one.

Left: the training loss per step (the log's chart points, their mean). Right: train and
validation accuracy per epoch.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from playground.engine import i18n
from playground.engine.i18n import _
from playground.engine.metrics import ACCURACY, MetricsLog, Score

WIDTH, HEIGHT = 900, 340
_PANEL = 430
_MARGIN = (48, 30, 12, 34)  # left, top, right, bottom
_BLUE, _ORANGE, _GREY, _INK = (31, 119, 180), (255, 127, 14), (205, 205, 205), (40, 40, 40)
CJK_FONTS = (  # Debian's fonts-noto-cjk, then other usual places of a CJK font
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


@functools.cache
def cjk_font(size: int = 13):
    """A font that has Chinese characters, or None where the system has none."""
    for path in CJK_FONTS:
        if Path(path).is_file():
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return None


def curves_png(log: MetricsLog, score: Score | None = ACCURACY) -> bytes:
    """The loss and accuracy curves of a run's log as PNG bytes, in the current language where
    the system has a font for it (in English otherwise, with a note)."""
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    font, note = None, ""
    if i18n.current() != i18n.DEFAULT:
        font = cjk_font()
        if font is None:  # no font for the words: English, and why
            note = "(in English: no Chinese font on this server; install fonts-noto-cjk)"
    words = {k: _(v) if font else v for k, v in _WORDS.items()}  # English without a font
    points = log.points(400)
    steps = [(p.last, p.loss) for p in points]
    _panel(draw, 0, words["loss title"], [(words["loss"], _BLUE, steps)], words["step"], font)
    epochs = log.epochs()
    train = [(e.epoch, e.train_accuracy) for e in epochs]
    val = [(e.epoch, e.val_accuracy) for e in epochs if e.val_accuracy is not None]
    if score is None:  # a task without a score: its validation loss
        train = [(e.epoch, e.train_loss) for e in epochs]
        val = [(e.epoch, e.val_loss) for e in epochs if e.val_loss is not None]
    title = words["accuracy title"] if score is not None else words["loss per epoch"]
    _panel(draw, _PANEL + 40, title,
           [(words["train"], _BLUE, train), (words["validation"], _ORANGE, val)], words["epoch"],
           font)  # fmt: skip
    if note:
        draw.text((_MARGIN[0], HEIGHT - 12), note, fill=_INK)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


_WORDS = {
    "loss title": i18n.N_("training loss per step"),
    "accuracy title": i18n.N_("accuracy per epoch"),
    "loss per epoch": i18n.N_("loss per epoch"),
    "loss": i18n.N_("loss"),
    "train": i18n.N_("train"),
    "validation": i18n.N_("validation"),
    "step": i18n.N_("step"),
    "epoch": i18n.N_("epoch"),
    "none": i18n.N_("no records yet"),
}


def _panel(draw: ImageDraw.ImageDraw, x0: int, title: str, series, x_label: str, font=None) -> None:
    left, top = x0 + _MARGIN[0], _MARGIN[1]
    right, bottom = x0 + _PANEL - _MARGIN[2], HEIGHT - _MARGIN[3]
    draw.text((left, 8), title, fill=_INK, font=font)
    draw.rectangle((left, top, right, bottom), outline=_GREY)
    everything = [p for _name, _colour, pts in series for p in pts]
    if not everything:
        draw.text(
            (left + 10, top + 10),
            _(_WORDS["none"]) if font else _WORDS["none"],
            fill=_INK,
            font=font,
        )
        return
    xs, ys = [p[0] for p in everything], [p[1] for p in everything]
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = min(ys), max(ys)
    if y_hi - y_lo < 1e-12:
        y_lo, y_hi = y_lo - 0.5, y_hi + 0.5

    def at(x: float, y: float) -> tuple[float, float]:
        fx = 0.5 if x_hi == x_lo else (x - x_lo) / (x_hi - x_lo)
        return left + fx * (right - left), bottom - (y - y_lo) / (y_hi - y_lo) * (bottom - top)

    for value in (y_lo, (y_lo + y_hi) / 2, y_hi):
        y = at(x_lo, value)[1]
        draw.line((left, y, right, y), fill=_GREY)
        draw.text((x0 + 2, y - 6), _number(value), fill=_INK)
    draw.text((left, bottom + 4), _number(x_lo), fill=_INK)
    draw.text((right - 40, bottom + 4), _number(x_hi), fill=_INK)
    draw.text(((left + right) / 2 - 15, bottom + 18), x_label, fill=_INK, font=font)
    for i, (name, colour, pts) in enumerate(series):
        line: Sequence = [at(x, y) for x, y in pts]
        if len(line) > 1:
            draw.line(line, fill=colour, width=2)
        for x, y in line if len(line) < 40 else ():
            draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=colour)
        if len(series) > 1:
            draw.text((right - 90, top + 6 + 14 * i), name, fill=colour, font=font)


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
