"""GSS: Generative Semantic Segmentation (CVPR 2023) for mmsegmentation 0.x.

Importing ``gss`` registers its models, datasets and pipelines into
mmsegmentation's registries; configs load it with
``custom_imports = dict(imports=['gss'], allow_failed_imports=False)``.
"""
from . import compat  # noqa: I001  (must precede any mmseg import)
compat.apply_all()  # every patch of mmcv/mmseg/torch behaviour: gss/compat
from .version import __version__  # noqa: E402
from . import utils, apis, maskige, tokenizers, models, datasets  # noqa: E402,F401,E501

__all__ = ['__version__']
