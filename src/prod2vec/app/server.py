"""The Flask application: one page, and the JSON routes it calls.

Routes
------
``GET /``
    The page: search, the session, next items and similar products, the map and its regions.
``GET /api/search?q=words``
    :meth:`~prod2vec.app.catalogue.Catalogue.search`.
``POST /api/next`` and ``POST /api/similar``
    The endpoint's request, ``{"items": ["<item id>", ...], "k": 10}`` (oldest first), answered
    by the run's served model and by Word2Vec's similar products
    (:mod:`prod2vec.app.catalogue`).
``GET /api/about``
    The run folder, the two models, the catalogue's size and the start-up time.

Every answer is JSON; a bad request gets ``{"error": "one line"}`` with status 400 (404, 405 or
413 for a wrong address, method or size), never a traceback. Everything is loaded, and the map
computed, once in :func:`create_app`.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server

from prod2vec.app.catalogue import Catalogue
from prod2vec.app.product_map import product_map
from prod2vec.serving import DEFAULT_K

#: the largest request body accepted (a request of 50 long ids is a few kilobytes)
MAX_REQUEST_BYTES = 64 * 1024


def create_app(run_dir: str | Path, stop_words: Collection[str] = ()) -> Flask:
    """The application serving ``run_dir``, loaded and with its map computed.

    Parameters
    ----------
    run_dir : str or Path
        A folder written by ``python -m prod2vec pipeline --out``.
    stop_words : collection of str
        Upper-case words never used in the names of the map's regions.

    Returns
    -------
    flask.Flask
        The application; ``app.config["STARTUP_SECONDS"]`` holds the seconds spent loading
        (``load``) and drawing the map (``map``), ``app.extensions["prod2vec_catalogue"]`` the
        :class:`~prod2vec.app.catalogue.Catalogue` it serves.

    Raises
    ------
    ProjectFileError, ModelFileError
        ``run_dir`` is missing or not a servable run (:class:`~prod2vec.app.catalogue.Catalogue`).
    """
    started = time.perf_counter()
    catalogue = Catalogue(run_dir)
    loaded = time.perf_counter()
    drawn = product_map(catalogue.vectors, catalogue.labels, stop_words)
    startup = {"load": loaded - started, "map": time.perf_counter() - loaded}

    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.config["STARTUP_SECONDS"] = startup
    app.extensions["prod2vec_catalogue"] = catalogue
    served = catalogue.next_items.served
    about = {
        "run": str(catalogue.run.path),
        "next_items_model": served.name,
        "next_items_context": served.rule.label,
        "similar_products_model": catalogue.similar.served.name,
        "products": len(catalogue.products),
        "startup_seconds": {part: round(seconds, 2) for part, seconds in startup.items()},
    }

    @app.get("/")
    def page() -> str:
        return render_template(
            "index.html",
            about=about,
            regions=drawn.regions,
            map_html=drawn.html,
            map_points=drawn.points,
            k=DEFAULT_K,
        )

    @app.get("/api/about")
    def about_route() -> Response:
        return jsonify(about)

    @app.get("/api/search")
    def search() -> tuple[Response, int]:
        return _json(catalogue.search(request.args.get("q", "")))

    @app.post("/api/next")
    def next_items() -> tuple[Response, int]:
        return _json(catalogue.next_items.answer(_request_json()))

    @app.post("/api/similar")
    def similar() -> tuple[Response, int]:
        return _json(catalogue.similar.answer(_request_json()))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        return jsonify({"error": f"{error.code} {error.name}: {error.description}"}), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[Response, int]:
        app.logger.exception("request %s failed", request.path)
        message = "the application failed on this request (a bug): its log has the details"
        return jsonify({"error": message}), 500

    return app


def _request_json() -> Any:
    """The request's JSON, or None when it is not JSON (also when nested too deeply to parse)."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _json(answer: dict[str, Any]) -> tuple[Response, int]:
    """An answer as JSON, with status 400 when it is an error."""
    return jsonify(answer), 400 if "error" in answer else 200


class _JSONErrorHandler(WSGIRequestHandler):
    """Werkzeug's request handler, whose own errors (a request line too long, a malformed
    request) are JSON like the application's, not an HTML page."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        short, long = self.responses.get(code, ("Error", ""))
        body = json.dumps({"error": f"{code} {message or short}: {explain or long}"}).encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)


def serve(app: Flask, host: str, port: int) -> None:
    """Serve ``app`` on ``host:port`` until interrupted (Ctrl-C), many requests at once.

    Raises
    ------
    OSError
        The address cannot be served (a port in use, a host not of this machine, a port
        above 65535), in one line.
    """
    if not 0 <= port <= 65535:
        raise OSError(
            f"cannot serve on {host}:{port} (ports go up to 65535): choose another --port"
        )
    printed = io.StringIO()  # werkzeug prints why it cannot bind, then exits
    try:
        with contextlib.redirect_stderr(printed):
            server = make_server(host, port, app, threaded=True, request_handler=_JSONErrorHandler)
    except (OSError, OverflowError, SystemExit) as error:
        said = printed.getvalue().strip().splitlines()
        reason = getattr(error, "strerror", None) or (said[0] if said else error)
        raise OSError(f"cannot serve on {host}:{port} ({reason}): choose another --port") from None
    print(f"serving on http://{host}:{server.server_port}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    finally:
        server.server_close()
