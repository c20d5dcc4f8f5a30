"""Test-session settings for the tests and the doctests of the package.

Keras 3 defaults to the TensorFlow backend, which the test environment does
not install; its tests and doctests run on the PyTorch backend (a
``KERAS_BACKEND`` already set is kept).
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")
