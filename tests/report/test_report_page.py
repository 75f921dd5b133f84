"""The report page in a real headless Chromium: every figure decoded and drawn, no network needed.
Run with `make test-browser`."""

from __future__ import annotations

import pytest
from browser_helpers import chromium
from selenium.webdriver.common.by import By

from report.test_report import make_report

pytestmark = pytest.mark.browser


def test_every_figure_of_the_report_renders(tiny_dir, sft_file, tmp_path):
    out = make_report(tiny_dir, sft_file, tmp_path)
    driver = chromium()
    try:
        driver.get((out / "report.html").resolve().as_uri())
        imgs = driver.find_elements(By.TAG_NAME, "img")
        assert len(imgs) == len(list(out.glob("*.png"))) == 4
        for img in imgs:
            ok = driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 100 && "
                                       "arguments[0].getBoundingClientRect().height > 50;", img)
            assert ok, img.get_attribute("alt")
        assert driver.title == "tiny run"
        assert "Answers side by side" in driver.find_element(By.TAG_NAME, "body").text
    finally:
        driver.quit()
