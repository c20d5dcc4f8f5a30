"""Sphinx configuration of the skweight documentation.

Build (warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Pages are Markdown (MyST); the API reference is generated from the
docstrings (autodoc + numpydoc), one page per public object (autosummary,
written to ``docs/api/`` at build time, not kept in git). The optional engines
(torch, keras, dask) need not be installed: where one is missing, its imports
are mocked while the docs import ``skweight.torch``, ``skweight.keras`` and
``skweight.dask``, so every public name has its page in every build. Two
pages are completed at build time, so that the build never depends on files
that may be absent: ``api.md`` lists the public modules, and the benchmark pages
(``benchmarks.md`` and one page per topic in ``benchmark_results/``) include
the ``docs/benchmarks/*.md`` tables that exist. Links into the docs of numpy,
pandas, scikit-learn and the others (intersphinx) are made for the sites this
machine reaches (``docs/_ext/inventories.py``): an offline build leaves them
out and says so.
"""

import importlib
import importlib.util
import os
import re
import sys
from pathlib import Path

from sphinx.ext.autodoc.mock import mock

import skweight

# Keras 3 defaults to TensorFlow; document skweight.keras on the PyTorch backend
# where Keras is installed (a KERAS_BACKEND already set is kept).
os.environ.setdefault("KERAS_BACKEND", "torch")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
from inventories import reachable_inventories  # noqa: E402  (docs/_ext)

project = "skweight"
author = "The skweight developers"
copyright = "The skweight developers, BSD-3-Clause"
release = version = skweight.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
]

# The gallery: examples/plot_*.py, run at every build (their tables and figures
# are the ones the code produces), written to docs/auto_examples/ (not in git).
sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": str(HERE / "auto_examples"),
    "filename_pattern": r"/plot_",
    # A command-line script with its own arguments, not a gallery page.
    "ignore_pattern": r"adult_reweighing\.py",
    "write_computation_times": False,
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    # docs/_ext/gallery_figures.py: figures that examples hold without pyplot.
    "image_scrapers": ("matplotlib", "gallery_figures.detached_figures"),
    "matplotlib_animations": False,
    "reference_url": {"skweight": None},
    "show_signature": False,
}
# Links into the documentation of the libraries skweight works with. A build
# machine that cannot reach a project's inventory (offline) leaves that project's
# links out instead of failing; SKWEIGHT_DOCS_OFFLINE=1 leaves them all out.
INVENTORIES = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "pandas": "https://pandas.pydata.org/docs/",
    "sklearn": "https://scikit-learn.org/stable/",
    "imblearn": "https://imbalanced-learn.org/stable/",
    "torch": "https://docs.pytorch.org/docs/stable/",
    "polars": "https://docs.pola.rs/api/python/stable/",
}


intersphinx_mapping = reachable_inventories(INVENTORIES)

# The copy button leaves out prompts and outputs of console and doctest blocks.
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = False

# Optional engines the public modules import: mocked where not installed.
_ENGINES = ["torch", "torchdata", "keras", "dask", "distributed"]
# SKWEIGHT_DOCS_MOCK=1 mocks them all, to check the build of a bare machine.
autodoc_mock_imports = [
    m
    for m in _ENGINES
    if os.environ.get("SKWEIGHT_DOCS_MOCK") or importlib.util.find_spec(m) is None
]


def _import(module_name):
    """Import a public module, its missing optional engines mocked."""
    with mock(autodoc_mock_imports):
        return importlib.import_module(module_name)


source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
# benchmarks/*.md and _generated/*.md are included into pages, not pages.
exclude_patterns = ["_build", "benchmarks", "_generated", "**/.ipynb_checkpoints"]

myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# Class pages list the methods a class inherits from skweight's own bases
# (BaseWeighter's fit_weight, weight, partial_fit ...) and scikit-learn's
# get_params/set_params, not those of torch's or Keras's base classes.
autodoc_default_options = {"members": True}
_NOT_INHERITED = (
    "ReprHTMLMixin,_HTMLDocumentationLinkMixin,_MetadataRequester,OneToOneFeatureMixin,"
    "ClassifierMixin,RegressorMixin,TransformerMixin,MetaEstimatorMixin,"
    "Module,Sampler,Dataset,IterableDataset,PyDataset,Generic"
)
autodoc_member_order = "groupwise"
# Types are in the numpydoc docstrings; signatures stay short.
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

html_theme = "pydata_sphinx_theme"
html_title = f"skweight {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # An "On this page" column on every page (the theme hides it on narrow
    # screens; wide tables scroll in their own box).
    "secondary_sidebar_items": {"**": ["page-toc"]},
}
# Top-level pages without sub-pages: no (empty) section navigation.
html_sidebars = {
    page: []
    for page in ("index", "getting_started", "command_line", "architecture", "formulas")
}
html_static_path = ["_static"]
html_css_files = ["skweight.css"]
autosummary_generate = False  # the stubs are written below, for what imports

# ---------------------------------------------------------------------- #
# The API reference: one section per public module, documented if it imports
# ---------------------------------------------------------------------- #
# (title, module, names, what it needs when it does not import)
API = [
    (
        "Weighters",
        "skweight",
        [
            "GroupBalancedWeighter",
            "EffectiveNumberWeighter",
            "RakingWeighter",
            "BaseWeighter",
            "shares_of",
        ],
        None,
    ),
    ("Resampling", "skweight", ["EpochResampler"], None),
    ("Fitting with weights", "skweight", ["WeightedEstimator"], None),
    ("Pipelines", "skweight.pipeline", ["Pipeline", "make_pipeline"], None),
    ("Scoring and fairness metrics", "skweight.metrics", None, None),
    ("Diagnostics", "skweight.diagnostics", None, None),
    ("Class priors and logit adjustment", "skweight.priors", None, None),
    ("Schedules", "skweight.schedules", None, None),
    ("Streams", "skweight.streams", None, None),
    ("Warnings and deprecations", "skweight.exceptions", None, None),
    ("Bug reports", "skweight", ["show_versions"], None),
    ("Data sets", "skweight.datasets", None, None),
    ("PyTorch", "skweight.torch", None, "`pip install skweight[torch]`"),
    ("Keras", "skweight.keras", None, "`pip install skweight[keras]`"),
    ("Dask", "skweight.dask", None, "`pip install skweight[dask]`"),
]


def _api_section(title, module_name, names, needs):
    """One section of the API index: a table linking a page per object."""
    lines = [f"## {title}", ""]
    if needs:
        lines += [f"Needs its engine at run time: {needs}.", ""]
    module = _import(module_name)
    present = [n for n in (names or getattr(module, "__all__", [])) if hasattr(module, n)]
    if not present:
        return lines + [
            f"Not part of this build: `{module_name}` has none of {', '.join(names)} yet.",
            "",
        ]
    if names is None and module.__doc__:
        lines += [
            "```{eval-rst}",
            f".. automodule:: {module_name}",
            "   :no-members:",
            "```",
            "",
        ]
    lines += [
        "```{eval-rst}",
        f".. currentmodule:: {module_name}",
        "",
        ".. autosummary::",
        "   :toctree: api",
        "   :nosignatures:",
        "",
    ]
    lines += [f"   {name}" for name in present]
    return lines + ["```", ""]


def _write_stubs():
    """Write ``api/<module>.<name>.rst``, one page per documented object.

    autosummary links its table rows to these pages; they are written here
    (not by autosummary) because the API index is itself generated.
    """
    folder = HERE / "api"
    folder.mkdir(exist_ok=True)
    wanted = set()
    for _, module_name, names, _ in API:
        module = _import(module_name)
        for name in names or getattr(module, "__all__", []):
            if not hasattr(module, name):
                continue
            is_class = isinstance(getattr(module, name), type)
            path = folder / f"{module_name}.{name}.rst"
            text = (
                f"{name}\n{'=' * len(name)}\n\n.. currentmodule:: {module_name}\n\n"
                f".. {'autoclass' if is_class else 'autofunction'}:: {name}\n"
            )
            if is_class:
                text += f"   :inherited-members: {_NOT_INHERITED}\n"
            wanted.add(path.name)
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
    for stale in folder.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()


_write_stubs()


_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def _heading_levels(text):
    return [len(m.group(1)) for m in re.finditer(r"^(#+) ", text, re.MULTILINE)]


def _benchmark_summary():
    """The latest run's summary (docs/benchmarks/README.md), linking the topic pages."""
    folder = HERE / "benchmarks"
    readme = folder / "README.md"
    if not readme.exists():
        return ["No benchmark run in this build."]
    text = re.sub(r"\A# [^\n]*\n", "", readme.read_text())  # the page has its title
    pages = {
        table: topic for topic, tables in _BENCHMARK_TOPICS.items() for table in tables
    }

    def link(match):
        label, target = match.groups()
        stem = Path(target).stem
        if "/" not in target and target.endswith(".md") and stem in pages:
            return f"[{label}](benchmark_results/{pages[stem]}.md)"
        return label  # outside the docs

    return ["## Latest run", "", _MD_LINK.sub(link, text), ""]


def _benchmark_tables(stems):
    """The tables ``docs/benchmarks/<stem>.md`` that exist, as sections."""
    folder = HERE / "benchmarks"
    lines = []
    for stem in stems:
        path = folder / f"{stem}.md"
        if not path.exists():
            continue
        levels = _heading_levels(path.read_text())
        offset = max(0, 3 - min(levels)) if levels else 0
        lines += [
            f"## {stem.replace('_', ' ').capitalize()}",
            "",
            f"```{{include}} /benchmarks/{path.name}",
            f":heading-offset: {offset}",
            ":relative-images:",
            "```",
            "",
        ]
    return lines or ["No table of this topic in this build."]


# Topic pages (docs/benchmark_results/<topic>.md) and the tables each shows.
_BENCHMARK_TOPICS = {
    "weights": ["weights", "weights_10m", "frames", "frames_10m", "keys"],
    "resampling": ["resample", "resample_10m", "torch_loader"],
    "scaling": ["scaling"],
    "quality": ["quality_classes", "quality_fairness", "quality_long_tail"],
    "dask": ["dask", "dask_50m"],
    "spark": ["spark"],
    "startup": ["startup"],
}


def _generated(stem):
    """The table (and plot) an example wrote to docs/_generated, if present."""
    table, plot = HERE / "_generated" / f"{stem}.md", HERE / "_generated" / f"{stem}.png"
    if not table.exists():
        return ["(Run the example to produce its table here.)"]
    lines = [f"```{{include}} /_generated/{table.name}", "```", ""]
    if plot.exists():
        lines += [f"```{{image}} /_generated/{plot.name}", ":width: 100%", "```"]
    return lines


def _diagnostics_figure():
    """The figure of the diagnostics page, drawn by the page's own code."""
    from skweight import GroupBalancedWeighter
    from skweight.datasets import make_product_reviews
    from skweight.diagnostics import balance_report, plot_balance

    reviews = make_product_reviews(n_samples=20_000, random_state=0)
    X, y = reviews.drop(columns="rating"), reviews["rating"]
    w = GroupBalancedWeighter(groups="gender", strata="category").fit_weight(X, y)
    report = balance_report(X, y, w, groups="gender", strata="category")
    return plot_balance(report, sample_weight=w)


def _demo_figure():
    """The plot ``skweight demo`` saves, from the demo itself."""
    from skweight.cli.demo import run_demo
    from skweight.diagnostics import plot_balance

    results = run_demo(print_fn=lambda *args: None)
    return plot_balance(results["report"], sample_weight=results["weights"])


# Figures drawn at build time (into docs/_generated/figures/, not kept in git).
FIGURES = {"diagnostics_balance": _diagnostics_figure, "demo_balance": _demo_figure}


def _figure(name):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ["(The figure needs matplotlib, which this build does not have.)"]
    folder = HERE / "_generated" / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    FIGURES[name]().savefig(folder / f"{name}.png", dpi=100)
    return [
        f"```{{image}} /_generated/figures/{name}.png",
        f":alt: {name}",
        ":width: 100%",
        "```",
    ]


_FIGURE_MARKER = re.compile(r"<!-- figure: (\w+) -->")


FILL = {
    "<!-- api-sections -->": lambda: sum((_api_section(*s) for s in API), []),
    "<!-- benchmark-summary -->": _benchmark_summary,
    "<!-- adult-reweighing-sweep -->": lambda: _generated("adult_reweighing_sweep"),
}


_TABLES_MARKER = re.compile(r"<!-- benchmark-tables: ([\w ]+) -->")


def _fill(app, docname, source):
    for marker, make in FILL.items():
        if marker in source[0]:
            source[0] = source[0].replace(marker, "\n".join(make()))
    source[0] = _FIGURE_MARKER.sub(lambda m: "\n".join(_figure(m.group(1))), source[0])
    source[0] = _TABLES_MARKER.sub(
        lambda m: "\n".join(_benchmark_tables(m.group(1).split())), source[0]
    )


def _skip_routing_setters(app, what, name, obj, skip, options):
    # scikit-learn generates set_{method}_request for metadata routing; their
    # docstrings point into scikit-learn's own documentation.
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


_FIELD = re.compile(r"^(\s*[\w*]+(?:\s*,\s*[\w*]+)*\s+:\s+)(.+)$")
_TRAILING_UNDERSCORE = re.compile(r"\b([A-Za-z]\w*)_(?=[,)\s]|$)")


def _clean_docstring(app, what, name, obj, options, lines):
    """Prepare docstrings for numpydoc (runs before it).

    - A docstring built from a template may keep "\\" at the end of a
      parameter line that continues on the next (scikit-learn's convention
      for long type specs): join the two lines.
    - In ``name : type`` lines, escape the underscore of fitted-attribute
      names such as ``(n_features_in_,)``, which reST would read as links.
    """
    i = 0
    while i < len(lines) - 1:
        if lines[i].endswith("\\"):
            lines[i : i + 2] = [lines[i][:-1].rstrip() + " " + lines[i + 1].strip()]
        else:
            i += 1
    for i, line in enumerate(lines):
        field = _FIELD.match(line)
        if field and "``" not in field.group(2):
            lines[i] = field.group(1) + _TRAILING_UNDERSCORE.sub(r"\1\\_", field.group(2))


def setup(app):
    app.connect("source-read", _fill)
    app.connect("autodoc-process-docstring", _clean_docstring, priority=100)
    app.connect("autodoc-skip-member", _skip_routing_setters)
