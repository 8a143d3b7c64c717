"""中文 in a real Chromium: the switch in the sidebar turns Train into Chinese and keeps the
settings chosen in English; a job trains and its live view reads in Chinese; a link with
?lang=zh opens in Chinese in a fresh browser, while another browser stays in English."""

import pytest
from playwright.sync_api import expect

from tests.browser import idle, metric
from tests.test_browser_sharing import person, set_number
from tests.test_browser_train import choose

pytestmark = pytest.mark.browser


def test_switch_to_chinese_train_and_a_chinese_link(browser, app_url):
    ada = person(browser)
    ada.goto(f"{app_url}/train")
    ada.get_by_role("heading", name="Train").wait_for()
    idle(ada)
    choose(ada, "Dataset", "MNIST sample (bundled)")
    set_number(ada, "Epochs", "2")
    ada.get_by_text("中文", exact=True).click()  # the sidebar's switch
    ada.get_by_role("heading", name="训练").wait_for()
    idle(ada)
    assert "lang=zh" in ada.url
    expect(ada.get_by_role("combobox", name="数据集")).to_have_value("MNIST 样本（随附）")
    expect(ada.get_by_role("spinbutton", name="轮次（epochs）", exact=True)).to_have_value("2")
    ada.get_by_role("button", name="开始训练", exact=True).click()
    for label in ("轮次", "训练损失", "验证准确率", "样本/秒"):
        metric(ada, label).wait_for(timeout=120_000)
    ada.get_by_text("已完成 2 轮").first.wait_for(timeout=300_000)

    bob = person(browser)  # a fresh browser, opened from a link in Chinese
    bob.goto(f"{app_url}/?lang=zh")
    bob.get_by_role("heading", name="深度学习游乐场").wait_for()
    expect(bob.get_by_role("link", name="训练").first).to_be_visible()
    cleo = person(browser)  # and one with no link: English, on the same server at once
    cleo.goto(f"{app_url}/train")
    cleo.get_by_role("heading", name="Train").wait_for()
    expect(cleo.get_by_role("button", name="Start training", exact=True)).to_be_visible()
    for page in (ada, bob, cleo):
        page.context.close()


def test_chinese_stays_after_a_fragments_rerun(browser, app_url):
    """Issue 34, item 3: a stroke on Draw and a toggle on Evaluate rerun only part of the page
    (a fragment), and everything below the title turned English."""
    from tests.drawn_digits import DIGITS
    from tests.test_browser_draw import CANVAS, draw

    page = person(browser)
    page.goto(f"{app_url}/draw?lang=zh")
    page.locator(CANVAS).first.wait_for()
    idle(page)
    draw(page, DIGITS[3][1])
    expect(page.get_by_text("模型看到的", exact=True)).to_be_visible(timeout=30_000)
    idle(page)
    for english in ("What the model sees", "Crop to the ink", "Stroke width"):
        expect(page.get_by_text(english)).to_have_count(0)

    page.goto(f"{app_url}/evaluate?lang=zh")
    page.get_by_text("最自信的错误", exact=True).wait_for(timeout=60_000)
    idle(page)
    page.get_by_text("在同样的测试图上比较两个模型", exact=True).click()  # a toggle in the fragment
    expect(page.get_by_text("第二个模型", exact=True)).to_be_visible(timeout=30_000)
    idle(page)
    expect(page.get_by_text("最自信的错误", exact=True)).to_be_visible()
    for english in ("Most confident mistakes", "Compare with another model", "Second model"):
        expect(page.get_by_text(english)).to_have_count(0)
    page.context.close()


_Y_TITLES = (
    "() => [...document.querySelectorAll('.js-plotly-plot text.ytitle')].map(t => {"
    " const r = t.getBoundingClientRect();"
    " return [t.textContent, getComputedStyle(t).writingMode, r.height > r.width]; })"
)


def test_chinese_axis_titles_stand_upright_and_the_uploader_speaks_chinese(browser, app_url):
    """Issue 34, item 26: plotly laid a Chinese y axis title on its side; in Chinese it stands
    upright in a column, while an English reader at the same time keeps plotly's usual title.
    The uploader's own words (Streamlit's) are Chinese too."""
    zh, en = person(browser), person(browser)
    zh.goto(f"{app_url}/playground2d?lang=zh")
    en.goto(f"{app_url}/playground2d?lang=en")
    for page in (zh, en):
        page.locator(".js-plotly-plot text.ytitle").nth(1).wait_for(timeout=60_000)
    titles = zh.evaluate(_Y_TITLES)
    assert ["损失", "vertical-rl", True] in titles, titles
    assert all(mode == "vertical-rl" for _text, mode, _tall in titles), titles
    titles = en.evaluate(_Y_TITLES)
    assert titles and all(mode == "horizontal-tb" for _text, mode, _tall in titles), titles
    # Streamlit's own words in the drop zone of an uploader, in Chinese; English untouched
    zone = "[data-testid=stFileUploaderDropzone]"
    words = (
        f"() => [...document.querySelectorAll('{zone} button p, {zone} "
        "[data-testid=stFileUploaderDropzoneInstructions] span')]"
        ".map(e => getComputedStyle(e, '::after').content)"
    )
    assert zh.evaluate(words) == ['"上传"', '"每个文件最多 10 MB • CSV, TXT"']
    assert en.evaluate(words) == ["none", "none"]
    heights = (
        "() => [...document.querySelectorAll('[data-testid=stHtml]')].map(e => e.offsetHeight)"
    )
    found = zh.evaluate(heights)
    assert found and not any(found), "a style takes room on the page"
    for page in (zh, en):
        page.context.close()
