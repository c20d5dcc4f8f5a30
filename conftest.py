"""Test-session settings for the tests and the doctests of the package.

Keras 3 defaults to the TensorFlow backend, which the test environment does
not install; its tests and doctests run on the PyTorch backend (a
``KERAS_BACKEND`` already set is kept).
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import importlib.util  # noqa: E402

# The doctests of a module that needs an optional engine are collected only
# where that engine is installed (the minimum-versions CI job has none).
_NEEDS = {
    "skweight/dask.py": "dask",
    "skweight/integrations/dask": "dask",
    "skweight/torch.py": "torch",
    "skweight/integrations/torch.py": "torch",
    "skweight/integrations/torch_weights.py": "torch",
    "skweight/integrations/torch_batches.py": "torch",
    "skweight/integrations/torch_losses.py": "torch",
    "skweight/integrations/torch_stream.py": "torch",
    "skweight/keras.py": "keras",
    "skweight/integrations/keras.py": "keras",
    "skweight/evaluation/plotting.py": "matplotlib",
}
collect_ignore = [
    path for path, module in _NEEDS.items() if importlib.util.find_spec(module) is None
]
