"""The page in a real headless Chromium (Debian's chromium + chromedriver, through Selenium): chat a
turn, label three blind comparisons, review; then `posttrain dpo` trains on the written file.

Run with `make test-browser` (`.ci/run` installs chromium and runs it)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from browser_helpers import chromium
from serve_helpers import LiveServer

from posttrain.infer.batcher import Completion
from posttrain.commands.cli import main
from posttrain.serve.app import Served, build_app
from posttrain.serve.labels import LabelStore

pytestmark = pytest.mark.browser
EVIL = "<script>alert(1)</script><b>bold?</b> & <img src=x onerror=alert(2)>"


class Scripted:
    """A stand-in batcher whose every answer is EVIL: the page must show model output as text."""

    max_context = 1024

    def submit(self, prompt, sampling, emit):
        class Done:
            done = True

            def cancel(self):
                pass

        for c in range(sampling.n):
            for piece in (EVIL[:10], EVIL[10:]):
                emit(("delta", c, piece))
            emit(("done", c, Completion([1] * 5, EVIL, "stop")))
        return Done()


@pytest.fixture()
def page(served, tmp_path):
    models = dict(served)
    tiny = served["tiny"]
    models["echo-html"] = Served("echo-html", "-", tiny.tokenizer, tiny.template, Scripted())
    labels = LabelStore(tmp_path / "labels")
    server = LiveServer(build_app(models, labels))
    driver = chromium()
    try:
        driver.get(server.url + "/")
        WebDriverWait(driver, 30).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        yield driver, server, labels
    finally:
        driver.quit()
        server.stop()


def wait_status(driver, text, timeout=60):
    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element(By.ID, "status").text)


def no_alert(driver):
    try:
        driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def pick(driver, select_id, value):
    driver.execute_script("const s = document.getElementById(arguments[0]); s.value = arguments[1];", select_id, value)


def test_chat_compare_label_review_then_dpo(page, tmp_path, tiny_dir):
    driver, server, labels = page
    driver.find_element(By.ID, "rater").send_keys("ann")
    # chat: one turn, streamed, then a thumbs up
    driver.find_element(By.ID, "chat-input").send_keys("What is the capital of France?")
    driver.find_element(By.ID, "chat-send").click()
    WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#chat-log .thumbs button.up"))
    msgs = driver.find_elements(By.CSS_SELECTOR, "#chat-log .msg")
    assert len(msgs) == 2 and "What is the capital of France?" in msgs[0].text
    driver.find_element(By.CSS_SELECTOR, "#chat-log .thumbs button.up").click()
    wait_status(driver, "saved: thumbs up")

    # model output with markup is shown as text, never run
    pick(driver, "chat-model", "echo-html")
    driver.find_element(By.ID, "chat-input").send_keys("show me html")
    driver.find_element(By.ID, "chat-send").click()
    WebDriverWait(driver, 30).until(lambda d: EVIL in d.find_element(By.ID, "chat-log").text)
    assert no_alert(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, "#chat-log script, #chat-log img, #chat-log b")

    # compare: three blind comparisons, A / B / A
    driver.find_element(By.ID, "tab-compare").click()
    shot = None
    for n, verdict in enumerate(["A", "B", "A"]):
        prompt = driver.find_element(By.ID, "cmp-prompt")
        prompt.clear()
        prompt.send_keys(f"What is {n + 2} plus 3?")
        if n == 2:
            pick(driver, "cmp-model-1", "echo-html")
        driver.find_element(By.ID, "cmp-go").click()
        WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "cmp-item").is_displayed())
        driver.find_element(By.ID, "rate-A-helpfulness").send_keys("4")
        if n == 2:
            assert EVIL in driver.find_element(By.ID, "cmp-a").text + driver.find_element(By.ID, "cmp-b").text
            assert no_alert(driver) and not driver.find_elements(By.CSS_SELECTOR, ".answer script, .answer img")
            shot = tmp_path / "compare.png"
            driver.save_screenshot(str(shot))
        driver.find_element(By.ID, f"vote-{verdict}").click()
        wait_status(driver, f"saved: {verdict}")
        assert not driver.find_element(By.ID, "cmp-item").is_displayed()

    # review: the labels and a win-rate row per configuration pair
    driver.find_element(By.ID, "tab-review").click()
    WebDriverWait(driver, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#review-labels tbody tr")) == 3)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#review-wins tbody tr")) == 2
    assert "1 up, 0 down" in driver.find_element(By.ID, "review-thumbs").text

    rows = labels.read("pairs")
    assert [r["rater"] for r in rows] == ["ann"] * 3 and all(r["ratings"] == {"A": {"helpfulness": 4}} for r in rows)
    if os.environ.get("POSTTRAIN_SCREENSHOTS"):
        Path(os.environ["POSTTRAIN_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(os.environ["POSTTRAIN_SCREENSHOTS"]) / "compare.png")
    common = [f"model={tiny_dir}", "max_len=128", "batch_size=1", "max_steps=1", "dtype=fp32", "progress=false"]
    assert main(["dpo", *common, f"data={labels.path('pairs')}", f"output_dir={tmp_path / 'dpo'}"]) == 0
    assert (tmp_path / "dpo" / "model.safetensors").exists() or any((tmp_path / "dpo").rglob("*.safetensors"))
