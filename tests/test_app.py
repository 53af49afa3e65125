"""The web application: its JSON routes, its messages, its start-up, and its page in Chromium.

One small pipeline run (tests/synthetic.py's themed shoppers, with labels) is written once for
the module and served by one application, whose map is computed once.
"""

from __future__ import annotations

import html
import json
import os
import re
import runpy
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from werkzeug.serving import make_server

from prod2vec.app.catalogue import MAX_QUERY_CHARACTERS, SIMILARITY
from prod2vec.app.server import MAX_REQUEST_BYTES, create_app
from prod2vec.cli import main
from prod2vec.errors import ModelFileError, ProjectFileError
from prod2vec.models.word2vec import Word2VecRecommender
from prod2vec.outputs.run_folder import RunFolder
from prod2vec.serving import MAX_ITEMS, NO_LABEL, SessionScorer
from tests.synthetic import labels_table, shopping_events, write_csv

ROOT = Path(__file__).resolve().parents[1]
APP_SOURCE = ROOT / "src" / "prod2vec" / "app"
CHROMIUM = Path("/usr/bin/chromium")
tomllib = pytest.importorskip("tomllib")  # Python >= 3.11; environment.yml pins 3.11


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("app")
    events = write_csv(shopping_events(users=120), folder / "events.csv")
    labels = write_csv(labels_table(), folder / "labels.csv")
    out = folder / "run"
    arguments = ["pipeline", "--input", str(events), "--metadata", str(labels), "--no-search"]
    assert main([*arguments, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def app(run_dir: Path):
    return create_app(run_dir)


@pytest.fixture
def client(app):
    return app.test_client()


def one_line_error(response, status: int = 400) -> str:
    """The error of a JSON answer, checked to be one line with the status expected."""
    assert response.status_code == status, response.data
    answer = response.get_json()
    assert set(answer) == {"error"}
    message = answer["error"]
    assert message and "\n" not in message and "Traceback" not in message
    return message


# the JSON routes


def test_about_names_the_served_model_and_the_similarity(client, run_dir: Path) -> None:
    about = client.get("/api/about").get_json()
    assert about["next_items_model"] == SessionScorer(run_dir).served.name
    assert about["similar_products_model"] == SIMILARITY
    assert about["products"] == len(labels_table())
    assert set(about["startup_seconds"]) == {"load", "map"}


def test_search_by_description_words_most_bought_first(client) -> None:
    answer = client.get("/api/search", query_string={"q": "Theme 3"}).get_json()
    matches = answer["matches"]
    assert answer["total"] == len(matches) == 12
    assert all(match["description"] == "theme 3 item" for match in matches)
    purchases = [match["purchases"] for match in matches]
    assert purchases == sorted(purchases, reverse=True) and purchases[0] > 0
    # every word must match, in any order
    assert client.get("/api/search?q=item+theme+3").get_json()["total"] == 12


def test_search_by_id_puts_the_whole_id_first(client) -> None:
    answer = client.get("/api/search?q=T3-I1").get_json()
    assert answer["matches"][0]["item"] == "t3-i1"
    assert {match["item"] for match in answer["matches"]} == {"t3-i1", "t3-i10", "t3-i11"}


def test_search_lists_at_most_twenty(client) -> None:
    answer = client.get("/api/search?q=item").get_json()
    assert answer["total"] == len(labels_table()) and len(answer["matches"]) == 20


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "type a word of a product's description, or part of its id"),
        ("   ", "type a word of a product's description, or part of its id"),
        (None, "type a word of a product's description, or part of its id"),
        ("x" * (MAX_QUERY_CHARACTERS + 1), f"a search is at most {MAX_QUERY_CHARACTERS} char"),
        ("zebra", "no product's description or id holds 'zebra': try another word"),
    ],
)
def test_bad_searches_get_a_message(client, query: str | None, expected: str) -> None:
    response = client.get("/api/search", query_string={} if query is None else {"q": query})
    assert one_line_error(response).startswith(expected)


def test_next_items_are_the_served_models(client, run_dir: Path) -> None:
    request = {"items": ["t1-i2", "t1-i3"], "k": 5}
    response = client.post("/api/next", json=request)
    assert response.status_code == 200
    assert response.get_json() == SessionScorer(run_dir).answer(request)
    recommendations = response.get_json()["recommendations"]
    assert 0 < len(recommendations) <= 5
    assert {"t1-i2", "t1-i3"}.isdisjoint(row["item"] for row in recommendations)
    assert all(row["description"].startswith("theme ") for row in recommendations)


def test_similar_products_are_the_cosine_of_input_vectors(client, run_dir: Path) -> None:
    answer = client.post("/api/similar", json={"items": ["t2-i5"], "k": 6}).get_json()
    recommendations = answer["recommendations"]
    vectors, _ = RunFolder(run_dir).load_vectors(need_output_weights=False)
    notebook = Word2VecRecommender.from_vectors(vectors, scoring="input-input")
    assert [row["item"] for row in recommendations] == notebook.recommend(["t2-i5"], k=6)[
        0
    ].tolist()
    scores = [row["score"] for row in recommendations]
    assert scores == sorted(scores, reverse=True) and all(-1 <= score <= 1 for score in scores)
    assert all(row["description"].startswith("theme ") for row in recommendations)


@pytest.mark.parametrize("route", ["/api/next", "/api/similar"])
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"items": []}, "'items' must be a non-empty list of item ids"),
        ({"items": ["t1-i1"] * (MAX_ITEMS + 1)}, f"at most {MAX_ITEMS} recent items per request"),
        ({"items": ["nope"]}, "unknown items ['nope'] (1 of 1): the model knows"),
        ({"items": ["t1-i1"], "k": 0}, "'k' must be a whole number from 1 to 100, got 0"),
        ({"items": ["t1-i1"], "colour": "red"}, "unknown fields ['colour']"),
        ([1, 2], "send a JSON object such as"),
        ("not json", "send a JSON object such as"),
    ],
)
def test_bad_sessions_get_a_message(client, route: str, body, expected: str) -> None:
    if body == "not json":
        response = client.post(route, data="{items:", content_type="application/json")
    else:
        response = client.post(route, json=body)
    assert one_line_error(response).startswith(expected)


def test_wrong_addresses_methods_and_sizes_get_a_message(client) -> None:
    assert one_line_error(client.get("/api/nowhere"), 404).startswith("404 Not Found")
    assert one_line_error(client.get("/api/next"), 405).startswith("405 Method Not Allowed")
    big = {"items": ["x" * MAX_REQUEST_BYTES]}
    assert one_line_error(client.post("/api/next", json=big), 413).startswith("413")


# start-up


def test_a_missing_folder_or_one_that_is_not_a_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="python -m prod2vec pipeline --out"):
        create_app(tmp_path / "missing")
    with pytest.raises(ModelFileError, match="vectors.npz"):
        create_app(tmp_path)


def test_the_command_says_what_is_wrong_in_one_line(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "missing"
    assert main(["app", "--run", str(missing)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(missing) in error
    assert "`python -m prod2vec pipeline --out" in error
    with pytest.raises(ProjectFileError):
        main(["--debug", "app", "--run", str(missing)])


def test_the_command_and_the_cml_script_serve_on_the_port_cml_gives(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    served = []
    monkeypatch.setattr("prod2vec.app.server.serve", lambda app, host, port: served.append(port))
    monkeypatch.delenv("CDSW_APP_PORT", raising=False)
    assert main(["app", "--run", str(run_dir)]) == 0
    monkeypatch.setenv("CDSW_APP_PORT", "8123")
    monkeypatch.setenv("PROD2VEC_MODEL_DIR", str(run_dir))
    runpy.run_path(str(ROOT / "cml" / "application.py"))
    assert served == [8080, 8123]
    monkeypatch.setenv("CDSW_APP_PORT", "http")
    with pytest.raises(SystemExit) as exit_code:
        main(["app", "--run", str(run_dir)])
    assert exit_code.value.code == 2
    assert "$CDSW_APP_PORT is not a port" in capsys.readouterr().err


def test_the_cml_script_reports_a_missing_run_in_one_line_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("PROD2VEC_MODEL_DIR", str(tmp_path / "missing"))
    with pytest.raises(SystemExit) as raised:  # CML shows the application failed
        runpy.run_path(str(ROOT / "cml" / "application.py"))
    assert raised.value.code == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: {tmp_path / 'missing'} is not a run folder")
    assert error.count("\n") == 1


def test_the_page_files_are_package_data() -> None:
    """A non-editable install ships every file of the page (setuptools' package-data)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["prod2vec.app"]
    page_files = [
        path.relative_to(APP_SOURCE)
        for folder in ("templates", "static")
        for path in (APP_SOURCE / folder).iterdir()
    ]
    assert page_files and all(
        any(path.match(pattern) for pattern in patterns) for path in page_files
    )


# the page, in a real browser


@pytest.fixture(scope="module")
def server_url(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PROD2VEC_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_page_in_chromium(server_url: str, screenshots: Path) -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian's chromium package) to drive")
    playwright = pytest.importorskip("playwright.sync_api", reason="needs playwright (dev extra)")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM))
        try:
            laptop = browser.new_page(viewport={"width": 1280, "height": 900})
            check_the_page(laptop, server_url, screenshots)
            phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            phone.goto(server_url)
            phone.fill("#query", "theme 5")
            phone.locator("#matches li").first.get_by_role("button").click()
            phone.wait_for_selector("#similar tbody tr")
            phone.screenshot(path=screenshots / "05_phone.png", full_page=True)
        finally:
            browser.close()


def check_the_page(page, url: str, screenshots: Path) -> None:
    """Load, search, choose products, refuse a bad query: a screenshot after each step."""
    page.goto(url)
    assert page.title() == "prod2vec · try the recommender"
    assert page.locator("#map svg[role=img] circle").count() == len(labels_table())
    assert page.locator("#map .p2v-figure").is_visible()
    assert page.locator("#regions li").count() >= 2
    assert re.search(r"\d+ products", page.locator("#regions li").first.inner_text())
    page.screenshot(path=screenshots / "01_page.png", full_page=True)

    page.fill("#query", "theme 3")  # typing searches, without pressing Enter
    page.wait_for_selector("#matches li")
    assert page.locator("#matches li").count() == 12
    assert "12 products match" in page.locator("#search-total").inner_text()
    assert "theme 3 item" in page.locator("#matches li").first.inner_text()
    page.screenshot(path=screenshots / "02_search.png")

    page.locator("#matches li").first.get_by_role("button", name=re.compile("^add")).click()
    page.wait_for_selector("#next tbody tr")
    page.wait_for_selector("#similar tbody tr")
    assert page.locator("#session li").count() == 1
    for table in ("#next", "#similar"):
        first = page.locator(f"{table} tbody tr").first.inner_text()
        assert "theme" in first and re.search(r"\d", first.split("\n")[-1]), first
    cosine = page.locator("#similar tbody tr td.score").first.inner_text()
    assert re.fullmatch(r"-?[01]\.\d{3}", cosine), cosine
    assert page.locator("#map circle.chosen").count() == 1
    # a recommendation clicked joins the session, and the answers follow
    page.locator("#similar tbody tr").first.click()
    page.wait_for_function("document.querySelectorAll('#session li').length === 2")
    page.wait_for_function("document.querySelectorAll('#map circle.chosen').length === 2")
    page.screenshot(path=screenshots / "03_session.png", full_page=True)

    page.fill("#query", "zebra")
    page.press("#query", "Enter")
    message = page.locator("#search-message")
    message.wait_for(state="visible")
    assert "no product's description or id holds 'zebra'" in message.inner_text()
    assert page.locator("#matches li").count() == 0
    page.fill("#query", "")
    page.press("#query", "Enter")
    page.wait_for_function(
        "document.getElementById('search-message').textContent.startsWith('type a word')"
    )
    page.screenshot(path=screenshots / "04_bad_query.png")


# found by attacking the application (ids with spaces, tiny runs, abusive requests)


def test_a_point_of_the_map_names_its_id_even_with_spaces(tmp_path: Path) -> None:
    """The page reads a clicked point's id from the drawing order, not from its tooltip."""
    from prod2vec.app.product_map import product_map

    ids = [f"hot chocolate {n}" for n in range(30)]
    vectors = _vectors(ids)
    labels = pd.Series({ids[0]: "a label", ids[1]: NO_LABEL})
    drawn = product_map(vectors, labels)
    titles = re.findall(r"<circle [^>]*><title>([^<]*)</title>", drawn.html)
    assert len(titles) == len(drawn.points) == len(ids)
    for (item, description), title in zip(drawn.points, titles, strict=True):
        first = html.unescape(title).split("\n")[0]
        # the id once, with its label if it has one, never "?"
        assert first == (f"{item} a label" if item == ids[0] else item)
        assert description == {ids[0]: "a label"}.get(item, NO_LABEL)
    assert NO_LABEL not in " ".join(" ".join(region.most_bought) for region in drawn.regions)


@pytest.mark.parametrize("n_items", [2, 3])
def test_a_run_of_two_or_three_products_gets_a_map(n_items: int) -> None:
    from prod2vec.app.product_map import product_map

    drawn = product_map(_vectors([f"item{n}" for n in range(n_items)]), pd.Series(dtype=str))
    assert len(drawn.points) == n_items == drawn.html.count("<title>")


def _vectors(ids: list[str]):
    from gensim.models import KeyedVectors

    vectors = KeyedVectors(vector_size=8)
    vectors.add_vectors(ids, np.random.default_rng(0).normal(size=(len(ids), 8)))
    for rank, item in enumerate(ids):
        vectors.set_vecattr(item, "count", len(ids) - rank)
    return vectors


def test_json_nested_too_deeply_is_refused_not_a_failure(client) -> None:
    body = '{"items": ' + "[" * 5000 + "]" * 5000 + "}"
    for route in ("/api/next", "/api/similar"):
        response = client.post(route, data=body, content_type="application/json")
        assert one_line_error(response).startswith("send a JSON object")


def test_the_servers_own_errors_are_json(app) -> None:
    """A request line too long for werkzeug is answered in JSON, not an HTML page."""
    from prod2vec.app.server import _JSONErrorHandler

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_JSONErrorHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/api/search?q=" + "a" * 70_000
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=30)
        assert refused.value.code == 414
        assert refused.value.headers["Content-Type"] == "application/json"
        assert json.loads(refused.value.read())["error"].startswith("414")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_port_in_use_or_beyond_65535_is_said_in_one_line(app, capsys) -> None:
    from prod2vec.app.server import serve

    with pytest.raises(OSError, match=r"cannot serve on 127.0.0.1:70000 .*choose another"):
        serve(app, "127.0.0.1", 70000)
    taken = make_server("127.0.0.1", 0, app)
    try:
        with pytest.raises(OSError, match=r"in use.*choose another --port"):
            serve(app, "127.0.0.1", taken.server_port)
    finally:
        taken.server_close()
    assert capsys.readouterr().err == ""


def test_a_file_is_not_said_to_be_missing(tmp_path: Path) -> None:
    file = tmp_path / "run"
    file.write_text("")
    with pytest.raises(ProjectFileError, match=r"\(it is a file\)"):
        create_app(file)
