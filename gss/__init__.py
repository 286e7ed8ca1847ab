"""GSS: Generative Semantic Segmentation (CVPR 2023) for mmsegmentation 0.x.

Importing ``gss`` registers its models, datasets and pipelines into
mmsegmentation's registries; configs load it with
``custom_imports = dict(imports=['gss'], allow_failed_imports=False)``.
"""
from . import compat  # noqa: F401,I001  (must precede any mmseg import)
from .version import __version__
from . import utils  # noqa: F401,I001  (safe checkpoint loading, first)
from . import apis, maskige, tokenizers, models, datasets  # noqa: F401

__all__ = ['__version__']
