"""The docs link into the sites they reach, and an offline build still passes."""

import functools
import http.server
import importlib.util
import io
import threading
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "docs" / "_ext" / "inventories.py"
_SPEC = importlib.util.spec_from_file_location("docs_inventories", _PATH)
inventories = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(inventories)


@pytest.fixture
def site(tmp_path):
    """A local site with an objects.inv, served over HTTP."""
    (tmp_path / "objects.inv").write_bytes(b"# Sphinx inventory version 2\n")
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_site_with_an_inventory_is_reachable(site, monkeypatch):
    monkeypatch.delenv("SKWEIGHT_DOCS_OFFLINE", raising=False)
    assert inventories.reachable(site)
    assert not inventories.reachable(site + "missing/")  # 404


def test_unreachable_and_offline_sites_are_left_out(site, monkeypatch):
    monkeypatch.delenv("SKWEIGHT_DOCS_OFFLINE", raising=False)
    assert not inventories.reachable("http://skweight.invalid/", timeout=2)
    monkeypatch.setenv("SKWEIGHT_DOCS_OFFLINE", "1")
    assert not inventories.reachable(site)


def test_the_mapping_keeps_the_sites_that_answer_and_names_the_others():
    stream = io.StringIO()
    sites = {"numpy": "https://n/", "sklearn": "https://s/", "torch": "https://t/"}
    mapping = inventories.reachable_inventories(
        sites, check=lambda url: url == "https://s/", stream=stream
    )
    assert mapping == {"sklearn": ("https://s/", None)}
    assert stream.getvalue() == "intersphinx: no links into numpy, torch (unreachable)\n"
    stream = io.StringIO()
    assert inventories.reachable_inventories(sites, check=bool, stream=stream) == {
        name: (url, None) for name, url in sites.items()
    }
    assert stream.getvalue() == ""
