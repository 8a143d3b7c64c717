"""What the shared UI asks of the line task's: its page (in a section of its own), with its
words in Chinese. Its runs offer no "Use this model" (no page here uses one)."""

from __future__ import annotations

from playground.engine import i18n
from playground.ui import task_ui
from playground.ui.pages import Page

WHAT = "a line through generated points: the tests' own kind of model"
PAGES = (
    Page("tests/plugin/ui/line/page.py", "Line fitting", ":material/show_chart:", "line",
         "Regression", WHAT, "line", live=True),
)  # fmt: skip
i18n.add_words(
    "zh",
    {
        "Regression": "回归",
        WHAT: "穿过生成的点的一条直线：测试自己的一种模型",
        "A line through generated points.": "穿过生成的点的一条直线。",
        "Train a line": "训练一条直线",
    },
)
task_ui.register("line", task_ui.TaskUI(pages=PAGES))
