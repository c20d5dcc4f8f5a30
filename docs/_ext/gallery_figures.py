"""A sphinx-gallery image scraper for figures made without pyplot.

skweight's plotting functions (``plot_balance``) return a
:class:`matplotlib.figure.Figure` not attached to pyplot, which
sphinx-gallery's own scraper (it reads pyplot's figures) does not see. This
one shows each such figure an example holds in a variable, after the block
that made it, once.
"""

_SHOWN: dict = {}


def detached_figures(block, block_vars, gallery_conf):
    """Save the example's new detached figures; return their reST."""
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    shown = _SHOWN.setdefault(block_vars["src_file"], set())
    paths = []
    for value in list(block_vars["example_globals"].values()):
        if isinstance(value, Figure) and value.canvas.manager is None:
            if id(value) not in shown:
                shown.add(id(value))
                path = next(block_vars["image_path_iterator"])
                value.savefig(path, dpi=80)
                paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])
