"""Intersphinx inventories that this build machine can reach.

The documentation links into the docs of numpy, pandas, scikit-learn and the
others through their intersphinx inventories, fetched at build time. A
machine that cannot reach a site (offline, or the site is down) would fail a
build whose warnings are errors; :func:`reachable_inventories` keeps only the
sites that answer, and says which it left out.
"""

import os
import sys
import urllib.request


def reachable(url, *, timeout=5.0):
    """Whether the intersphinx inventory (``objects.inv``) of ``url`` can be fetched.

    ``SKWEIGHT_DOCS_OFFLINE=1`` in the environment: never.
    """
    if os.environ.get("SKWEIGHT_DOCS_OFFLINE"):
        return False
    request = urllib.request.Request(url + "objects.inv", method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status < 400
    except (OSError, ValueError):
        return False


def reachable_inventories(sites, *, check=reachable, stream=sys.stderr):
    """``intersphinx_mapping`` for the ``{name: url}`` of ``sites`` that answer.

    The names left out are printed on ``stream`` (not a Sphinx warning: an
    offline build still passes ``-W``).
    """
    mapping = {name: (url, None) for name, url in sites.items() if check(url)}
    missing = sorted(set(sites) - set(mapping))
    if missing:
        print(f"intersphinx: no links into {', '.join(missing)} (unreachable)", file=stream)
    return mapping
